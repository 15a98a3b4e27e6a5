"""A rendered reply: fallback text, blocks, and whether the whole channel should see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from handlers.blocks.serialize import block_dicts
from handlers.blocks.text import clip

SECTION_MAX = 3000
CONTEXT_MAX = 2000


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    in_channel: bool = False

    def payload(self) -> dict[str, Any]:
        """The body of a slash-command response (Slack's `response_type`, `text`, `blocks`)."""
        body: dict[str, Any] = {
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "text": self.text,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        return body


def section(markdown: str, block_id: str | None = None) -> Block:
    return SectionBlock(
        text=MarkdownTextObject(text=_fit(markdown, SECTION_MAX)), block_id=block_id
    )


def context(markdown: str) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=_fit(markdown, CONTEXT_MAX))])


def as_dicts(blocks: Sequence[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    return block_dicts(blocks)


def _fit(text: str, limit: int) -> str:
    return clip(text, limit)
