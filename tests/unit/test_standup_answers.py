"""Standup answers: storing, the one thread parent per day (under concurrency too), posting
and re-posting, DM replies and edits, blockers; and the blocks they are drawn with."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import DEFAULT_QUESTIONS, Actor
from bot.errors import Conflict, NotFound, UserError
from bot.services import projects, standup_answers
from bot.services.standup_answers import (
    ANSWER_MAX,
    CLAIM_TIMEOUT,
    AnswerRecord,
    answer_by_dm,
    answer_problems,
    edit_by_dm,
    post_answer,
    post_pending,
    prompted_standup,
    record_answer,
    split_reply,
)
from handlers import ids
from handlers.blocks.standup_thread import (
    THREAD,
    answer_errors,
    answer_modal,
    read_answers,
    read_standup_day,
    render_answer,
    render_answer_problems,
    render_answer_saved,
    render_dm_help,
    render_parent,
    standup_day_value,
)
from handlers.standups import direct_message
from storage.models import Delivery, Standup, StandupAnswer, StandupThread
from storage.repositories import workspaces
from tests.conftest import ALICE, BOB, CHANNEL, START, TEAM
from tests.support.fakes import RecordingGateway
from tests.support.slack_specs import specs_available, validate_blocks, validate_message_payload

DAY = date(2026, 11, 19)  # START's day: Thursday
MEMBERS = [f"U0M{n}" for n in range(1, 9)]
ANSWERS = ["Finished the login page", "The signup form", "none"]


@dataclass
class LockedGateway(RecordingGateway):
    """The recording gateway, safe for the threads of the concurrency test."""

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _record(self, kind: str, **call: Any) -> str | None:
        with self.lock:
            return super()._record(kind, **call)


@pytest.fixture
def gateway() -> RecordingGateway:
    return LockedGateway(zones={ALICE: "Europe/London", BOB: "America/New_York"})


def make_standup(
    deps: Deps,
    *,
    members: list[str] | None = None,
    questions: tuple[str, ...] = DEFAULT_QUESTIONS,
    channel: str = CHANNEL,
    team: str = TEAM,
) -> int:
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspaces.ensure(session, team, None, now)
        row = Standup(
            workspace_id=ws,
            channel_id=channel,
            enabled=True,
            at_time="09:30",
            days="mon,tue,wed,thu,fri",
            questions=list(questions),
            members_mode="list",
            members=[ALICE, BOB] if members is None else members,
            nudge_minutes=120,
            cutoff_minutes=240,
            timezone="Europe/London",
            created_by=ALICE,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def prompt(
    deps: Deps,
    standup_id: int,
    user_id: str,
    day: date = DAY,
    *,
    team: str = TEAM,
    status: str = "sent",
    sent_at: datetime | None = None,
) -> None:
    """A prompt as the scheduler records it (bot.services.standup_schedule's key)."""
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspaces.ensure(session, team, None, now)
        session.add(
            Delivery(
                workspace_id=ws,
                key=f"standup-prompt:{team}:{standup_id}:{user_id}:{day.isoformat()}",
                kind="standup-prompt",
                target=user_id,
                local_day=day,
                status=status,
                attempts=1,
                sent_at=sent_at or now,
                created_at=now,
            )
        )


def record(deps: Deps, standup_id: int, user_id: str = ALICE, **options: Any) -> int:
    values: dict[str, Any] = {"answers": ANSWERS, "source": "modal", "day": DAY} | options
    answer: AnswerRecord = record_answer(
        deps, team_id=TEAM, user_id=user_id, standup_id=standup_id, **values
    )
    return answer.id


def stored(deps: Deps) -> list[StandupAnswer]:
    with deps.db.read() as session:
        return list(session.scalars(select(StandupAnswer).order_by(StandupAnswer.id)))


def threads(deps: Deps) -> list[StandupThread]:
    with deps.db.read() as session:
        return list(session.scalars(select(StandupThread)))


def parents(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [p for p in gateway.posts if p["kind"] == "post" and p["thread_ts"] is None]


def in_thread(gateway: RecordingGateway, parent_ts: str) -> list[dict[str, Any]]:
    return [p for p in gateway.posts if p["kind"] == "post" and p["thread_ts"] == parent_ts]


def button_values(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def block_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(
        str((b.get("text") or {}).get("text", ""))
        + "".join(str(e.get("text", "")) for e in b.get("elements", []))
        for b in blocks
    )


# -- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "questions", "expected"),
    [
        ("did a\ndid b\nnone", 3, ["did a", "did b", "none"]),
        ("1. did a\n2) did b\n3. none", 3, ["did a", "did b", "none"]),
        ("did a\n\n  did b  \n\nnone\n", 3, ["did a", "did b", "none"]),
        ("did a\ndid b\nblocked by x\nand by y", 3, ["did a", "did b", "blocked by x\nand by y"]),
        ("all of it in one line", 3, ["all of it in one line"]),
        ("two lines\nonly", 3, ["two lines\nonly"]),
        ("one question\nmany lines", 1, ["one question\nmany lines"]),
        ("  ", 3, [""]),
    ],
    ids=[
        "one-per-line",
        "numbered",
        "blank-lines",
        "extra-lines",
        "one-line",
        "too-few",
        "one-q",
        "blank",
    ],
)
def test_a_dm_reply_is_split_line_by_line_or_answers_the_first_question(
    text: str, questions: int, expected: list[str]
) -> None:
    assert split_reply(text, questions) == expected


def test_answers_need_one_non_empty_and_each_at_most_2000_characters() -> None:
    assert answer_problems(["a", "", ""], 3) == {}
    assert answer_problems(["", " ", ""], 3) == {0: "Answer at least one question."}
    too_long = answer_problems(["ok", "x" * (ANSWER_MAX + 1)], 3)
    assert too_long == {1: "That is 2,001 characters; the most is 2,000."}
    assert answer_problems(["a", "b", "c", "d"], 3) == {3: "This standup asks 3 questions only."}


# -- storing ----------------------------------------------------------------------------------


def test_record_stores_then_replaces_keeping_the_post(deps: Deps) -> None:
    standup = make_standup(deps)
    first = record_answer(
        deps,
        team_id=TEAM,
        user_id=ALICE,
        standup_id=standup,
        day=DAY,
        answers=["  did a ", "b"],
        source="dm",
        dm_ts="1700000000.000100",
    )
    assert (first.answers, first.replaced, first.channel_id) == (("did a", "b", ""), False, CHANNEL)
    assert post_answer(deps, first.id, render=THREAD)
    posted_ts = stored(deps)[0].posted_ts
    assert posted_ts is not None

    again = record_answer(
        deps,
        team_id=TEAM,
        user_id=ALICE,
        standup_id=standup,
        day=DAY,
        answers=["did a", "b", "c"],
        source="modal",
    )

    [row] = stored(deps)
    assert (again.id, again.replaced, again.posted_ts) == (first.id, True, posted_ts)
    assert (row.answers, row.source, row.posted_ts) == (["did a", "b", "c"], "modal", posted_ts)
    assert row.dm_ts == "1700000000.000100"  # an edit of that DM still finds the answer


def test_listed_or_prompted_people_may_answer_and_nobody_else(deps: Deps) -> None:
    standup = make_standup(deps, members=[ALICE])
    record(deps, standup, ALICE)
    with pytest.raises(UserError, match="not in <#C0APOLLO>'s standup"):
        record(deps, standup, BOB)
    prompt(deps, standup, BOB, DAY - timedelta(days=1))  # prompted once: lists change
    record(deps, standup, BOB)
    assert [a.user_id for a in stored(deps)] == [ALICE, BOB]


def test_refusals_empty_too_long_closed_and_other_workspaces(deps: Deps) -> None:
    standup = make_standup(deps)
    with pytest.raises(UserError, match="Answer at least one question"):
        record(deps, standup, answers=["", " "])
    with pytest.raises(UserError, match="“What will you do next\\?”: That is 2,001 characters"):
        record(deps, standup, answers=["a", "x" * 2001])
    with pytest.raises(UserError, match="standup of Tue 10 Nov is closed"):
        record(deps, standup, day=date(2026, 11, 10))
    with pytest.raises(NotFound, match="no longer exists"):
        record_answer(
            deps,
            team_id="T0EVIL",
            user_id=ALICE,
            standup_id=standup,
            day=DAY,
            answers=ANSWERS,
            source="modal",
        )
    assert stored(deps) == []


def test_the_form_shows_the_questions_and_the_answers_given(deps: Deps) -> None:
    standup = make_standup(deps)
    empty = standup_answers.answer_form(
        deps, team_id=TEAM, user_id=ALICE, standup_id=standup, day=DAY
    )
    assert (empty.questions, empty.answers, empty.blocker) == (DEFAULT_QUESTIONS, ("", "", ""), 2)
    record(deps, standup, answers=["did a"])
    given = standup_answers.answer_form(
        deps, team_id=TEAM, user_id=ALICE, standup_id=standup, day=DAY
    )
    assert given.answers == ("did a", "", "")


# -- posting ----------------------------------------------------------------------------------


def test_the_first_answer_creates_the_parent_and_the_next_ones_join_it(
    deps: Deps, gateway: RecordingGateway
) -> None:
    standup = make_standup(deps)
    assert post_answer(deps, record(deps, standup, ALICE), render=THREAD)
    assert post_answer(deps, record(deps, standup, BOB), render=THREAD)

    [parent] = parents(gateway)
    assert parent["channel"] == CHANNEL
    assert parent["text"] == "Standup — Thu 19 Nov"
    assert "Anything blocking you?" in block_text(parent["blocks"])
    [thread] = threads(deps)
    assert thread.parent_ts == "1.000"
    answers = in_thread(gateway, "1.000")
    assert [a["text"].split("'")[0] for a in answers] == [f"<@{ALICE}>", f"<@{BOB}>"]
    assert [row.posted_ts for row in stored(deps)] == ["2.000", "3.000"]


def test_an_edit_updates_the_post_in_place(deps: Deps, gateway: RecordingGateway) -> None:
    standup = make_standup(deps)
    answer_id = record(deps, standup)
    post_answer(deps, answer_id, render=THREAD)
    record(deps, standup, answers=["did a", "did b", "blocked by the vendor"])

    assert post_answer(deps, answer_id, render=THREAD)

    [update] = [p for p in gateway.posts if p["kind"] == "update"]
    assert (update["channel"], update["ts"]) == (CHANNEL, "2.000")
    assert "blocked by the vendor" in block_text(update["blocks"])
    assert len(parents(gateway)) == 1


def test_a_blocker_is_highlighted_with_a_button_and_none_is_not(
    deps: Deps, gateway: RecordingGateway
) -> None:
    standup = make_standup(deps)
    blocked = record(deps, standup, ALICE, answers=["a", "b", "waiting on the vendor"])
    clear = record(deps, standup, BOB, answers=["a", "b", "None."])
    post_answer(deps, blocked, render=THREAD)
    post_answer(deps, clear, render=THREAD)

    alice_post, bob_post = in_thread(gateway, "1.000")
    assert button_values(alice_post["blocks"]) == [(ids.STANDUP_LOG_BLOCKER, str(blocked))]
    assert ":no_entry: waiting on the vendor" in block_text(alice_post["blocks"])
    assert button_values(bob_post["blocks"]) == []
    assert ":no_entry:" not in block_text(bob_post["blocks"])


def test_a_loser_leaves_its_answer_for_post_pending(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    deps = any_deps
    standup = make_standup(deps)
    with deps.db.write() as session:  # another listener claimed the parent and is posting it
        session.add(
            StandupThread(standup_id=standup, day=DAY, channel_id=CHANNEL, claimed_at=START)
        )
    answer_id = record(deps, standup)

    assert post_answer(deps, answer_id, render=THREAD) is False
    assert stored(deps)[0].posted_ts is None
    assert gateway.posts == []

    with deps.db.write() as session:  # ... and it recorded its parent
        session.get_one(StandupThread, (standup, DAY)).parent_ts = "1700000000.000900"
    assert post_pending(deps, render=THREAD) == 0  # too fresh: still in a listener's hands
    clock.advance(timedelta(seconds=31))
    assert post_pending(deps, render=THREAD) == 1

    assert [p["thread_ts"] for p in gateway.posts] == ["1700000000.000900"]
    assert stored(deps)[0].posted_ts == "1.000"
    assert post_pending(deps, render=THREAD) == 0


def test_a_stale_claim_is_a_crashed_creator_and_is_taken_over(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    deps = any_deps
    standup = make_standup(deps)
    with deps.db.write() as session:
        session.add(
            StandupThread(
                standup_id=standup, day=DAY, channel_id=CHANNEL, claimed_at=START - CLAIM_TIMEOUT
            )
        )
    answer_id = record(deps, standup)
    assert post_answer(deps, answer_id, render=THREAD) is False  # claimed exactly 2 min ago

    clock.advance(timedelta(seconds=1))
    assert post_answer(deps, answer_id, render=THREAD)

    assert len(parents(gateway)) == 1
    assert threads(deps)[0].parent_ts == "1.000"
    assert stored(deps)[0].posted_ts == "2.000"


def test_a_parent_slack_refused_is_given_back_for_the_next_try(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    deps = any_deps
    standup = make_standup(deps)
    answer_id = record(deps, standup)
    gateway.down = True
    assert post_answer(deps, answer_id, render=THREAD) is False
    assert threads(deps) == []  # not left claimed for two minutes

    gateway.down = False
    clock.advance(timedelta(minutes=1))
    assert post_pending(deps, render=THREAD) == 1
    assert len(parents(gateway)) == 1
    assert stored(deps)[0].posted_ts == "2.000"


def test_post_pending_uses_a_fixed_number_of_queries(
    deps: Deps, gateway: RecordingGateway, clock: FixedClock, sqlite_engine: Engine
) -> None:
    def queries_to_post(people: list[str], day: date) -> int:
        for standup in (first, second):
            for person in people:
                record(deps, standup, person, day=day)
        clock.advance(timedelta(minutes=1))
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(str(args[2]))

        event.listen(sqlite_engine, "before_cursor_execute", count)
        try:
            posted = post_pending(deps, render=THREAD)
        finally:
            event.remove(sqlite_engine, "before_cursor_execute", count)
        assert posted == 2 * len(people)
        return len(statements)

    first = make_standup(deps, members=MEMBERS)
    second = make_standup(deps, members=MEMBERS, channel="C0ZEUS")
    few = queries_to_post(MEMBERS[:1], DAY)
    many = queries_to_post(MEMBERS, DAY - timedelta(days=1))

    assert few == many
    assert len(parents(gateway)) == 4  # one per standup and day


# -- the DM ------------------------------------------------------------------------------------


def test_the_latest_recent_prompt_is_the_one_a_dm_answers(deps: Deps) -> None:
    first = make_standup(deps)
    second = make_standup(deps, channel="C0ZEUS")
    now = deps.clock.now()
    assert prompted_standup(deps, TEAM, ALICE, now) is None

    prompt(deps, first, ALICE, DAY - timedelta(days=3))  # too old
    prompt(deps, first, ALICE, DAY, status="sending")  # not sent (yet)
    prompt(deps, second, ALICE, DAY, team="T0OTHER")  # another workspace
    prompt(deps, first, BOB, DAY)  # someone else's
    assert prompted_standup(deps, TEAM, ALICE, now) is None

    prompt(deps, first, ALICE, DAY - timedelta(days=1))
    assert prompted_standup(deps, TEAM, ALICE, now) == (first, DAY - timedelta(days=1))
    prompt(deps, second, ALICE, DAY, sent_at=START - timedelta(hours=2))
    assert prompted_standup(deps, TEAM, ALICE, now) == (second, DAY)


def test_a_dm_reply_is_recorded_posted_and_an_edit_updates_it(
    deps: Deps, gateway: RecordingGateway
) -> None:
    standup = make_standup(deps)
    prompt(deps, standup, ALICE)

    posted = answer_by_dm(
        deps,
        team_id=TEAM,
        user_id=ALICE,
        text="did a\ndid b\nthe build is broken",
        dm_ts="1700000000.000500",
        render=THREAD,
    )

    assert (posted.outcome, posted.channel_id, posted.day, posted.replaced) == (
        "posted",
        CHANNEL,
        DAY,
        False,
    )
    [row] = stored(deps)
    assert (row.answers, row.source, row.dm_ts) == (
        ["did a", "did b", "the build is broken"],
        "dm",
        "1700000000.000500",
    )

    edited = edit_by_dm(
        deps,
        team_id=TEAM,
        user_id=ALICE,
        text="did a\ndid b\nnone",
        dm_ts="1700000000.000500",
        render=THREAD,
    )
    assert (edited.outcome, edited.replaced) == ("posted", True)
    [update] = [p for p in gateway.posts if p["kind"] == "update"]
    assert update["ts"] == row.posted_ts
    assert button_values(update["blocks"]) == []  # no blocker any more

    other = edit_by_dm(
        deps, team_id=TEAM, user_id=ALICE, text="hi", dm_ts="1700000000.000999", render=THREAD
    )
    assert other.outcome == "ignored"


def test_a_dm_without_a_prompt_or_with_bad_answers_changes_nothing(deps: Deps) -> None:
    standup = make_standup(deps)
    nothing = answer_by_dm(
        deps, team_id=TEAM, user_id=ALICE, text="hello", dm_ts="1.1", render=THREAD
    )
    assert nothing.outcome == "no_prompt"

    prompt(deps, standup, ALICE)
    bad = answer_by_dm(
        deps,
        team_id=TEAM,
        user_id=ALICE,
        text="a\n" + "x" * 2001 + "\nnone",
        dm_ts="1.2",
        render=THREAD,
    )
    assert bad.outcome == "invalid"
    assert bad.problems == (
        ("What will you do next?", "That is 2,001 characters; the most is 2,000."),
    )
    assert stored(deps) == []


# -- blockers as issues ------------------------------------------------------------------------


def test_a_blocker_is_found_with_the_channels_project(deps: Deps, alice: Actor) -> None:
    standup = make_standup(deps)
    blocked = record(deps, standup, BOB, answers=["a", "b", "waiting on legal"])
    clear = record(deps, standup, ALICE, answers=["a", "b", "nope"])

    found = standup_answers.blocker_of(deps, team_id=TEAM, answer_id=blocked)
    assert (found.text, found.user_id, found.channel_id, found.project) == (
        "waiting on legal",
        BOB,
        CHANNEL,
        None,
    )
    projects.bind_project(deps, alice, "Apollo")
    found = standup_answers.blocker_of(deps, team_id=TEAM, answer_id=blocked)
    assert found.project is not None
    assert found.project.slug == "apollo"

    with pytest.raises(Conflict, match="names no blocker"):
        standup_answers.blocker_of(deps, team_id=TEAM, answer_id=clear)
    with pytest.raises(NotFound):
        standup_answers.blocker_of(deps, team_id="T0EVIL", answer_id=blocked)


# -- concurrency ---------------------------------------------------------------------------------


def test_eight_members_answering_at_once_make_one_parent(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    deps = any_deps
    standup = make_standup(deps, members=MEMBERS)
    start = threading.Barrier(len(MEMBERS))
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def answer(user_id: str) -> None:
        try:
            start.wait()
            answer_id = record(deps, standup, user_id, answers=[f"work of {user_id}", "more"])
            results[user_id] = post_answer(deps, answer_id, render=THREAD)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=answer, args=(user,)) for user in MEMBERS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert len(results) == len(MEMBERS)

    clock.advance(timedelta(seconds=31))
    later = post_pending(deps, render=THREAD)

    [parent] = parents(gateway)
    [thread] = threads(deps)
    assert parent["channel"] == CHANNEL
    assert thread.parent_ts is not None
    posts = in_thread(gateway, thread.parent_ts)
    assert sorted(p["text"].split("'")[0] for p in posts) == sorted(f"<@{u}>" for u in MEMBERS)
    assert sum(results.values()) + later == len(MEMBERS)
    assert all(row.posted_ts for row in stored(deps))
    assert post_pending(deps, render=THREAD) == 0
    assert len(gateway.posts) == len(MEMBERS) + 1


# -- the adapter's reading of message events -------------------------------------------------


def _dm(**fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "D0ALICE",
        "channel_type": "im",
        "user": ALICE,
        "text": "did a",
        "ts": "1700000000.000100",
    } | fields


def _edit(message: dict[str, Any], previous: str = "old") -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": "D0ALICE",
        "channel_type": "im",
        "ts": "1700000050.000100",
        "hidden": True,
        "message": {"type": "message", "ts": "1700000000.000100", "text": "new"} | message,
        "previous_message": {"type": "message", "text": previous},
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_dm(), ("D0ALICE", ALICE, "did a", "1700000000.000100", False)),
        (
            _dm(thread_ts="1699999999.000100"),
            ("D0ALICE", ALICE, "did a", "1700000000.000100", False),
        ),
        (_edit({"user": ALICE}), ("D0ALICE", ALICE, "new", "1700000000.000100", True)),
        (_dm(channel="C0APOLLO", channel_type="channel"), None),
        (_dm(user="UBOT", bot_id="BBOT"), None),
        (_dm(bot_id="B0OTHER", user=None, subtype="bot_message"), None),
        (_dm(user="UBOT"), None),
        (_edit({"user": "UBOT", "bot_id": "BBOT"}), None),
        (_edit({"user": ALICE}, previous="new"), None),
        (_dm(subtype="message_deleted"), None),
        (_dm(subtype="file_share"), None),
    ],
    ids=[
        "reply",
        "in-a-thread",
        "edit",
        "a-channel",
        "ours",
        "another-bot",
        "ours-without-bot-id",
        "our-edit",
        "unfurl",
        "deleted",
        "file",
    ],
)
def test_only_peoples_messages_and_edits_in_the_dm_count(
    event: dict[str, Any], expected: tuple[str, str, str, str, bool] | None
) -> None:
    message = direct_message(event, "UBOT")
    found = (
        None
        if message is None
        else (
            message.channel,
            message.user,
            message.text,
            message.ts,
            message.edited,
        )
    )
    assert found == expected


# -- blocks ------------------------------------------------------------------------------------


@pytest.fixture
def specs() -> None:
    if not specs_available():
        pytest.skip("Slack specs not found")


def test_the_parent_and_posts_fit_block_kit_with_the_largest_answers(specs: None) -> None:
    questions = tuple(f"Question {n} " + "q" * 140 for n in range(5))
    answers = ["<&>" * 666 + "xx"] * 5  # 2,000 characters, five times longer escaped
    text, blocks = render_answer(7, ALICE, questions, answers, blocker=4)
    validate_message_payload({"text": text, "blocks": blocks})
    assert len(text) < 1000
    assert button_values(blocks) == [(ids.STANDUP_LOG_BLOCKER, "7")]

    plain = ["word " * 400] * 5  # 2,000 characters: shown whole
    _, blocks = render_answer(7, ALICE, questions, plain, blocker=None)
    validate_message_payload({"text": "t", "blocks": blocks})
    assert all(("word " * 399).strip() in b["text"]["text"] for b in blocks[1:])

    text, blocks = render_parent(DAY, questions)
    validate_message_payload({"text": text, "blocks": blocks})
    text, blocks = render_answer(8, BOB, DEFAULT_QUESTIONS, ["<!channel> did a"], blocker=None)
    validate_message_payload({"text": text, "blocks": blocks})
    assert "<!channel>" not in text + block_text(blocks)
    assert "—" in block_text(blocks)  # the questions left unanswered


def test_the_modal_has_one_prefilled_input_per_question(specs: None) -> None:
    view = answer_modal(3, DAY, CHANNEL, DEFAULT_QUESTIONS, ("did a", "", ""), blocker=2)
    validate_blocks(view["blocks"], surface="modal")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == list(DEFAULT_QUESTIONS)
    assert inputs[0]["element"]["initial_value"] == "did a"
    assert "initial_value" not in inputs[1]["element"]
    assert "hint" in inputs[2]
    assert (view["callback_id"], view["private_metadata"]) == (ids.STANDUP_VIEW, "3:2026-11-19")
    assert len(view["title"]["text"]) <= 24

    state = {b["block_id"]: {"answer": {"type": "plain_text_input", "value": None}} for b in inputs}
    state[inputs[2]["block_id"]]["answer"]["value"] = "blocked"
    assert read_answers(state) == ["", "", "blocked"]
    assert answer_errors({0: "Answer at least one question."}) == {
        inputs[0]["block_id"]: "Answer at least one question."
    }


def test_button_values_read_back_and_stale_ones_are_refused() -> None:
    assert read_standup_day(standup_day_value(12, DAY)) == (12, DAY)
    for bad in (None, "", "12", "x:2026-11-19", "12:2026-13-40", "12:2026-11-19:x"):
        with pytest.raises(UserError, match="out of date"):
            read_standup_day(bad)


def test_dm_replies_fit_block_kit(specs: None) -> None:
    for reply in (
        render_answer_saved(CHANNEL, posted=True, replaced=False),
        render_answer_saved(CHANNEL, posted=True, replaced=True),
        render_answer_saved(CHANNEL, posted=False, replaced=False),
        render_answer_problems([("What?", "Answer at least one question."), ("", "x" * 3000)]),
        render_dm_help(),
    ):
        validate_message_payload({"text": reply.text, "blocks": reply.blocks})
    posted = render_answer_saved(CHANNEL, posted=True, replaced=False)
    assert posted.text == ":white_check_mark: Posted in <#C0APOLLO>'s standup thread."
