"""Hostile text through the real app (signed requests, fake Slack Web API): every reply is valid
for Slack and pings nobody who was not really mentioned, and what is stored is what was typed.

What "as typed" means, precisely (handlers/parsing.py `clean_text`): Slack's escaping is undone
(`&amp;` → `&`); a real mention is kept as `<@U…>` (its label dropped); Slack's broadcasts are
stored as the words they show (`<!channel>` → `@channel`), a link as its label and address
(`<http://evil|google.com>` → `google.com (http://evil)`); a mention *typed out* as text is stored
with a word joiner after its `<`, so it reads the same and never pings; NULs are dropped (the
database refuses them). Everything else — emoji, RTL marks, control characters, mrkdwn, SQL — is
stored character for character.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.domain import Kind
from storage.models import Action, Base, Decision, Issue, Risk, StatusUpdate
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.reliability.hostile_support import (
    FAKE_PEOPLE,
    Watch,
    error_log,
    running_app,
    send_command,
)
from tests.scenario.conftest import SlackSide
from tests.support.signing import event_body, sign

TITLE_MAX = 300
BOT = "U0PMOBOT"
MODELS: dict[Kind, type[Risk | Action | Issue | Decision]] = {
    Kind.RISK: Risk,
    Kind.ACTION: Action,
    Kind.ISSUE: Issue,
    Kind.DECISION: Decision,
}
# Examples per test: about 1,000 commands in all, within about a minute on both databases.
EXAMPLES = {"sqlite": 80, "postgresql": 25}


def hostile(engine: Engine) -> settings:
    """Hypothesis settings for a test on `engine`: PostgreSQL's round trips cost more."""
    return settings(
        max_examples=EXAMPLES[engine.dialect.name],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@dataclass(frozen=True)
class Piece:
    """Some text as Slack sends it (`wire`) and as it must be stored (`stored`)."""

    wire: str
    stored: str


def slack_escaped(typed: str) -> str:
    """What Slack sends for text a person typed: `&`, `<`, `>` as entities."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def typed_as_stored(typed: str) -> str:
    """The documented storage of typed text: a typed-out mention is made inert, NULs dropped."""
    inert = re.sub(r"<(?=@[UW][A-Z0-9]+>|#C[A-Z0-9]+>)", "<\u2060", typed)
    return inert.replace("\x00", "")


TYPED = (
    "*bold*", "_x_", "`code`", "```block```", "> quoted", "~strike~", "&amp;", "&lt;@U0EVE&gt;",
    "'; DROP TABLE risks; --", "Robert'); DROP TABLE actions;--", "1 OR 1=1", "%s %(x)s {0}",
    "<@U0EVE>", "<@U999|the boss>", "<@W0MALLORY>", "<#C0EVIL>", "<!channel>", "<!here>",
    "<!everyone>", "<!subteam^S123>", "<!subteam^S123|@all>", "<http://evil|google.com>",
    "🚚🔥👨‍👩‍👧", "\u202eevil\u202c", "مرحبا بالعالم", "שלום", "e\u0301\u0301\u0301",
    "\u200b\u200c\u200d\ufeff\u2060", "\x07\x1b[31m\x7f", "\x00NUL\x00", "a\r\nb\tc",
    "Ω≈ç√∫˜µ≤≥÷", "𝕿𝖍𝖊", "ｆｕｌｌｗｉｄｔｈ", "\U0001f1fa\U0001f1f8",
)  # fmt: skip
# Slack's own markup, as it arrives, and what is stored for it.
SLACK_MARKUP = (
    Piece("<@U0BOB|bob>", "<@U0BOB>"),
    Piece("<@U0CAROL|someone>", "<@U0CAROL>"),
    Piece("<@U0BOB>", "<@U0BOB>"),
    Piece("<!channel>", "@channel"),
    Piece("<!here>", "@here"),
    Piece("<!everyone>", "@everyone"),
    Piece("<!here|here>", "@here"),
    Piece("<!channel|@channel>", "@channel"),
    Piece("<!subteam^S123|@devs>", "@devs"),
    Piece("<!subteam^S123>", "@subteam^S123"),
    Piece("<http://evil.example|google.com>", "google.com (http://evil.example)"),
    Piece("<http://google.com|google.com>", "google.com"),
    Piece("<mailto:bob@x.com|bob@x.com>", "bob@x.com"),
    Piece("<https://x.com/a?b=1&amp;c=2>", "https://x.com/a?b=1&c=2"),
    Piece("<#C0APOLLO|apollo>", "<#C0APOLLO>"),
)
# Free text: anything but a `key:` colon and quotes (both grammar), no surrogates (not UTF-8).
FREE_ALPHABET = st.characters(blacklist_categories=["Cs"], blacklist_characters=':"“”„')
GRAMMAR_WORDS = frozenset({"due", "by"})  # `due friday` sets a date: not part of the title


def _no_grammar_words(text: str) -> bool:
    return not {w.lower() for w in text.split()} & GRAMMAR_WORDS


typed_pieces = st.one_of(
    st.text(FREE_ALPHABET, min_size=1, max_size=30).filter(_no_grammar_words),
    st.sampled_from(TYPED),
).map(lambda typed: Piece(slack_escaped(typed), typed_as_stored(typed)))
pieces = st.one_of(typed_pieces, typed_pieces, st.sampled_from(SLACK_MARKUP))


def _phrase(parts: list[Piece]) -> Piece:
    # Framed by plain words, so a mention at either end stays in the text (not the owner).
    return Piece(
        " ".join(["Title", *(p.wire for p in parts), "end."]),
        " ".join(["Title", *(p.stored for p in parts), "end."]),
    )


phrases = st.lists(pieces, min_size=1, max_size=10).map(_phrase)
long_phrases = st.lists(pieces, min_size=20, max_size=60).map(_phrase)


# -- the app, and reading what it stored -----------------------------------------------------


class App(tuple[SlackSide, Watch]):
    """The running app and its watch; shown briefly in hypothesis' reports."""

    def __repr__(self) -> str:
        return "App()"


@pytest.fixture
def app(any_engine: Engine) -> Iterator[App]:
    with running_app(any_engine) as (slack, fake):
        slack.reply("/pmo", "project Apollo")
        slack.reply("/risk", "add Seed risk")
        slack.reply("/action", "add Seed action")
        watch = Watch(slack, fake)
        watch.check_new()
        yield App((slack, watch))


def newest(engine: Engine, model: type[Any]) -> tuple[int, Any]:
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(model)) or 0
        row = session.scalars(select(model).order_by(model.id.desc()).limit(1)).first()
        return total, row


def mention(slack: SlackSide, text: str, event_id: str) -> None:
    event = {"type": "app_mention", "user": ALICE, "text": f"<@{BOT}> {text}", "channel": CHANNEL}
    event["ts"] = "1700000100.000100"
    body = event_body(event, team_id=TEAM, event_id=event_id).encode()
    headers = {"Content-Type": "application/json", **sign(body, slack.secret, int(time.time()))}
    answer = slack.request("POST", "/slack/events", body, headers)
    assert answer.status == 200, answer.body


def assert_refused_for_length(reply: dict[str, Any], stored: str, limit: int) -> None:
    assert reply["response_type"] == "ephemeral", reply
    assert f"is {len(stored):,} characters; the limit is {limit:,}" in reply["text"], reply


# -- adding items: the title is stored as typed ----------------------------------------------


@pytest.mark.parametrize("kind", list(Kind), ids=[k.noun for k in Kind])
def test_add_stores_the_text_as_typed_and_replies_harmlessly(
    app: App, any_engine: Engine, kind: Kind
) -> None:
    slack, watch = app
    model = MODELS[kind]

    @hostile(any_engine)
    @given(phrase=phrases)
    def add(phrase: Piece) -> None:
        before, _ = newest(any_engine, model)
        with error_log() as errors:
            reply = slack.reply(kind.command, f"add {phrase.wire}")
            watch.check_new()
        errors.assert_clean()
        after, row = newest(any_engine, model)
        if len(phrase.stored) > TITLE_MAX:
            assert_refused_for_length(reply, phrase.stored, TITLE_MAX)
            assert after == before
            return
        assert reply["response_type"] == "in_channel", reply
        assert after == before + 1
        assert row.title == phrase.stored

    add()


def test_risk_update_stores_the_text_as_typed(app: App, any_engine: Engine) -> None:
    slack, watch = app

    @hostile(any_engine)
    @given(phrase=st.one_of(phrases, long_phrases), field=st.sampled_from(["title", "mitigation"]))
    def update(phrase: Piece, field: str) -> None:
        _, was = newest(any_engine, Risk)
        with error_log() as errors:
            reply = slack.reply("/risk", f'update R-{was.number} {field}:"{phrase.wire}"')
            watch.check_new()
        errors.assert_clean()
        _, now = newest(any_engine, Risk)
        limit = TITLE_MAX if field == "title" else 2000
        if len(phrase.stored) > limit:
            assert_refused_for_length(reply, phrase.stored, limit)
            assert getattr(now, field) == getattr(was, field)
        else:
            assert getattr(now, field) == phrase.stored

    update()


def test_a_status_reason_is_stored_as_typed(app: App, any_engine: Engine) -> None:
    slack, watch = app

    @hostile(any_engine)
    @given(phrase=st.one_of(phrases, long_phrases))
    def status(phrase: Piece) -> None:
        with error_log() as errors:
            reply = slack.reply("/pmo", f"status red {phrase.wire}")
            watch.check_new()
        errors.assert_clean()
        assert reply["response_type"] == "in_channel", reply
        _, latest = newest(any_engine, StatusUpdate)
        assert (latest.rag, latest.reason) == ("red", phrase.stored)

    status()


def test_a_mention_logs_the_text_as_typed_and_answers_in_the_thread(
    app: App, any_engine: Engine
) -> None:
    slack, watch = app

    @hostile(any_engine)
    @given(phrase=phrases, kind=st.sampled_from(list(Kind)))
    def mentioned(phrase: Piece, kind: Kind) -> None:
        model = MODELS[kind]
        before, _ = newest(any_engine, model)
        with error_log() as errors:
            mention(slack, f"{kind.noun}: {phrase.wire}", f"Ev{time.monotonic_ns()}")
            sent = watch.check_new()
        errors.assert_clean()
        posts = [s for s in sent if s["method"] == "chat.postMessage"]
        assert [p["thread_ts"] for p in posts] == ["1700000100.000100"], sent
        after, row = newest(any_engine, model)
        if len(phrase.stored) > TITLE_MAX:
            assert after == before
        else:
            assert (after, row.title) == (before + 1, phrase.stored)

    mentioned()


@pytest.mark.parametrize(
    ("command", "text"),
    [("/risk", "add payload may slip"), ("/pmo", "status red payload=late"),
     ("/action", "add check the payload")],
)  # fmt: skip
def test_the_word_payload_is_just_a_word(
    app: App, any_engine: Engine, command: str, text: str
) -> None:
    slack, watch = app
    reply = slack.reply(command, text)
    watch.check_new()
    assert reply["response_type"] == "in_channel", reply
    assert "payload" in reply["text"]


# -- anything at all: never a crash, a ping or half a write ----------------------------------

ANY_WORDS = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
    st.sampled_from(
        (
            '"', "“", "”", "„", 'title:"', "impact:high", "impact:11", "owner:<@U0BOB|bob>",
            "owner:&lt;@U0EVE&gt;", "owner:@eve", "due:someday", "due friday", "by eom",
            "review:yesterday", "project:nope", "page:0", "status:closed", "severity:sev1",
            "R-1", "A-1", "D-1", "I-1", "#r1", "R-999999999", "http://x", "<@U0BOB|bob>",
            "mitigation:\"x", "x" * 3_000, "&amp;" * 2_000, "<!channel>", "&lt;!here&gt;",
            "&lt;@W0MALLORY&gt;", "&lt;@U999&gt;", "<http://evil|google.com>", "\x00", "due",
        )
    ),
    st.sampled_from(TYPED).map(slack_escaped),  # typed, so Slack escapes them
)  # fmt: skip
COMMANDS = (
    ("/risk", "add"), ("/risk", "update R-1"), ("/risk", "close R-1"), ("/risk", "list"),
    ("/risk", "show"), ("/risk", "occurred R-1"), ("/action", "add"), ("/action", "done A-1"),
    ("/action", "snooze A-1"), ("/action", "assign A-1"), ("/issue", "add"),
    ("/decision", "add"), ("/decision", "supersede D-1"), ("/pmo", "status red"),
    ("/pmo", "status"), ("/pmo", "holiday add"), ("/pmo", "away"), ("/pmo", "project"),
    ("/risk", ""), ("/pmo", ""), ("/standup", "questions"), ("/standup", "at"),
)  # fmt: skip
TEXT_TABLES = (Risk, Action, Issue, Decision, StatusUpdate)
LIVE_FAKE = re.compile("|".join(f"<@{person}>" for person in FAKE_PEOPLE))


def stored_texts(engine: Engine) -> Iterator[str]:
    with Session(engine) as session:
        for model in TEXT_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.type.python_type is str]
            for row in session.execute(select(*columns)):
                yield from (value for value in row if isinstance(value, str))


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_any_text_gets_a_harmless_answer_and_stores_nothing_inert_made_live(
    app: App, any_engine: Engine
) -> None:
    slack, watch = app

    @hostile(any_engine)
    @given(
        command=st.sampled_from(COMMANDS),
        words=st.lists(ANY_WORDS, max_size=8),
        glue=st.sampled_from([" ", "", "  ", "\n", "\u3000"]),
    )
    def anything(command: tuple[str, str], words: list[str], glue: str) -> None:
        name, head = command
        before = counts(any_engine)
        with error_log() as errors:
            reply = send_command(slack, watch.fake, name, f"{head} {glue.join(words)}".strip())
            watch.check_new()
        errors.assert_clean()
        after = counts(any_engine)
        if reply is None or reply.get("response_type") != "in_channel":  # no new item
            for table in ("risks", "actions", "issues", "decisions", "status_updates"):
                assert after[table] == before[table], (table, reply)
        for text in stored_texts(any_engine):
            assert "\x00" not in text
            assert not LIVE_FAKE.search(text), f"a typed-out mention was stored live: {text!r}"

    anything()
