"""A rendered reply: fallback text, blocks, and whether the whole channel should see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from handlers.blocks.limits import CONTEXT_TEXT_MAX, TEXT_MAX, fit_fallback, fit_message
from handlers.blocks.text import clip


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    in_channel: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", fit_fallback(self.text))

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
    """A section of escaped mrkdwn, cut (never inside an entity or a `<…>`) to Slack's limit."""
    return SectionBlock(text=MarkdownTextObject(text=clip(markdown, TEXT_MAX)), block_id=block_id)


def context(markdown: str, block_id: str | None = None) -> Block:
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(markdown, CONTEXT_TEXT_MAX))], block_id=block_id
    )


def as_dicts(blocks: Sequence[Block | dict[str, Any]], more: str = "") -> list[dict[str, Any]]:
    """A message's blocks as dicts, fitted to Slack's limits (`more`: where the rest is, said
    under an "…and N more" line if anything had to be cut; see handlers.blocks.limits)."""
    return fit_message(blocks, more)
