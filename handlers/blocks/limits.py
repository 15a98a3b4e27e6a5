"""Slack's limits on what the bot draws, and the one place a drawn surface is fitted to them.

Every surface's blocks pass through `fit_message` (handlers.blocks.reply.as_dicts) or
`fit_view` (modals and the Home tab) as their last step, so the limits hold however long or
hostile the stored text is. Text is measured as Slack counts it: after escaping, every string
under a "text" key. A cut never lands inside an entity (`&amp;`) or a `<…>` token (see
`text.clip`); what does not fit is replaced by one "…and N more" line saying where the rest is.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.basic_objects import JsonObject

from handlers.blocks.serialize import block_dicts
from handlers.blocks.text import clip
from handlers.ids import ITEM_BLOCK

# From Slack's Block Kit reference and ../shared/slack-specs/block-kit.schema.json.
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
MESSAGE_TEXT = 12_000  # all text across a message's blocks: past it, `msg_blocks_too_long`
TEXT_MAX = 3000  # a text object: a section's text, a context element, an input's label
CONTEXT_TEXT_MAX = 2000  # a context element's text: the schema allows 3,000; kept as before
HEADER_MAX = 150
FIELDS_MAX = 10
FIELD_MAX = 2000
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
LABEL_MAX = 75  # a button's text, an option's text and description
PLACEHOLDER_MAX = 150
OPTIONS_MAX = 100
INPUT_LABEL_MAX = 2000
FALLBACK_MAX = 40_000  # a message's top-level `text`: Slack truncates past it
MORE_MAX = 600  # the "…and N more" line itself
MORE_BLOCK = "more"  # its block id
REFS_NAMED = 5  # cut items named in that line
Drawable = JsonObject | dict[str, Any]  # a slack_sdk builder, or a block already drawn


def text_size(node: Any) -> int:
    """Characters of text in a block, a list of blocks or a view: every "text" string."""
    if isinstance(node, Mapping):
        own = len(node["text"]) if isinstance(node.get("text"), str) else 0
        return own + sum(text_size(value) for value in node.values())
    if isinstance(node, list):
        return sum(text_size(item) for item in node)
    return 0


def fit_message(blocks: Sequence[Drawable], more: str = "") -> list[dict[str, Any]]:
    """A message's blocks within its limits: each block's own, then 50 blocks and 12,000
    characters in all; blocks past those are replaced by an "…and N more" line, then `more`
    (where to see the rest, e.g. the next page's command)."""
    return _fit(blocks, more, MESSAGE_BLOCKS, MESSAGE_TEXT)


def fit_view(blocks: Sequence[Drawable], more: str = "") -> list[dict[str, Any]]:
    """A modal's or the Home tab's blocks within their limits (100 blocks; each block's own)."""
    return _fit(blocks, more, VIEW_BLOCKS, None)


def fit_fallback(text: str) -> str:
    """A message's top-level notification text within Slack's 40,000 characters."""
    return clip(text, FALLBACK_MAX)


def _fit(
    blocks: Sequence[Drawable], more: str, max_blocks: int, max_text: int | None
) -> list[dict[str, Any]]:
    fitted = [fit_block(block) for block in block_dicts(blocks) if not _empty(block)]
    sizes = [text_size(block) for block in fitted]
    budget = max_text if max_text is not None else sys.maxsize
    if len(fitted) <= max_blocks and sum(sizes) <= budget:
        return fitted
    kept: list[dict[str, Any]] = []
    used = MORE_MAX
    for block, size in zip(fitted, sizes, strict=True):
        if len(kept) + 1 >= max_blocks or used + size > budget:
            break
        kept.append(block)
        used += size
    dropped = fitted[len(kept) :]
    return [*kept, more_line(dropped, more)]


def more_line(dropped: Sequence[dict[str, Any]], more: str = "") -> dict[str, Any]:
    """The line standing for blocks cut from a surface: how many items (named, when they are
    items), then where to see them."""
    refs = [
        str(block["block_id"]).removeprefix(ITEM_BLOCK)
        for block in dropped
        if str(block.get("block_id", "")).startswith(ITEM_BLOCK)
    ]
    if refs:
        named = ", ".join(refs[:REFS_NAMED]) + (", …" if len(refs) > REFS_NAMED else "")
        text = f"…and {len(refs)} more not shown here: {named}."
    else:
        entries = sum(1 for block in dropped if block.get("type") in _ENTRY_TYPES)
        text = f"…and {max(entries, 1)} more not shown here."
    text = clip(f"{text} {more}".strip(), MORE_MAX)
    element = {"type": "mrkdwn", "text": text}
    return {"type": "context", "block_id": MORE_BLOCK, "elements": [element]}


_ENTRY_TYPES = frozenset({"section", "context", "header", "rich_text", "input", "image"})


def _empty(block: Drawable) -> bool:
    """A section with nothing to show (its text drawn empty, no fields): Slack refuses it."""
    if not isinstance(block, dict) or block.get("type") != "section":
        return False
    return not (block.get("text") or {}).get("text") and not block.get("fields")


def fit_block(block: dict[str, Any]) -> dict[str, Any]:
    """One block within the limits Slack sets on its own parts (a copy when anything is cut)."""
    kind = block.get("type")
    fitted = dict(block)
    if kind == "section":
        _cut_text(fitted, "text", TEXT_MAX)
        if "fields" in fitted:
            fitted["fields"] = [_text_obj(f, FIELD_MAX) for f in fitted["fields"][:FIELDS_MAX]]
        if isinstance(fitted.get("accessory"), dict):
            fitted["accessory"] = fit_element(fitted["accessory"])
    elif kind == "header":
        _cut_text(fitted, "text", HEADER_MAX)
    elif kind == "context":
        fitted["elements"] = [
            _text_obj(e, CONTEXT_TEXT_MAX) if "text" in e else e
            for e in fitted.get("elements", [])[:CONTEXT_ELEMENTS]
        ]
    elif kind == "actions":
        fitted["elements"] = [fit_element(e) for e in fitted.get("elements", [])]
        fitted["elements"] = fitted["elements"][:ACTIONS_ELEMENTS]
    elif kind == "input":
        _cut_text(fitted, "label", INPUT_LABEL_MAX)
        _cut_text(fitted, "hint", INPUT_LABEL_MAX)
        if isinstance(fitted.get("element"), dict):
            fitted["element"] = fit_element(fitted["element"])
    return fitted


def fit_element(element: dict[str, Any]) -> dict[str, Any]:
    """A button, select or input within its text limits; an option keeps its value, so a
    select's `initial_option` cut the same way still matches one of its options."""
    fitted = dict(element)
    _cut_text(fitted, "text", LABEL_MAX)
    _cut_text(fitted, "placeholder", PLACEHOLDER_MAX)
    if "options" in fitted:
        fitted["options"] = [_option(o) for o in fitted["options"][:OPTIONS_MAX]]
    if isinstance(fitted.get("initial_option"), dict):
        fitted["initial_option"] = _option(fitted["initial_option"])
    if "option_groups" in fitted:
        fitted["option_groups"] = [
            {**g, "options": [_option(o) for o in g.get("options", [])[:OPTIONS_MAX]]}
            for g in fitted["option_groups"][:OPTIONS_MAX]
        ]
    return fitted


def _option(option: dict[str, Any]) -> dict[str, Any]:
    fitted = dict(option)
    _cut_text(fitted, "text", LABEL_MAX)
    _cut_text(fitted, "description", LABEL_MAX)
    return fitted


def _cut_text(holder: dict[str, Any], key: str, limit: int) -> None:
    """`holder[key]`, a text object, cut to `limit` characters in place (when it is one)."""
    if isinstance(holder.get(key), dict):
        holder[key] = _text_obj(holder[key], limit)


def _text_obj(obj: dict[str, Any], limit: int) -> dict[str, Any]:
    text = obj.get("text")
    if not isinstance(text, str) or len(text) <= limit:
        return obj
    return {**obj, "text": clip(text, limit)}
