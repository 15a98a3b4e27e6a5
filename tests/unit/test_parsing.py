"""Tests for handlers.parsing: Slack's escaped command text into tokens and typed values."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Kind
from bot.errors import DateError, ParseError
from bot.fields import FIELDS, FieldSpec, FieldType, Value, field_by_key
from handlers.parsing import (
    Token,
    check_length,
    clean_text,
    clip,
    free_text,
    looks_like_item_id,
    parse_date_run,
    parse_item_number,
    parse_level,
    parse_value,
    tokenize,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday

# A token as (text, key, quoted, user_id).
Tok = tuple[str, str | None, bool, str | None]


def word(text: str) -> Tok:
    return (text, None, False, None)


def shape(tokens: list[Token]) -> list[Tok]:
    return [(t.text, t.key, t.quoted, t.user_id) for t in tokens]


def spec(kind: Kind, key: str) -> FieldSpec:
    found = field_by_key(kind, key)
    assert found is not None
    return found


# -- tokenize ----------------------------------------------------------------------------------

TOKENS: list[tuple[str, str, list[Tok]]] = [
    ("empty", "", []),
    ("blanks", "   \t ", []),
    ("words", "Vendor  may slip", [word("Vendor"), word("may"), word("slip")]),
    ("straight-quotes", 'a "b  c" d', [word("a"), ("b  c", None, True, None), word("d")]),
    ("curly-quotes", "“vendor late” now", [("vendor late", None, True, None), word("now")]),
    ("curly-open-straight-close", '“vendor late"', [("vendor late", None, True, None)]),
    ("low-open-curly-close", "„vendor late“", [("vendor late", None, True, None)]),
    ("empty-quotes", '""', [("", None, True, None)]),
    ("key-word", "impact:high", [("high", "impact", False, None)]),
    ("key-lowercased", "Impact:HIGH", [("HIGH", "impact", False, None)]),
    ("key-underscore", "review_on:friday", [("friday", "review_on", False, None)]),
    (
        "key-quoted-value",
        'mitigation:"weekly vendor calls" x',
        [("weekly vendor calls", "mitigation", True, None), word("x")],
    ),
    (
        "key-curly-quoted-value",
        "rationale:“cheaper, EU”",
        [("cheaper, EU", "rationale", True, None)],
    ),
    ("mention", "<@U0BOB|bob>", [("<@U0BOB>", None, False, "U0BOB")]),
    ("mention-no-label", "<@U0BOB>", [("<@U0BOB>", None, False, "U0BOB")]),
    ("mention-enterprise-user", "<@W0ERIN|erin>", [("<@W0ERIN>", None, False, "W0ERIN")]),
    (
        "mention-label-with-space",
        "<@U0BOB|bob smith> later",
        [("<@U0BOB>", None, False, "U0BOB"), word("later")],
    ),
    ("mention-in-key", "owner:<@U0BOB|bob>", [("<@U0BOB>", "owner", False, "U0BOB")]),
    ("mention-with-comma-is-text", "<@U0BOB|bob>,", [("<@U0BOB>,", None, False, None)]),
    ("channel-ref", "<#C0APOLLO|apollo>", [word("<#C0APOLLO>")]),
    ("https-is-not-a-key", "see https://x.com/a:b", [word("see"), word("https://x.com/a:b")]),
    ("http-upper-is-not-a-key", "HTTP://X.COM", [word("HTTP://X.COM")]),
    ("mailto-is-not-a-key", "mailto:bob@x.com", [word("mailto:bob@x.com")]),
    ("space-after-colon-is-a-word", "Note: text", [word("Note:"), word("text")]),
    ("colon-at-end-is-a-word", "owner:", [word("owner:")]),
    ("time-is-a-word", "at 10:30", [word("at"), word("10:30")]),
    ("entities-decoded", "R&amp;D &lt;b&gt;", [word("R&D"), word("<b>")]),
    ("broadcast-neutralised", "<!channel> hi", [word("@channel"), word("hi")]),
    ("link-with-spaced-label", "<http://x.io|two words>", [word("two words (http://x.io)")]),
    ("null-removed", "a\x00b", [word("ab")]),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in TOKENS], ids=[c[0] for c in TOKENS])
def test_tokenize(raw: str, expected: list[Tok]) -> None:
    assert shape(tokenize(raw)) == expected


def test_tokens_locate_the_raw_pieces() -> None:
    raw = 'add  owner:<@U0BOB|bob> "a b"'
    tokens = tokenize(raw)

    assert [(t.start, t.end) for t in tokens] == [(0, 3), (5, 23), (24, 29)]
    assert [raw[t.start : t.end] for t in tokens] == ["add", "owner:<@U0BOB|bob>", '"a b"']
    assert [t.is_word for t in tokens] == [True, False, False]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('add "open quote', '"open quote'),
        ("status amber “vendor late", "“vendor late"),
        ('mitigation:"calls', '"calls'),
        ('x "R&amp;D &lt;b', '"R&D <b'),
    ],
    ids=["straight", "curly", "after-key", "decoded"],
)
def test_a_quote_left_open_is_refused_helpfully(raw: str, shown: str) -> None:
    with pytest.raises(ParseError) as caught:
        tokenize(raw)

    assert caught.value.message == f'A quote is left open after “{shown}”: close it with `"`.'


# -- clean_text --------------------------------------------------------------------------------

CLEAN: list[tuple[str, str, str]] = [
    ("plain", "send the contract", "send the contract"),
    ("amp", "R&amp;D", "R&D"),
    ("lt-gt", "a &lt; b &gt; c", "a < b > c"),
    ("typed-entity-stays-typed", "&amp;lt; is less-than", "&lt; is less-than"),
    ("typed-broadcast-verbatim", "&lt;!channel&gt;", "<!channel>"),
    ("typed-mention-inert", "&lt;@U999&gt;", "<\u2060@U999>"),
    ("typed-channel-ref-inert", "&lt;#C999&gt;", "<\u2060#C999>"),
    ("typed-labelled-mention-verbatim", "&lt;@U999|bob&gt;", "<@U999|bob>"),
    ("channel", "<!channel> deploy", "@channel deploy"),
    ("here", "<!here>", "@here"),
    ("everyone", "<!everyone>", "@everyone"),
    ("channel-with-label", "<!channel|@channel>", "@channel"),
    ("subteam", "<!subteam^S0TEAM|@team>", "@team"),
    ("subteam-label-without-at", "<!subteam^S0TEAM|team>", "@team"),
    ("disguised-link", "<http://evil|google.com>", "google.com (http://evil)"),
    ("bare-link", "<https://x.com/a?b=1&amp;c=2>", "https://x.com/a?b=1&c=2"),
    ("auto-linked-domain", "<http://google.com|google.com>", "google.com"),
    ("auto-linked-email", "<mailto:bob@x.com|bob@x.com>", "bob@x.com"),
    ("link-label-is-url", "<https://x.com|https://x.com>", "https://x.com"),
    ("mention-label-dropped", "ask <@U0BOB|bob>", "ask <@U0BOB>"),
    ("channel-label-dropped", "in <#C0APOLLO|apollo>", "in <#C0APOLLO>"),
    ("nulls-removed", "a\x00b\x00", "ab"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


# -- free_text ---------------------------------------------------------------------------------

FREE: list[tuple[str, str, str]] = [
    ("spacing-kept", "vendor  may slip", "vendor  may slip"),
    ("lone-quote-unwrapped", '"vendor late"', "vendor late"),
    ("quote-among-words-kept", 'vendor said "done" twice', 'vendor said "done" twice'),
    ("curly-quote-among-words-kept", "the “Acme” contract", "the “Acme” contract"),
    ("key-kept-as-typed", "blocked ETA:friday", "blocked ETA:friday"),
    ("quoted-key-kept-as-typed", 'see re:"the contract"', 'see re:"the contract"'),
    ("mention-normalised", "ask <@U0BOB|bob> now", "ask <@U0BOB> now"),
    ("entities-decoded", "R&amp;D", "R&D"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in FREE], ids=[c[0] for c in FREE])
def test_free_text(raw: str, expected: str) -> None:
    assert free_text(raw, tokenize(raw)) == expected


def test_free_text_of_a_subset_joins_the_gaps_with_one_space() -> None:
    raw = "send impact:high contract"
    tokens = tokenize(raw)

    assert free_text(raw, [tokens[0], tokens[2]]) == "send contract"
    assert free_text(raw, []) == ""


# -- item ids ----------------------------------------------------------------------------------

IDS: list[tuple[str, str, str, int]] = [
    ("dash", "R-12", "R", 12),
    ("lower-no-dash", "r12", "R", 12),
    ("hash-dash", "#R-12", "R", 12),
    ("hash-lower", "#r-12", "R", 12),
    ("bare-number", "12", "R", 12),
    ("hash-number", "#12", "A", 12),
    ("padded", " A-7 ", "A", 7),
    ("leading-zeros", "I-003", "I", 3),
    ("decision", "d4", "D", 4),
    ("nine-digits", "D-999999999", "D", 999_999_999),
]


@pytest.mark.parametrize(
    ("text", "prefix", "expected"), [c[1:] for c in IDS], ids=[c[0] for c in IDS]
)
def test_parse_item_number_accepts(text: str, prefix: str, expected: int) -> None:
    assert parse_item_number(text, prefix, "thing") == expected
    assert looks_like_item_id(text)


OTHER_KIND: list[tuple[str, str, str, str, str]] = [
    ("action-in-risk", "A-7", "R", "risk", "A-7 is an action id, not a risk one: try "),
    ("risk-in-action", "r12", "A", "action", "R-12 is a risk id, not an action one: try "),
    ("issue-in-decision", "#i-3", "D", "decision", "I-3 is an issue id, not a decision one: try "),
    ("decision-in-issue", "D4", "I", "issue", "D-4 is a decision id, not an issue one: try "),
]


@pytest.mark.parametrize(
    ("text", "prefix", "noun", "message"),
    [c[1:] for c in OTHER_KIND],
    ids=[c[0] for c in OTHER_KIND],
)
def test_another_kinds_id_is_refused_with_a_pointer(
    text: str, prefix: str, noun: str, message: str
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_item_number(text, prefix, noun)

    other = {"A": "action", "R": "risk", "I": "issue", "D": "decision"}[message[0]]
    assert caught.value.message == message + f"`/{other} show {message.split()[0]}`."


@pytest.mark.parametrize(
    "text",
    ["", "R-", "R--12", "RR12", "R12x", "R 12", "R-1.5", "X-12", "R-1234567890", "twelve", "-"],
)
def test_garbage_is_not_an_id(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_item_number(text, "R", "risk")

    assert caught.value.message.endswith("is not a risk id; ids look like `R-12`.")
    assert not looks_like_item_id(text)


# -- levels, severities, statuses --------------------------------------------------------------

LEVELS: list[tuple[str, int]] = [
    ("1", 1),
    ("2", 2),
    ("3", 3),
    ("4", 4),
    ("5", 5),
    ("very low", 1),
    ("Very  Low", 1),
    ("low", 2),
    ("LOW", 2),
    ("med", 3),
    ("medium", 3),
    ("moderate", 3),
    ("high", 4),
    ("very high", 5),
    ("critical", 5),
]


@pytest.mark.parametrize(("text", "expected"), LEVELS, ids=[c[0] for c in LEVELS])
def test_parse_level(text: str, expected: int) -> None:
    assert parse_level("impact", text) == expected


@pytest.mark.parametrize(
    "text",
    ["0", "6", "10", "-1", "1.5", "very", "extreme", "highest", "", "²", "٣x"],
)
def test_parse_level_refuses(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_level("likelihood", text)

    assert caught.value.message.startswith("`likelihood` must be 1–5 or a word: very low, low,")


SEVERITIES: list[tuple[str, str]] = [
    ("low", "low"),
    ("med", "medium"),
    ("medium", "medium"),
    ("High", "high"),
    ("crit", "critical"),
    ("critical", "critical"),
    ("SEV1", "critical"),
]


@pytest.mark.parametrize(("text", "expected"), SEVERITIES, ids=[c[0] for c in SEVERITIES])
def test_severity_words(text: str, expected: str) -> None:
    token = Token(text, 0, len(text), key="severity")

    assert parse_value(spec(Kind.ISSUE, "severity"), token, NOW) == expected


@pytest.mark.parametrize("text", ["blocker", "sev2", "very high", "5"])
def test_severity_refuses(text: str) -> None:
    token = Token(text, 0, len(text), key="severity")

    with pytest.raises(ParseError) as caught:
        parse_value(spec(Kind.ISSUE, "severity"), token, NOW)

    assert caught.value.message == (
        f"`severity` must be one of low, medium, high, critical; “{text}” is not."
    )


# -- parse_value by field type ------------------------------------------------------------------

VALUES: list[tuple[str, Kind, str, Token, Value]] = [
    ("text", Kind.RISK, "mitigation", Token("weekly calls", 0, 1, "mitigation"), "weekly calls"),
    ("text-stripped", Kind.RISK, "category", Token("  vendor ", 0, 1, "cat"), "vendor"),
    ("level", Kind.RISK, "impact", Token("high", 0, 1, "impact"), 4),
    ("user", Kind.RISK, "owner", Token("<@U0BOB>", 0, 1, "owner", user_id="U0BOB"), "U0BOB"),
    ("status", Kind.RISK, "status", Token("Mitigating", 0, 1, "status"), "mitigating"),
    ("day", Kind.RISK, "review", Token("friday", 0, 1, "review"), date(2026, 11, 20)),
    (
        "day-drops-time",
        Kind.RISK,
        "review",
        Token("tomorrow 5pm", 0, 1, "review", quoted=True),
        date(2026, 11, 20),
    ),
    (
        "due-keeps-time",
        Kind.ACTION,
        "due",
        Token("tomorrow 5pm", 0, 1, "due", quoted=True),
        datetime(2026, 11, 20, 17, 0, tzinfo=LONDON),
    ),
    ("due-day", Kind.ACTION, "due", Token("eom", 0, 1, "due"), date(2026, 11, 30)),
]


@pytest.mark.parametrize(
    ("kind", "key", "token", "expected"), [c[1:] for c in VALUES], ids=[c[0] for c in VALUES]
)
def test_parse_value(kind: Kind, key: str, token: Token, expected: Value) -> None:
    value = parse_value(spec(kind, key), token, NOW)

    assert type(value) is type(expected)
    assert value == expected


@pytest.mark.parametrize(
    ("kind", "key", "text", "message"),
    [
        (Kind.RISK, "owner", "bob", "I couldn't tell who “bob” is for `owner`: pick the person"),
        (Kind.DECISION, "by", "@erin", "I couldn't tell who “@erin” is for `by`: pick the person"),
        (Kind.RISK, "mitigation", "  ", "`mitigation:` needs a value."),
        (Kind.RISK, "status", "occurred", "`status` must be one of open, mitigating, closed;"),
        (Kind.ISSUE, "status", "closed", "`status` must be one of open, resolved;"),
    ],
    ids=["user-not-a-mention", "decider-not-a-mention", "empty", "risk-status", "issue-status"],
)
def test_parse_value_refuses(kind: Kind, key: str, text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_value(spec(kind, key), Token(text, 0, len(text), key), NOW)

    assert caught.value.message.startswith(message)


def test_a_bad_date_is_a_date_error() -> None:
    with pytest.raises(DateError) as caught:
        parse_value(spec(Kind.ACTION, "due"), Token("someday", 0, 7, "due"), NOW)

    assert caught.value.reason == "unparseable"


# -- length caps -------------------------------------------------------------------------------

CAPS: list[tuple[str, Kind, str, int]] = [
    ("risk-title", Kind.RISK, "title", 300),
    ("action-text", Kind.ACTION, "text", 300),
    ("decision", Kind.DECISION, "decision", 300),
    ("category", Kind.RISK, "category", 80),
    ("mitigation", Kind.RISK, "mitigation", 2000),
    ("description", Kind.ISSUE, "description", 2000),
    ("resolution", Kind.ISSUE, "resolution", 2000),
    ("rationale", Kind.DECISION, "rationale", 2000),
    ("source-link", Kind.ACTION, "link", 500),
]


@pytest.mark.parametrize(("kind", "key", "limit"), [c[1:] for c in CAPS], ids=[c[0] for c in CAPS])
def test_text_fields_are_capped(kind: Kind, key: str, limit: int) -> None:
    field = spec(kind, key)
    at_limit, over = "x" * limit, "x" * (limit + 1)

    assert parse_value(field, Token(at_limit, 0, limit, key), NOW) == at_limit
    with pytest.raises(ParseError) as caught:
        parse_value(field, Token(over, 0, limit + 1, key), NOW)
    assert caught.value.message.startswith(
        f"The {field.label} is {limit + 1:,} characters; the limit is {limit:,}."
    )


def test_every_text_field_has_a_cap() -> None:
    text_fields = [s for fields in FIELDS.values() for s in fields if s.type is FieldType.TEXT]

    assert text_fields
    assert all(0 < s.max_len <= 2000 for s in text_fields)


def test_check_length() -> None:
    assert check_length("note", "ok", 2) == "ok"
    with pytest.raises(ParseError, match=r"^The note is 3 characters; the limit is 2\."):
        check_length("note", "abc", 2)


# -- dates in runs of words --------------------------------------------------------------------


def words(text: str) -> list[Token]:
    return tokenize(text)


@pytest.mark.parametrize(
    ("text", "expected", "used"),
    [
        ("friday", date(2026, 11, 20), 1),
        ("next friday", date(2026, 11, 20), 2),
        ("on 15 Jan", date(2027, 1, 15), 3),
        ("in 3 days please", date(2026, 11, 22), 3),
        ("eom and more words after it", date(2026, 11, 30), 1),
        ("tomorrow 5pm sharp", datetime(2026, 11, 20, 17, 0, tzinfo=LONDON), 2),
    ],
    ids=["one-word", "two-words", "three-words", "longest-prefix", "trailing-words", "time"],
)
def test_parse_date_run(text: str, expected: date | datetime, used: int) -> None:
    assert parse_date_run(words(text), NOW) == (expected, used)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("someday soon", "unparseable"), ("1 Jan 2020", "past"), ("2040-01-01", "too_far")],
    ids=["unparseable", "past", "too-far"],
)
def test_parse_date_run_refuses(text: str, reason: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date_run(words(text), NOW)

    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 40, "short"),
        ("  many   spaces  ", 40, "many spaces"),
        ("abcdefghij", 5, "abcd…"),
    ],
    ids=["short", "spaces", "cut"],
)
def test_clip(text: str, limit: int, expected: str) -> None:
    assert clip(text, limit) == expected
