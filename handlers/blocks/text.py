"""Pure text helpers for Slack output: escaping user text, mentions, dates in each reader's zone."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.dates import format_day
from bot.domain import Rag

# Stored text keeps real user and channel mentions as `<@U…>` / `<#C…>`; nothing else passes.
_SAFE_REFS = re.compile(r"(<@[UW][A-Z0-9]+>|<#C[A-Z0-9]+>)")
# The same shapes when a person *typed* them (Slack sends `&lt;@U1&gt;`): not mentions.
_LOOKALIKE_REF = re.compile(r"<(?=(@[UW][A-Z0-9]+|#C[A-Z0-9]+)>)")
REFS_KEPT_MAX = 40  # real mentions a prefilled form keeps live (its metadata holds 3,000 chars)
WORD_JOINER = "\u2060"
_PARTIAL_ENTITY = re.compile(r"&[#\w]{0,6}$")
RAG_EMOJI = {Rag.GREEN: ":large_green_circle:", Rag.AMBER: ":large_orange_circle:"}
RAG_EMOJI[Rag.RED] = ":red_circle:"


@dataclass(frozen=True)
class Viewer:
    """Who reads the message and when: decides "overdue" and fallback date formats."""

    now: datetime
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def escape(text: str) -> str:
    """User text made safe for mrkdwn: `&`, `<`, `>` escaped, except real user/channel mentions.

    So a title can never carry `<!channel>`, `<!here>` or a disguised link into a message.
    """
    parts = _SAFE_REFS.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


def defuse_refs(text: str, kept: Collection[str] = ()) -> str:
    """Typed text that looks like a stored mention (`<@U1>`, `<#C1>`) made so it is not one.

    Stored text keeps real mentions as `<@U…>`, so a look-alike typed as plain text would ping
    when shown; an invisible word joiner after its `<` keeps it looking as typed, but inert.
    `kept` names real mentions (`@U1`, `#C1`) that may stay: see `typed_text`.
    """
    return _LOOKALIKE_REF.sub(lambda m: "<" if m[1] in kept else "<" + WORD_JOINER, text)


def typed_text(value: str, kept: Collection[str] = ()) -> str:
    """What a person typed into a form's plain-text input, stored as command text is stored.

    Slack sends such input as typed, so `<@U1>` in it was typed and is made inert like a
    mention typed out in a command; broadcasts (`<!channel>`, `<!here>`) and links stay as
    typed, text that `escape` shows as text. The one exception is `kept`: the real mentions
    the form was prefilled with (a logged message's, an edited item's; see `prefilled_refs`),
    so logging a message keeps its mentions and nobody typing can ping anyone new.
    """
    return defuse_refs(value.replace("\x00", ""), kept)


def prefilled_refs(*texts: str | None) -> tuple[str, ...]:
    """The real mentions (`@U1`, `#C1`) in text a form is prefilled with, each once; the first
    REFS_KEPT_MAX, which its submission may keep live (see `typed_text`)."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _LOOKALIKE_REF.finditer(text or ""):
            found[match[1]] = None
    return tuple(found)[:REFS_KEPT_MAX]


_ESCAPED_SIZE = {"&": 5, "<": 4, ">": 4}


def escape_clip(text: str, limit: int) -> str:
    """`escape(clip(text, n))` with `n` chosen so the escaped text, not the raw, fits `limit`.

    Clipping before escaping never cuts inside an entity (`&am…`), and text full of `&` or `<`
    cannot grow to five times its limit once escaped.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    size = 1  # the ellipsis
    for count, char in enumerate(text):
        size += _ESCAPED_SIZE.get(char, 1)
        if size > limit:  # `count` characters and the ellipsis fit
            return escape(clip(text, count + 1))
    return escape(clip(text, limit))


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut on a word where possible, never inside a mention or an
    entity (escaped text cut as `&am…` would show the stray letters)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # After the word's cut: a token's own spaces (a date's `|Thu 19 Nov 15:00 GMT>`) are
    # no place to cut, so whatever `<…` is left open goes whole.
    opening = cut.rfind("<")
    if opening > cut.rfind(">"):
        cut = cut[:opening]
    cut = _PARTIAL_ENTITY.sub("", cut)
    return cut.rstrip() + "…"


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "nobody"


def when(value: date | datetime | None, viewer: Viewer) -> str:
    """A day as `Fri 27 Nov` (the same everywhere); a moment in each reader's own zone."""
    if value is None:
        return "none"
    if isinstance(value, datetime):
        local = value.astimezone(viewer.zone)
        fallback = format_day(local, today=viewer.today) + f" {local.tzname()}"
        stamp = int(value.timestamp())
        return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"
    return format_day(value, today=viewer.today)


def rag_label(rag: Rag) -> str:
    return f"{RAG_EMOJI[rag]} *{rag.value.upper()}*"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
