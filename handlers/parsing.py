"""Pure tokenizer and value parsers for command text as Slack sends it (no I/O, no Slack SDK)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.dates import parse_due
from bot.domain import Kind
from bot.errors import DateError, ParseError
from bot.fields import SEVERITIES, FieldSpec, FieldType, Value
from handlers.blocks.text import defuse_refs

QUOTES = frozenset('"“”„')
_KEY = re.compile(r"([A-Za-z][A-Za-z_]{0,19}):")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|)?([^>|]*)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")
_ITEM_ID = re.compile(r"#?([RAID])?-?(\d{1,9})", re.IGNORECASE)
_NOT_FIELD_KEYS = frozenset({"http", "https", "mailto", "ftp"})

LEVEL_WORDS = {
    "very low": 1,
    "low": 2,
    "med": 3,
    "medium": 3,
    "moderate": 3,
    "high": 4,
    "very high": 5,
    "critical": 5,
}
SEVERITY_WORDS = {"low": "low", "med": "medium", "medium": "medium", "high": "high"}
SEVERITY_WORDS |= {"crit": "critical", "critical": "critical", "sev1": "critical"}
DATE_WORDS_MAX = 6


@dataclass(frozen=True)
class Token:
    """A piece of command text: a word, a `key:value`, a quoted string or a Slack reference.

    `text` is the plain value (entities decoded, mentions normalised to `<@U…>`); `start`/`end`
    locate the raw piece so free text can be rebuilt with its own spacing.
    """

    text: str
    start: int
    end: int
    key: str | None = None
    quoted: bool = False
    user_id: str | None = None

    @property
    def is_word(self) -> bool:
        return self.key is None and not self.quoted and self.user_id is None


def tokenize(raw: str) -> list[Token]:
    """Split Slack command text into tokens; raises ParseError on a quote left open."""
    tokens: list[Token] = []
    pos, size = 0, len(raw)
    while pos < size:
        if raw[pos].isspace():
            pos += 1
            continue
        start = pos
        key = None
        match = _KEY.match(raw, pos)
        if (
            match
            and match.end() < size
            and not raw[match.end()].isspace()
            and match.group(1).lower() not in _NOT_FIELD_KEYS
        ):
            key = match.group(1).lower()
            pos = match.end()
        value, pos, quoted, user_id = _read_value(raw, pos)
        tokens.append(Token(value, start, pos, key, quoted, user_id))
    return tokens


def _read_value(raw: str, pos: int) -> tuple[str, int, bool, str | None]:
    char = raw[pos]
    if char in QUOTES:
        close = _first_of(raw, pos + 1, '"', "”", "“")  # people mix straight and curly quotes
        if close < 0:
            shown = clip(clean_text(raw[pos:]))
            raise ParseError(f'A quote is left open after “{shown}”: close it with `"`.')
        return clean_text(raw[pos + 1 : close]), close + 1, True, None
    end = pos
    while end < len(raw) and not raw[end].isspace():
        end = raw.find(">", end) + 1 if raw[end] == "<" and ">" in raw[end:] else end + 1
    piece = raw[pos:end]
    user = _USER.fullmatch(piece)
    if user:
        return f"<@{user.group(1)}>", end, False, user.group(1)
    return clean_text(piece), end, False, None


def _first_of(raw: str, start: int, *chars: str) -> int:
    found = [i for i in (raw.find(c, start) for c in chars) if i >= 0]
    return min(found) if found else -1


def clean_text(raw: str) -> str:
    """Slack's escaped text as the person typed it: entities decoded, mentions kept as `<@U…>`.

    Broadcasts (`<!channel>`) and links become plain text, so nothing stored can ping a
    channel or hide a link behind a label when it is shown again; a mention typed out as text
    (`&lt;@U1&gt;`) is stored inert (see `defuse_refs`), NULs (which PostgreSQL refuses) dropped.
    """
    text = _USER.sub(lambda m: f"<@{m.group(1)}>", raw)
    text = _CHANNEL.sub(lambda m: f"<#{m.group(1)}>", text)
    text = _LINK.sub(_plain_link, text)
    text = _SPECIAL.sub(lambda m: "@" + (m.group(2) or m.group(1)).lstrip("@"), text)
    return _decode_outside_refs(text).replace("\x00", "")


def _plain_link(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    # Slack links what people type as `google.com` or `bob@x.com` as `<http://google.com|
    # google.com>`: a label that is the address itself is what they typed and hides nothing.
    if not label or label in (url, url.split(":", 1)[1].removeprefix("//")):
        return label or url
    return f"{label} ({url})"


def _decode_outside_refs(text: str) -> str:
    parts = re.split(r"(<[@#][UWC][A-Z0-9]+>)", text)
    return "".join(p if i % 2 else defuse_refs(html.unescape(p)) for i, p in enumerate(parts))


def free_text(raw: str, tokens: list[Token]) -> str:
    """The tokens' text joined with the spacing the person typed between them.

    A `key:value` or a quoted phrase among other words is kept as typed (`eta:friday`, `"done"`),
    so prose is stored whole; a lone quoted phrase loses its quotes.
    """
    parts: list[str] = []
    previous_end: int | None = None
    for token in tokens:
        if previous_end is not None:
            gap = raw[previous_end : token.start]
            parts.append(gap if gap.strip() == "" else " ")
        as_typed = token.key is not None or (token.quoted and len(tokens) > 1)
        parts.append(clean_text(raw[token.start : token.end]) if as_typed else token.text)
        previous_end = token.end
    return "".join(parts).strip()


def parse_item_number(text: str, prefix: str, noun: str) -> int:
    """`R-12`, `r12`, `#R-12` or `12` → 12; another kind's id is refused with a pointer."""
    match = _ITEM_ID.fullmatch(text.strip())
    if not match:
        raise ParseError(f"“{clip(text)}” is not a {noun} id; ids look like `{prefix}-12`.")
    letter = (match.group(1) or prefix).upper()
    if letter != prefix:
        other = {"R": "risk", "A": "action", "I": "issue", "D": "decision"}[letter]
        raise ParseError(
            f"{letter}-{int(match.group(2))} is {a_or_an(other)} id, not {a_or_an(noun)} one: "
            f"try `/{other} show {letter}-{int(match.group(2))}`."
        )
    return int(match.group(2))


def a_or_an(noun: str) -> str:
    """`an action`, `a risk`."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def parse_ref(text: str) -> tuple[Kind, int]:
    """A full ref such as `A-7` (as our own buttons carry): its kind and number."""
    match = _ITEM_ID.fullmatch(text.strip())
    if not match or not match.group(1):
        raise ParseError(f"“{clip(text)}” is not an item id such as `A-7`.")
    return Kind(match.group(1).upper()), int(match.group(2))


def looks_like_item_id(text: str) -> bool:
    return bool(_ITEM_ID.fullmatch(text.strip())) and any(c.isdigit() for c in text)


def parse_value(spec: FieldSpec, token: Token, now: datetime) -> Value:
    """The typed value of `spec` from one token; raises ParseError naming the field."""
    text = token.text.strip()
    if spec.type is FieldType.USER:
        if token.user_id:
            return token.user_id
        raise ParseError(
            f"I couldn't tell who “{clip(text)}” is for `{spec.name}`: pick the person from "
            "Slack's @-mention list so the name turns into a mention."
        )
    if not text:
        raise ParseError(f"`{spec.name}:` needs a value.")
    if spec.type is FieldType.TEXT:
        return check_length(spec.label, text, spec.max_len)
    if spec.type is FieldType.LEVEL:
        return parse_level(spec.name, text)
    if spec.type is FieldType.SEVERITY:
        return _pick(spec.name, text, SEVERITY_WORDS, SEVERITIES)
    if spec.type is FieldType.STATUS:
        return _pick(spec.name, text, {c: c for c in spec.choices}, spec.choices)
    when = parse_due(text, now=now)
    if spec.type is FieldType.DAY and isinstance(when, datetime):
        return when.date()
    return when


def parse_level(name: str, text: str) -> int:
    word = " ".join(text.lower().split())
    if word.isdecimal() and 1 <= int(word) <= 5:
        return int(word)
    if word in LEVEL_WORDS:
        return LEVEL_WORDS[word]
    raise ParseError(
        f"`{name}` must be 1–5 or a word: very low, low, medium, high, very high "
        f"(“{clip(text)}” is neither)."
    )


def _pick(name: str, text: str, words: dict[str, str], choices: tuple[str, ...]) -> str:
    picked = words.get(text.lower())
    if picked is None:
        raise ParseError(f"`{name}` must be one of {', '.join(choices)}; “{clip(text)}” is not.")
    return picked


TITLE_LABELS = frozenset({"title", "text", "decision"})


def check_length(label: str, text: str, limit: int) -> str:
    if len(text) > limit:
        advice = (
            " Put the detail in a description or a linked doc." if label in TITLE_LABELS else ""
        )
        raise ParseError(
            f"The {label} is {len(text):,} characters; the limit is {limit:,}.{advice}"
        )
    return text


def parse_date_run(words: list[Token], now: datetime) -> tuple[date | datetime, int]:
    """The longest leading run of `words` that reads as a date, and how many words it took.

    Raises the DateError of the whole run when no prefix reads as a date.
    """
    longest = min(len(words), DATE_WORDS_MAX)
    first_error: DateError | None = None
    for count in range(longest, 0, -1):
        try:
            return parse_due(" ".join(w.text for w in words[:count]), now=now), count
        except DateError as error:
            first_error = first_error or error
            if error.reason != "unparseable":
                raise
    assert first_error is not None
    raise first_error


def clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
