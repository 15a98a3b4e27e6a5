"""A rendered reply: fallback text, blocks, and whether the whole channel should see it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from handlers.blocks.limits import CONTEXT_TEXT_MAX, TEXT_MAX, Drawable, fit_fallback, fit_message
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
        body: dict[str, Any] = {  # in the order Bolt's ack(text, blocks, response_type) gives
            "text": self.text,
            "response_type": "in_channel" if self.in_channel else "ephemeral",
        }
        if self.blocks:
            body["blocks"] = self.blocks
        return body

    @cached_property
    def encoded(self) -> str:
        """payload() as JSON, encoded once: a kept page (bot.page_cache) goes out again as is,
        where encoding it was a tenth of a repeated list's cost."""
        return json.dumps(self.payload())


def section(markdown: str, block_id: str | None = None) -> dict[str, Any]:
    """A section of escaped mrkdwn, cut (never inside an entity or a `<…>`) to Slack's limit.
    Drawn straight to the dict slack_sdk's SectionBlock would give (tests/unit/test_serialize.py):
    these two shapes are most of what the bot draws, and the builder's validation was a third
    of a list's drawing."""
    drawn = {"text": {"text": clip(markdown, TEXT_MAX), "type": "mrkdwn"}, "type": "section"}
    return drawn if block_id is None else {"block_id": block_id, **drawn}


def context(markdown: str, block_id: str | None = None) -> dict[str, Any]:
    """A context block of one escaped mrkdwn element, as slack_sdk's ContextBlock draws it."""
    element = {"text": clip(markdown, CONTEXT_TEXT_MAX), "type": "mrkdwn"}
    drawn = {"elements": [element], "type": "context"}
    return drawn if block_id is None else {"block_id": block_id, **drawn}


def as_dicts(blocks: Sequence[Drawable], more: str = "") -> list[dict[str, Any]]:
    """A message's blocks as dicts, fitted to Slack's limits (`more`: where the rest is, said
    under an "…and N more" line if anything had to be cut; see handlers.blocks.limits)."""
    return fit_message(blocks, more)
