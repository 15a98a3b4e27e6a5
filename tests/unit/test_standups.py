"""`/standup`: the grammar, the settings/now/report use-cases on a real database, the gateway's
channel members, and the renderers checked against Slack's limits."""

from __future__ import annotations

import threading
import time as time_module
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import (
    DEFAULT_QUESTIONS,
    Actor,
    StandupChange,
    StandupConfig,
    StandupEntry,
    StandupReport,
    blocker_answer,
)
from bot.errors import NotFound, ParseError, UserError
from bot.manifest import usage_hint
from bot.services import standups
from bot.slack import WebApiGateway, make_web_client
from handlers.blocks.standup_settings import (
    days_label,
    render_run_now,
    render_standup,
    render_standup_change,
    render_standup_report,
)
from handlers.blocks.text import Viewer
from handlers.standup_grammar import (
    ReportStandup,
    RunStandupNow,
    ScheduleStandup,
    SetStandupMembers,
    SetStandupQuestions,
    ShowStandup,
    StandupCommand,
    SwitchStandup,
    parse_standup_command,
    standup_subcommand,
)
from handlers.usage import STANDUP_USAGE, help_text, standup_overview
from storage.models import AwayPeriod, Holiday, Standup, StandupAnswer, Workspace
from tests.conftest import ALICE, BOB, CHANNEL, START, TEAM
from tests.support.fakes import RecordingGateway
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack
from tests.unit.test_blocks import check, texts

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday 19 November 2026
THU, WED, TUE, MON = (date(2026, 11, 19) - timedelta(days=i) for i in range(4))
FRI_BEFORE = date(2026, 11, 13)
CAROL, DANA = "U0CAROL", "U0DANA"
BOB_SENDS, CAROL_SENDS = "<@U0BOB|bob>", "<@U0CAROL|carol>"
OTHER_TEAM = "T0OTHER"
VIEWER = Viewer(START, "Europe/London")
WEEKDAYS = (0, 1, 2, 3, 4)


def parse(text: str) -> StandupCommand:
    return parse_standup_command(text, now=NOW)


# -- grammar ---------------------------------------------------------------------------------------

ACCEPTED: list[tuple[str, str, StandupCommand]] = [
    ("alone", "", ShowStandup()),
    ("show", "show", ShowStandup()),
    ("settings", "Settings", ShowStandup()),
    ("help", "help", ShowStandup(help=True)),
    ("question-mark", "?", ShowStandup(help=True)),
    ("at", "at 09:30", ScheduleStandup(at=time(9, 30))),
    ("at-no-zero", "at 9:30", ScheduleStandup(at=time(9, 30))),
    ("at-am", "at 9:30am", ScheduleStandup(at=time(9, 30))),
    ("at-am-apart", "at 9:30 am", ScheduleStandup(at=time(9, 30))),
    ("at-pm-weekdays", "at 5pm weekdays", ScheduleStandup(at=time(17, 0), days=WEEKDAYS)),
    ("time-alias", "time 10:15", ScheduleStandup(at=time(10, 15))),
    ("at-noon", "at noon daily", ScheduleStandup(at=time(12, 0), days=tuple(range(7)))),
    ("days-commas", "at 09:30 mon,wed,fri", ScheduleStandup(at=time(9, 30), days=(0, 2, 4))),
    ("days-spaces", "at 09:30 mon wed fri", ScheduleStandup(at=time(9, 30), days=(0, 2, 4))),
    (
        "days-comma-space-and",
        "at 09:30 Monday, Wednesday and Friday",
        ScheduleStandup(at=time(9, 30), days=(0, 2, 4)),
    ),
    ("days-plural-on", "at 8:00 on tuesdays", ScheduleStandup(at=time(8, 0), days=(1,))),
    ("days-range", "at 09:30 mon-thu", ScheduleStandup(at=time(9, 30), days=(0, 1, 2, 3))),
    ("days-wrapping-range", "at 09:30 fri-mon", ScheduleStandup(at=time(9, 30), days=(0, 4, 5, 6))),
    ("every-day", "at 09:30 every day", ScheduleStandup(at=time(9, 30), days=tuple(range(7)))),
    ("every-weekday", "at 09:30 every weekday", ScheduleStandup(at=time(9, 30), days=WEEKDAYS)),
    ("days-only", "days mon,tue", ScheduleStandup(days=(0, 1))),
    ("days-weekends", "days weekends", ScheduleStandup(days=(5, 6))),
    (
        "questions-quoted",
        'questions "What did you ship?" | "What\'s next?" | "Anything blocking you?"',
        SetStandupQuestions(("What did you ship?", "What's next?", "Anything blocking you?")),
    ),
    (
        "questions-unquoted",
        "questions What did you ship? | Blockers?",
        SetStandupQuestions(("What did you ship?", "Blockers?")),
    ),
    (
        "questions-curly-quotes-and-bar-inside",
        "questions “Plans | goals?” | Blockers?",
        SetStandupQuestions(("Plans | goals?", "Blockers?")),
    ),
    (
        "questions-mention-keeps-its-bar",
        f"questions Anything for {BOB_SENDS}? | Blockers?",
        SetStandupQuestions(("Anything for <@U0BOB>?", "Blockers?")),
    ),
    (
        "questions-entities-decoded-broadcast-defused",
        "questions Q&amp;A &lt;today&gt;? | <!channel> blockers?",
        SetStandupQuestions(("Q&A <today>?", "@channel blockers?")),
    ),
    ("questions-one", "question How are you?", SetStandupQuestions(("How are you?",))),
    ("questions-default", "questions default", SetStandupQuestions(DEFAULT_QUESTIONS)),
    ("members", f"members {BOB_SENDS} {CAROL_SENDS}", SetStandupMembers(members=("U0BOB", CAROL))),
    ("members-twice", f"members {BOB_SENDS} {BOB_SENDS}", SetStandupMembers(members=("U0BOB",))),
    ("members-channel", "members channel", SetStandupMembers(channel=True)),
    ("members-at-channel", "members <!channel>", SetStandupMembers(channel=True)),
    ("members-everyone", "who everyone", SetStandupMembers(channel=True)),
    ("off", "off", SwitchStandup(enabled=False)),
    ("pause", "pause", SwitchStandup(enabled=False)),
    ("on", "ON", SwitchStandup(enabled=True)),
    ("resume", "resume", SwitchStandup(enabled=True)),
    ("now", "now", RunStandupNow()),
    ("report", "report", ReportStandup(THU)),
    ("report-today", "report today", ReportStandup(THU)),
    ("report-yesterday", "report yesterday", ReportStandup(WED)),
    ("report-iso", "report 2026-11-17", ReportStandup(TUE)),
    ("report-iso-short", "report 2026-11-9", ReportStandup(date(2026, 11, 9))),
    ("report-on-monday", "report on monday", ReportStandup(MON)),
    ("report-thursday-is-today", "report thursday", ReportStandup(THU)),
    ("report-last-thursday", "report last thursday", ReportStandup(date(2026, 11, 12))),
    ("report-last-friday", "report last fri", ReportStandup(FRI_BEFORE)),
    ("report-friday", "report friday", ReportStandup(FRI_BEFORE)),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_standup_commands_parse(text: str, expected: StandupCommand) -> None:
    assert parse(text) == expected


REFUSED = [
    ("unknown", "frobnicate", "“frobnicate” isn't a /standup command.", None),
    ("typo", "qestions a", "“qestions” isn't a /standup command. Did you mean", None),
    ("show-more", "show everything", "`show` takes nothing more", None),
    ("open-quote", 'questions "what', "A quote is left open", None),
    ("at-nothing", "at", "Say at what time", "at"),
    ("at-bad-time", "at 25:00", "“25:00” isn't a time of day", "at"),
    ("at-hour-only", "at 9", "“9” needs minutes", "at"),
    ("at-bad-day", "at 09:30 funday", "“funday” isn't a day.", "at"),
    ("at-mention-day", f"at 09:30 {BOB_SENDS}", "“<@U0BOB>” isn't a day.", "at"),
    ("at-field-first", "at days:mon", "Give the time first", "at"),
    ("days-nothing", "days", "Say on which days", "days"),
    ("days-bad-range", "days mon-xyz", "“xyz” isn't a day.", "days"),
    ("questions-none", "questions", "Give 1 to 5 questions", "questions"),
    ("questions-six", "questions a|b|c|d|e|f", "That's 6 questions", "questions"),
    ("questions-empty", "questions a | | c", "Question 2 is empty", "questions"),
    ("questions-trailing-bar", "questions a |", "Question 2 is empty", "questions"),
    (
        "questions-too-long",
        "questions " + "x" * 151,
        "The question 1 is 151 characters",
        "questions",
    ),
    (
        "questions-twice",
        "questions Blockers? | blockers?",
        "“blockers?” is asked twice",
        "questions",
    ),
    ("members-nobody", "members", "Say who is asked", "members"),
    ("members-name", "members bob", "“bob” isn't a person", "members"),
    ("members-group", "members <!subteam^S1|@team>", "I can't ask a user group", "members"),
    ("members-mixed", f"members {BOB_SENDS} channel", "Name people, or say `channel`", "members"),
    ("off-more", "off now", "`off` takes nothing more", "off"),
    ("now-more", "now please", "`now` takes nothing more", "now"),
    ("report-tomorrow", "report tomorrow", "Tomorrow hasn't happened yet", "report"),
    ("report-future", "report 2026-11-20", "Fri 20 Nov hasn't happened yet", "report"),
    ("report-not-a-date", "report 2026-02-30", "“2026-02-30” isn't a real date", "report"),
    ("report-vague", "report someday", "I can't tell which day “someday” is", "report"),
    ("report-mention", f"report {BOB_SENDS}", "“<@U0BOB>” isn't a day", "report"),
]


@pytest.mark.parametrize(
    ("text", "message", "sub"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_standup_refusals_teach_the_usage(text: str, message: str, sub: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)

    assert caught.value.message.startswith(message), caught.value.message
    taught = STANDUP_USAGE[sub] if sub else standup_overview()
    assert (caught.value.usage, caught.value.example) == (taught.usage, taught.example)


def test_members_are_capped() -> None:
    many = " ".join(f"<@U{i:04d}|p{i}>" for i in range(101))
    with pytest.raises(ParseError, match="That's 101 people"):
        parse(f"members {many}")


@pytest.mark.parametrize("sub", list(STANDUP_USAGE), ids=list(STANDUP_USAGE))
def test_every_standup_usage_example_parses_to_its_subcommand(sub: str) -> None:
    example = STANDUP_USAGE[sub].example
    command, _, text = (
        example.replace("@bob", BOB_SENDS).replace("@carol", CAROL_SENDS).partition(" ")
    )

    assert command == "/standup"
    parsed = parse(text)
    assert standup_subcommand(parsed) == sub


VOCABULARY = [
    *STANDUP_USAGE,
    *("time", "pause", "resume", "who", "channel", "everyone", "default", "show", "?"),
    *("09:30", "9:30am", "am", "25:00", "9", "noon", "mon", "mon-fri", "fri-", "-", "weekdays"),
    *("daily", "every", "day", "and", ",", "today", "yesterday", "last", "friday", "2026-11-17"),
    *("2026-13-40", "2099-01-01", "|", '"', "“", "”", "<", ">", "<@U0BOB|bob>", "<!channel>"),
    *("<!subteam^S1|@team>", "&lt;", "&amp;", "\x00", "\n", "key:value", "x" * 160),
]
vocabulary_text = st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=4), max_size=12).map(
    " ".join
)


@settings(max_examples=400, deadline=None)
@given(text=st.text() | vocabulary_text)
def test_any_text_is_a_standup_command_or_a_helpful_refusal(text: str) -> None:
    parsed: StandupCommand | None = None
    refusal: UserError | None = None
    try:
        parsed = parse(text)
    except UserError as error:
        refusal = error
    if refusal is not None:
        assert (bool(refusal.message), bool(refusal.usage), bool(refusal.example)) == (True,) * 3
        return
    if isinstance(parsed, SetStandupQuestions):
        assert 1 <= len(parsed.questions) <= 5
        assert all(0 < len(q) <= 150 and "\x00" not in q for q in parsed.questions)
    if isinstance(parsed, ReportStandup):
        assert parsed.day <= NOW.date()


def test_help_and_the_manifest_know_standup() -> None:
    assert "*/standup* — this channel's standup" in help_text()
    assert "/standup report" in help_text()
    hint = usage_hint("/standup")
    assert hint.split(" | ")[:3] == ["at", "days", "questions"]
    assert hint.endswith("help")


# -- blockers ------------------------------------------------------------------------------------

BLOCKERS = [
    ("named", "Waiting on the vendor's API keys", "Waiting on the vendor's API keys"),
    ("spaces-collapsed", "  waiting\non  review ", "waiting on review"),
    ("no", "No", None),
    ("none-dot", "none.", None),
    ("nope-thanks", "Nope, thanks!", None),
    ("nothing-blocking", "nothing blocking me", None),
    ("na", "n/a", None),
    ("dash", "-", None),
    ("empty", "", None),
    ("no-blockers", "No blockers", None),
    ("all-good", "all good!", None),
    ("no-but", "No, but the build is slow", "No, but the build is slow"),
]


@pytest.mark.parametrize(
    ("answer", "expected"), [c[1:] for c in BLOCKERS], ids=[c[0] for c in BLOCKERS]
)
def test_blocker_answer(answer: str, expected: str | None) -> None:
    standup = config()
    assert blocker_answer(standup, ("did x", "will do y", answer)) == expected


def test_no_blocker_question_means_no_blockers() -> None:
    standup = config(questions=("What's new?", "What's next?"))
    assert blocker_answer(standup, ("stuck on everything", "more")) is None
    assert blocker_answer(config(), ("only one answer",)) is None


# -- services: settings ----------------------------------------------------------------------------


@pytest.fixture
def channel_gateway(gateway: RecordingGateway) -> RecordingGateway:
    gateway.channels[CHANNEL] = [ALICE, BOB, CAROL]
    return gateway


def rows(deps: Deps) -> list[Standup]:
    with Session(deps.db.engine) as session:
        return list(session.scalars(select(Standup).order_by(Standup.id)))


def test_a_new_standup_asks_the_channel_the_default_questions_on_weekdays(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    change = standups.configure(deps, alice, at=time(9, 30))

    assert change.created
    assert change.changes == {}
    assert not change.members_unread
    standup = change.standup
    assert (standup.at_time, standup.days, standup.questions) == (
        time(9, 30),
        WEEKDAYS,
        DEFAULT_QUESTIONS,
    )
    assert (standup.members_mode, standup.members) == ("channel", (ALICE, BOB, CAROL))
    assert (standup.nudge_minutes, standup.cutoff_minutes) == (120, 240)
    assert (standup.timezone, standup.enabled, standup.run_now_on) == ("Europe/London", True, None)
    [row] = rows(deps)
    assert (row.channel_id, row.created_by, row.members_read_on) == (CHANNEL, ALICE, THU)
    assert (row.at_time, row.days) == ("09:30", "mon,tue,wed,thu,fri")
    assert standups.standup_for_channel(deps, alice) == standup


def test_changing_the_time_keeps_the_days_and_says_what_moved(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30), days=(0, 2, 4))

    moved = standups.configure(deps, alice, at=time(10, 0))
    days = standups.configure(deps, alice, days=(1, 3))
    both = standups.configure(deps, alice, at=time(8, 45), days=tuple(range(7)))

    assert moved.changes == {"time": ["09:30", "10:00"]}
    assert moved.standup.days == (0, 2, 4)
    assert days.changes == {"days": ["mon,wed,fri", "tue,thu"]}
    assert both.changes == {
        "time": ["10:00", "08:45"],
        "days": ["tue,thu", "mon,tue,wed,thu,fri,sat,sun"],
    }
    assert [moved.created, days.created, both.created] == [False, False, False]
    [row] = rows(deps)
    assert (row.at_time, row.days) == ("08:45", "mon,tue,wed,thu,fri,sat,sun")


def test_questions_members_and_switching(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30))

    asked = standups.configure(deps, alice, questions=["Wins?", "  Next   steps? ", "Blockers?"])
    named = standups.configure(deps, alice, members=[BOB, DANA, BOB])
    off = standups.configure(deps, alice, enabled=False)
    on = standups.configure(deps, alice, enabled=True)

    assert asked.changes == {"questions": ["3", "3"]}
    assert asked.standup.questions == ("Wins?", "Next steps?", "Blockers?")
    assert named.changes == {"members": ["everyone in the channel", f"<@{BOB}>, <@{DANA}>"]}
    assert (named.standup.members_mode, named.standup.members) == ("list", (BOB, DANA))
    assert off.changes == {"enabled": ["on", "off"]}
    assert on.changes == {"enabled": ["off", "on"]}
    [row] = rows(deps)
    assert (row.members_mode, row.members, row.members_read_on, row.enabled) == (
        "list",
        [BOB, DANA],
        None,
        True,
    )


def test_asking_the_channel_reads_its_members_now(
    deps: Deps, alice: Actor, gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30), members=[BOB])
    gateway.channels[CHANNEL] = [ALICE, CAROL, ALICE]

    change = standups.configure(deps, alice, members_mode="channel")

    assert change.changes == {"members": [f"<@{BOB}>", "everyone in the channel"]}
    assert change.standup.members == (ALICE, CAROL)
    gateway.channels[CHANNEL] = [ALICE, CAROL, DANA]
    again = standups.configure(deps, alice, members_mode="channel")
    assert again.changes == {}  # still the channel, but its members are read afresh
    assert again.standup.members == (ALICE, CAROL, DANA)


def test_a_channel_slack_wont_show_is_still_asked_and_flagged(
    deps: Deps, alice: Actor, gateway: RecordingGateway
) -> None:
    change = standups.configure(deps, alice, at=time(9, 30))  # no members known for CHANNEL

    assert change.created
    assert change.members_unread
    assert (change.standup.members_mode, change.standup.members) == ("channel", ())
    [row] = rows(deps)
    assert row.members_read_on is None


def test_a_setting_already_in_place_changes_nothing(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30))
    before = rows(deps)[0].updated_at

    same = standups.configure(
        deps, alice, at=time(9, 30), days=WEEKDAYS, questions=DEFAULT_QUESTIONS, enabled=True
    )

    assert same.changes == {}
    assert not same.created
    assert rows(deps)[0].updated_at == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"questions": []}, "A standup asks 1 to 5 questions, not 0"),
        ({"questions": ["a"] * 6}, "A standup asks 1 to 5 questions, not 6"),
        ({"questions": ["ok", "  "]}, "Question 2 is empty"),
        ({"questions": ["x" * 151]}, "Question 1 is 151 characters"),
        ({"members": []}, "Name the people to ask"),
        ({"members": [f"U{i}" for i in range(101)]}, "That's 101 people"),
        ({"members": [BOB], "members_mode": "channel"}, "Name people, or ask the whole channel"),
        ({"days": []}, "Say on which days"),
        ({"days": [7]}, "Say on which days"),
    ],
    ids=["no-questions", "six", "empty", "long", "nobody", "too-many", "both", "no-days", "day-7"],
)
def test_bad_settings_are_refused_and_store_nothing(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway, values: Any, message: str
) -> None:
    standups.configure(deps, alice, at=time(9, 30))
    before = rows(deps)

    with pytest.raises(UserError, match=message):
        standups.configure(deps, alice, **values)

    after = rows(deps)
    assert [(r.questions, r.members, r.days) for r in after] == [
        (r.questions, r.members, r.days) for r in before
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda deps, actor: standups.configure(deps, actor, questions=["Blockers?"]),
        lambda deps, actor: standups.configure(deps, actor, members_mode="channel"),
        lambda deps, actor: standups.configure(deps, actor, enabled=False),
        lambda deps, actor: standups.run_now(deps, actor),
        lambda deps, actor: standups.report(deps, actor, THU),
    ],
    ids=["questions", "members", "off", "now", "report"],
)
def test_without_a_standup_everything_but_at_says_how_to_start(
    deps: Deps, alice: Actor, call: Callable[[Deps, Actor], object]
) -> None:
    with pytest.raises(NotFound, match=r"no standup yet\. Start one with `/standup at 09:30`"):
        call(deps, alice)

    assert rows(deps) == []
    assert standups.standup_for_channel(deps, alice) is None
    assert standups.settings(deps, alice) is None


def test_a_standup_belongs_to_a_channel_not_a_dm(deps: Deps) -> None:
    dm = Actor(team_id=TEAM, user_id=ALICE, channel_id="D0ALICE", timezone="Europe/London")

    for call in (
        lambda: standups.configure(deps, dm, at=time(9, 30)),
        lambda: standups.settings(deps, dm),
        lambda: standups.run_now(deps, dm),
        lambda: standups.report(deps, dm, THU),
    ):
        with pytest.raises(UserError, match="belongs to a channel"):
            call()
    assert rows(deps) == []


def test_each_workspace_and_channel_has_its_own_standup(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    other_team = Actor(team_id=OTHER_TEAM, user_id=ALICE, channel_id=CHANNEL, timezone="UTC")
    other_channel = Actor(team_id=TEAM, user_id=ALICE, channel_id="C0HERMES", timezone="UTC")
    standups.configure(deps, alice, at=time(9, 30))

    assert standups.standup_for_channel(deps, other_team) is None
    assert standups.standup_for_channel(deps, other_channel) is None
    theirs = standups.configure(deps, other_team, at=time(7, 0), members=[BOB])
    mine = standups.standup_for_channel(deps, alice)

    assert theirs.created
    assert mine is not None
    assert (mine.at_time, mine.members_mode) == (time(9, 30), "channel")
    assert theirs.standup.workspace_id != mine.workspace_id
    with pytest.raises(NotFound):
        standups.run_now(deps, other_channel)


# -- services: now ---------------------------------------------------------------------------------


def test_now_asks_everyone_on_the_callers_own_day_once(
    deps: Deps, alice: Actor, clock: FixedClock, channel_gateway: RecordingGateway
) -> None:
    # 03:00 UTC on Friday 20 November: Friday in London, still Thursday in New York.
    clock.set(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    bob = Actor(team_id=TEAM, user_id=BOB, channel_id=CHANNEL, timezone="America/New_York")
    standups.configure(deps, alice, at=time(9, 30))

    first = standups.run_now(deps, bob)
    again = standups.run_now(deps, bob)
    london = standups.run_now(deps, alice)

    assert first.changes == {"now": ["", "2026-11-19"]}
    assert first.standup.run_now_on == THU
    assert again.changes == {}
    assert london.changes == {"now": ["2026-11-19", "2026-11-20"]}
    assert rows(deps)[0].run_now_on == date(2026, 11, 20)


def test_now_is_refused_while_the_standup_is_off(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30))
    standups.configure(deps, alice, enabled=False)

    with pytest.raises(UserError, match="standup is off: `/standup on`"):
        standups.run_now(deps, alice)
    assert rows(deps)[0].run_now_on is None


# -- services: report ------------------------------------------------------------------------------


def add_answer(
    engine: Engine, standup_id: int, user_id: str, day: date, answers: list[str], at: datetime
) -> None:
    with Session(engine) as session, session.begin():
        row = session.get(Standup, standup_id)
        assert row is not None
        session.add(
            StandupAnswer(
                workspace_id=row.workspace_id,
                standup_id=standup_id,
                user_id=user_id,
                day=day,
                answers=answers,
                source="modal",
                created_at=at,
                updated_at=at,
            )
        )


def test_report_lists_answers_blockers_first_then_who_is_away_or_missing(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    channel_gateway.channels[CHANNEL] = [ALICE, BOB, CAROL, DANA]
    standup = standups.configure(deps, alice, at=time(9, 30)).standup
    engine = deps.db.engine
    at = datetime(2026, 11, 19, 9, 40, tzinfo=UTC)
    add_answer(engine, standup.id, ALICE, THU, ["shipped", "tests", "none"], at)
    add_answer(engine, standup.id, BOB, THU, ["fixes", "more", "vendor keys"], at + timedelta(1))
    add_answer(engine, standup.id, CAROL, WED, ["yesterday's", "-", "no"], at)  # another day
    with Session(engine) as session, session.begin():
        session.add(
            AwayPeriod(
                workspace_id=standup.workspace_id,
                user_id=DANA,
                starts_on=WED,
                ends_on=THU,
                created_at=at,
            )
        )

    found = standups.report(deps, alice, THU)

    assert [(e.user_id, e.blocker) for e in found.entries] == [(BOB, "vendor keys"), (ALICE, None)]
    assert found.entries[1].answers == ("shipped", "tests", "none")
    assert (found.missing, found.away) == ((CAROL,), (DANA,))
    assert (found.day, found.today, found.blockers, found.holiday) == (THU, THU, 1, False)
    assert found.is_standup_day
    wednesday = standups.report(deps, alice, WED)
    assert [e.user_id for e in wednesday.entries] == [CAROL]
    assert (wednesday.missing, wednesday.away) == ((ALICE, BOB), (DANA,))


def test_report_sees_only_its_own_workspace_and_notes_holidays(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    mine = standups.configure(deps, alice, at=time(9, 30)).standup
    other = Actor(team_id=OTHER_TEAM, user_id=ALICE, channel_id=CHANNEL, timezone="UTC")
    theirs = standups.configure(deps, other, at=time(9, 30), members=[BOB]).standup
    at = datetime(2026, 11, 19, 9, 40, tzinfo=UTC)
    add_answer(deps.db.engine, theirs.id, BOB, THU, ["secret", "plans", "none"], at)
    with Session(deps.db.engine) as session, session.begin():
        session.add(
            Holiday(workspace_id=mine.workspace_id, day=THU, created_by=ALICE, created_at=at)
        )

    found = standups.report(deps, alice, THU)

    assert found.entries == ()
    assert found.holiday
    assert set(found.missing) == {ALICE, BOB, CAROL}
    assert standups.report(deps, other, THU).entries[0].answers == ("secret", "plans", "none")


def test_report_refuses_days_to_come(
    deps: Deps, alice: Actor, channel_gateway: RecordingGateway
) -> None:
    standups.configure(deps, alice, at=time(9, 30))

    with pytest.raises(UserError, match="Fri 20 Nov hasn't happened yet"):
        standups.report(deps, alice, date(2026, 11, 20))


def test_settings_and_reports_on_both_databases(
    any_deps: Deps, alice: Actor, gateway: RecordingGateway
) -> None:
    gateway.channels[CHANNEL] = [ALICE, BOB]
    created = standups.configure(any_deps, alice, at=time(9, 30), days=(0, 2, 4))
    again = standups.configure(any_deps, alice, at=time(9, 30), days=(0, 2, 4))
    standups.configure(any_deps, alice, questions=["Done?", "Blocked by?"])
    standups.run_now(any_deps, alice)
    with any_deps.db.write() as session:
        session.add(
            StandupAnswer(
                workspace_id=created.standup.workspace_id,
                standup_id=created.standup.id,
                user_id=BOB,
                day=THU,
                answers=["yes", "legal review"],
                source="dm",
                created_at=START,
                updated_at=START,
            )
        )

    found = standups.report(any_deps, alice, THU)

    assert (created.created, again.created) == (True, False)
    assert [(e.user_id, e.blocker) for e in found.entries] == [(BOB, "legal review")]
    assert found.missing == (ALICE,)
    assert found.standup.run_now_on == THU
    with any_deps.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Standup)) == 1
        assert session.scalar(select(func.count()).select_from(Workspace)) == 1


CONCURRENT = 8


def test_a_standup_started_by_several_people_at_once_is_stored_once(
    any_deps: Deps, gateway: RecordingGateway
) -> None:
    gateway.channels[CHANNEL] = [ALICE, BOB]
    start = threading.Barrier(CONCURRENT)

    @event.listens_for(any_deps.db.engine, "after_cursor_execute")
    def _widen_the_race(*args: object) -> None:
        # Hold each look-up for a moment, so unserialised creates would all find none yet.
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and "FROM standups" in statement:
            time_module.sleep(0.02)

    def create(i: int) -> bool:
        actor = Actor(TEAM, f"U{i:04d}", CHANNEL, timezone="Europe/London")
        start.wait()
        return standups.configure(any_deps, actor, at=time(9, i)).created

    try:
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            created = list(pool.map(create, range(CONCURRENT)))
    finally:
        event.remove(any_deps.db.engine, "after_cursor_execute", _widen_the_race)

    assert sorted(created) == [False] * (CONCURRENT - 1) + [True]
    with any_deps.db.read() as session:
        [row] = session.scalars(select(Standup)).all()
    assert row.at_time in {f"09:{i:02d}" for i in range(CONCURRENT)}
    assert row.members == [ALICE, BOB]


# -- the gateway: who is in a channel --------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    yield from serve_fake_slack()


def test_channel_members_reads_every_page(fake: FakeSlackWebAPI) -> None:
    pages = {"": (["U1", "U2"], "next-1"), "next-1": (["U3", "U2"], "")}

    def page(call: Any) -> dict[str, Any]:
        members, cursor = pages[str(call.params.get("cursor") or "")]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": cursor}}

    fake.set_response("conversations.members", page)
    gateway = WebApiGateway(make_web_client("xoxb-test", fake.base_url))

    assert gateway.channel_members("C0APOLLO") == ["U1", "U2", "U3"]
    calls = fake.calls_to("conversations.members")
    assert [c.params["channel"] for c in calls] == ["C0APOLLO", "C0APOLLO"]
    assert [c.params.get("cursor") for c in calls] == [None, "next-1"]


def test_channel_members_is_none_when_slack_wont_say(
    fake: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.set_channel("C0APOLLO", "apollo", members=["U1"])
    fake.fail_next("conversations.members", status=200, error="channel_not_found")
    gateway = WebApiGateway(make_web_client("xoxb-test", fake.base_url))

    assert gateway.channel_members("C0APOLLO") is None
    assert "conversations.members for C0APOLLO failed" in caplog.text
    assert gateway.channel_members("C0APOLLO") == ["U1"]


def test_the_recording_gateway_plays_channels() -> None:
    gateway = RecordingGateway(channels={"C1": ["U1"]})
    assert gateway.channel_members("C1") == ["U1"]
    assert gateway.channel_members("C2") is None
    gateway.down = True
    assert gateway.channel_members("C1") is None


# -- renderers -------------------------------------------------------------------------------------


def config(**values: Any) -> StandupConfig:
    fields: dict[str, Any] = {
        "id": 1,
        "workspace_id": 1,
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "enabled": True,
        "at_time": time(9, 30),
        "days": WEEKDAYS,
        "questions": DEFAULT_QUESTIONS,
        "members_mode": "channel",
        "members": (ALICE, BOB),
        "nudge_minutes": 120,
        "cutoff_minutes": 240,
        "timezone": "Europe/London",
    }
    fields.update(values)
    return StandupConfig(**fields)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (WEEKDAYS, "weekdays"),
        (tuple(range(7)), "every day"),
        ((5, 6), "weekends"),
        ((0, 2, 4), "Mon, Wed, Fri"),
        ((6, 1), "Tue, Sun"),
    ],
    ids=["weekdays", "daily", "weekends", "mon-wed-fri", "unsorted"],
)
def test_days_label(days: tuple[int, ...], label: str) -> None:
    assert days_label(days) == label


def test_settings_render_within_limits() -> None:
    shown = render_standup(config(), VIEWER)
    paused = render_standup(config(enabled=False, members_mode="list"), VIEWER)
    now = render_standup(config(run_now_on=THU), VIEWER, help=True)
    nobody = render_standup(None, VIEWER)
    helped = render_standup(None, VIEWER, help=True)

    for reply in (shown, paused, now, nobody, helped):
        check(reply)
        assert not reply.in_channel
    body = "\n".join(texts(shown))
    assert f"*Standup in <#{CHANNEL}>* — *on*" in body
    assert "at *09:30* in each person's own time zone, weekdays" in body
    assert "everyone in this channel (2 members now)" in body
    assert "1. What did you do since the last standup?" in body
    assert "A nudge 2 hours after the prompt" in body
    assert "the summary 4 hours after it" in body
    assert "*paused*" in "\n".join(texts(paused))
    assert f"<@{ALICE}>, <@{BOB}>" in "\n".join(texts(paused))
    assert "`/standup now`" in "\n".join(texts(now))
    assert "/standup at &lt;hh:mm&gt;" in "\n".join(texts(now))
    assert "no standup yet" in "\n".join(texts(nobody))
    assert "/standup report" in "\n".join(texts(helped))


def test_user_text_is_escaped_and_long_lists_are_cut() -> None:
    evil = ("<!channel> & <http://x|y>", "Blockers? <@U0BOB>")
    many = tuple(f"U{i:05d}" for i in range(250))
    reply = render_standup(config(questions=evil, members_mode="list", members=many), VIEWER)

    payload = check(reply)
    body = "\n".join(texts(reply))
    assert "&lt;!channel&gt; &amp; &lt;http://x|y&gt;" in body
    assert "Blockers? <@U0BOB>" in body
    assert "and 220 more" in body
    assert len(payload["blocks"]) <= 50


def change(standup: StandupConfig | None = None, **values: Any) -> StandupChange:
    return StandupChange(standup or config(), ALICE, **values)


def test_a_new_standup_is_announced_in_the_channel() -> None:
    reply = render_standup_change(change(created=True), VIEWER)
    unread = render_standup_change(
        change(config(members=()), created=True, members_unread=True), VIEWER
    )

    for announced in (reply, unread):
        check(announced)
        assert announced.in_channel
    body = "\n".join(texts(reply))
    assert f"<@{ALICE}> started a standup for this channel" in body
    assert "at *09:30* in each person's own time zone, weekdays" in body
    assert "3. Anything blocking you?" in body
    assert "invite me" not in body
    assert "invite me with `/invite @PMO Bot`" in "\n".join(texts(unread))


CHANGES = [
    ("time", {"time": ["09:30", "10:00"]}, "moved this channel's standup from 09:30 to *10:00*"),
    ("days", {"days": ["mon,tue,wed,thu,fri", "mon,wed"]}, "to run on Mon, Wed (was weekdays)"),
    ("questions", {"questions": ["3", "3"]}, "changed the standup's questions:\n1. What did"),
    ("members", {"members": ["a", "b"]}, "set who is asked in the standup: everyone in this"),
    ("on", {"enabled": ["off", "on"]}, "resumed this channel's standup: at *09:30*"),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_changes_are_announced(changes: dict[str, list[str]], expected: str) -> None:
    reply = render_standup_change(change(changes=changes), VIEWER)

    check(reply)
    assert reply.in_channel
    assert expected in "\n".join(texts(reply))


def test_pausing_and_changes_to_a_paused_standup_say_so() -> None:
    paused = config(enabled=False)
    off = render_standup_change(change(paused, changes={"enabled": ["on", "off"]}), VIEWER)
    moved = render_standup_change(change(paused, changes={"time": ["09:30", "10:00"]}), VIEWER)

    assert "paused this channel's standup; its settings are kept" in "\n".join(texts(off))
    assert "It is paused: `/standup on` resumes it." in "\n".join(texts(moved))


def test_no_change_answers_only_the_caller() -> None:
    reply = render_standup_change(change(), VIEWER)

    check(reply)
    assert not reply.in_channel
    assert "Nothing to change" in reply.text


def test_now_is_announced_once() -> None:
    started = render_run_now(change(config(run_now_on=THU), changes={"now": ["", "x"]}), VIEWER)
    again = render_run_now(change(config(run_now_on=THU)), VIEWER)

    check(started)
    check(again)
    assert started.in_channel
    assert "prompts are on their way by DM" in started.text
    assert not again.in_channel
    assert "already asked for today (Thu 19 Nov)" in again.text


def entry(user: str, *answers: str, blocker: str | None = None) -> StandupEntry:
    return StandupEntry(user, answers, START, blocker)


def report(**values: Any) -> StandupReport:
    fields: dict[str, Any] = {
        "standup": config(),
        "day": THU,
        "today": THU,
        "entries": (
            entry(BOB, "fixes", "more", "vendor keys", blocker="vendor keys"),
            entry(ALICE, "shipped", "", "none"),
        ),
        "missing": (CAROL,),
        "away": (DANA,),
    }
    fields.update(values)
    return StandupReport(**fields)


def test_report_renders_answers_blockers_and_who_is_missing() -> None:
    reply = render_standup_report(report(), VIEWER)

    check(reply)
    assert not reply.in_channel
    assert reply.text == "Standup Thu 19 Nov: 2 of 4 answered, 1 blocker"
    body = texts(reply)
    assert body[0] == "Standup — Thu 19 Nov"
    assert body[1].startswith("*2 of 4* answered · :rotating_light: 1 blocker · 1 away\n1. What")
    assert body[2].startswith(f":rotating_light: <@{BOB}> · <!date^")
    assert body[2].endswith("*1.* fixes\n*2.* more\n*3.* :rotating_light: *Blocker:* vendor keys")
    assert body[3].endswith("*1.* shipped\n*2.* —\n*3.* none")
    assert body[4] == f":hourglass: *Not answered yet:* <@{CAROL}>"
    assert body[5] == f":palm_tree: Away: <@{DANA}>"


def test_a_past_quiet_day_report() -> None:
    reply = render_standup_report(
        report(day=date(2026, 11, 14), entries=(), away=(), holiday=False), VIEWER
    )
    holiday = render_standup_report(report(entries=(), holiday=True), VIEWER)

    check(reply)
    body = "\n".join(texts(reply))
    assert "not a standup day (it runs weekdays)" in body
    assert "Nobody answered." in body
    assert "*Didn't answer:*" in body
    assert "a holiday: nobody was prompted" in "\n".join(texts(holiday))


def test_a_huge_report_stays_within_slacks_limits() -> None:
    wordy = "&<>" * 700 + " and more"  # grows five-fold when escaped
    questions = tuple(f"Question {i} about blockers & <things>? " + "x" * 100 for i in range(5))
    entries = tuple(
        entry(f"U{i:05d}", *(wordy,) * 5, blocker=wordy if i % 3 == 0 else None) for i in range(300)
    )
    missing = tuple(f"U{i:05d}" for i in range(300, 1300))
    big = report(
        standup=config(questions=questions), entries=entries, missing=missing, away=missing
    )

    reply = render_standup_report(big, VIEWER)

    payload = check(reply)
    body = "\n".join(texts(reply))
    assert len(payload["blocks"]) <= 50
    assert "more people answered: too many to show here." in body
    assert "and 940 more" in body
    assert "*300 of 2300* answered · :rotating_light: 100 blockers" in body
