"""Slack's limits on a drawn surface, checked after escaping: what tests hold every renderer to.

Independent of handlers.blocks.limits (which fits surfaces to these), so a renderer that skips
the fitting, or a fitting that miscounts, fails here; see tests/unit/test_surface_limits.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from tests.support.slack_specs import message_text_chars

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 12_000
MAX_FALLBACK = 40_000
# (block or element type, what, limit): Slack's Block Kit reference
TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000, "button": 75}
FIELDS_MAX, FIELD_TEXT_MAX = 10, 2000
CONTEXT_ELEMENTS_MAX, ACTIONS_ELEMENTS_MAX = 10, 25
OPTION_TEXT_MAX, PLACEHOLDER_MAX, OPTIONS_MAX = 75, 150, 100
# What may stand between < and > in mrkdwn the bot sends: mentions, channels, dates, links.
SLACK_TOKEN = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^\d+\^[^|<>]*\|[^<>]*|https?://[^<>]*)>"
)
BLOCKQUOTE = re.compile(r"^> ", re.MULTILINE)  # mrkdwn's quote marker, at a line's start
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def surface_problems(
    blocks: list[dict[str, Any]], surface: str = "message", fallback: str | None = None
) -> list[str]:
    """Every limit `blocks` break on `surface`, and mrkdwn that is not what escaping makes."""
    problems = []
    if len(blocks) > MAX_BLOCKS[surface]:
        problems.append(f"{len(blocks)} blocks on a {surface} (max {MAX_BLOCKS[surface]})")
    total = message_text_chars(blocks)
    if surface == "message" and total > MAX_MESSAGE_TEXT:
        problems.append(f"{total} characters of text in the blocks (max {MAX_MESSAGE_TEXT})")
    if fallback is not None and len(fallback) > MAX_FALLBACK:
        problems.append(f"fallback text is {len(fallback)} characters (max {MAX_FALLBACK})")
    for i, block in enumerate(blocks):
        problems += [f"blocks[{i}] ({block.get('type')}): {p}" for p in _block_problems(block)]
    return problems


def _block_problems(block: Mapping[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    text = (block.get("text") or {}).get("text")
    if kind in TEXT_LIMITS and isinstance(text, str):
        yield from _too_long("text", text, TEXT_LIMITS[kind])
    for field in block.get("fields") or []:
        yield from _too_long("field", field["text"], FIELD_TEXT_MAX)
    if len(block.get("fields") or []) > FIELDS_MAX:
        yield f"{len(block['fields'])} fields (max {FIELDS_MAX})"
    elements = block.get("elements") or []
    if kind == "context":
        if len(elements) > CONTEXT_ELEMENTS_MAX:
            yield f"{len(elements)} elements (max {CONTEXT_ELEMENTS_MAX})"
        for element in elements:
            yield from _too_long("element", element.get("text", ""), TEXT_LIMITS["context"])
    if kind == "actions" and len(elements) > ACTIONS_ELEMENTS_MAX:
        yield f"{len(elements)} elements (max {ACTIONS_ELEMENTS_MAX})"
    for element in [*elements, block.get("accessory"), block.get("element")]:
        if isinstance(element, Mapping) and kind != "context":
            yield from _element_problems(element)
    for mrkdwn in text_objects(block, ("mrkdwn",)):
        yield from _markup_problems(mrkdwn)


def _element_problems(element: Mapping[str, Any]) -> Iterator[str]:
    if element.get("type") == "button":
        yield from _too_long("button", element["text"]["text"], TEXT_LIMITS["button"])
    placeholder = (element.get("placeholder") or {}).get("text", "")
    yield from _too_long("placeholder", placeholder, PLACEHOLDER_MAX)
    options = element.get("options") or []
    if len(options) > OPTIONS_MAX:
        yield f"{len(options)} options (max {OPTIONS_MAX})"
    for option in options:
        yield from _too_long("option", option["text"]["text"], OPTION_TEXT_MAX)


def _too_long(what: str, text: str, limit: int) -> Iterator[str]:
    if len(text) > limit:
        yield f"{what} is {len(text)} characters (max {limit}): {text[:60]!r}…"


def text_objects(node: Any, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> Iterator[str]:
    """The text of every text object of those `kinds` in a block, a view or a list of them."""
    if isinstance(node, Mapping):
        if node.get("type") in kinds and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from text_objects(value, kinds)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item, kinds)


def _markup_problems(text: str) -> Iterator[str]:
    """A cut inside an entity (`&am…`) leaves a bare `&`; one inside a token, a stray `<`."""
    bare = BLOCKQUOTE.sub("", SLACK_TOKEN.sub("", text))
    if "<" in bare or ">" in bare:
        yield f"a '<' or '>' that is no mention, channel, date or link: {text[:80]!r}…"
    if BARE_AMPERSAND.search(bare):
        yield f"a bare '&' (a cut entity?): {text[:80]!r}…"


def assert_within_limits(
    blocks: list[dict[str, Any]], surface: str = "message", fallback: str | None = None
) -> None:
    problems = surface_problems(blocks, surface, fallback)
    assert not problems, f"{surface} breaks Slack's limits:\n  - " + "\n  - ".join(problems[:20])
