"""Replays are no-ops, through the real app on SQLite and PostgreSQL: every button pressed twice
with the same payload, and every form delivered twice, changes things once; buttons drawn before
presses carried what they act on still work as they did."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.services.tick import run_tick
from handlers import ids
from handlers.blocks.reminders import render_due
from storage.models import Action, AuditEvent, Risk, StandupAnswer, ViewSubmission
from tests.conftest import ALICE, BOB, CHANNEL
from tests.scenario.conftest import SlackSide, count, stored
from tests.scenario.test_controls_and_mentions import all_text, last_response, press
from tests.scenario.test_modals import (
    LINK,
    RISK_FORM,
    command,
    log_message,
    opened,
    option,
    posts_to,
    press_update,
    states,
    submit,
    text,
    user,
)
from tests.scenario.test_modals import day as picked_day
from tests.scenario.test_standup_answers import DM, answer_states, seed_standup
from tests.scenario.test_standup_answers import submit as submit_answers
from tests.support.signing import new_view_id
from tests.support.slack_api import FakeSlackWebAPI

CAROL = "U0CAROL"
LIST = "list:open::apollo:1"


@pytest.fixture
def apollo(any_slack: SlackSide, fake: FakeSlackWebAPI) -> SlackSide:
    fake.set_user(ALICE, tz="Europe/London", name="alice")
    fake.set_user(BOB, tz="America/New_York", name="bob")
    any_slack.reply("/pmo", "project Apollo")
    return any_slack


def drawn_controls(slack: SlackSide, command_name: str, ref: str) -> dict[str, Any]:
    """The controls block drawn under `ref` in the command's list, as a person sees it now."""
    listing = slack.reply(command_name, "list")
    prefix = ids.controls_block(ref)
    return next(
        b
        for b in listing["blocks"]
        if b["type"] == "actions" and b["block_id"].split("|")[0] == prefix
    )


def drawn_value(slack: SlackSide, command_name: str, ref: str, action_id: str) -> str:
    """What the button carries: its value (the user picker's, which has none: its block id)."""
    controls = drawn_controls(slack, command_name, ref)
    for element in controls["elements"]:
        if element["action_id"] == action_id:
            value = element.get("value")
            if value is None:
                return str(controls["block_id"]).removeprefix(ids.CONTROLS_BLOCK)
            return str(value).replace(" ", "|")
    raise AssertionError(f"no {action_id} under {ref}")


def press_drawn(
    slack: SlackSide, fake: FakeSlackWebAPI, action_id: str, drawn: str, **options: Any
) -> None:
    press(slack, fake, action_id, drawn.replace("|", " "), **options)


def audits(engine: Engine, verb: str) -> int:
    return sum(1 for event in stored(engine, AuditEvent) if event.verb == verb)


# -- buttons ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_id", "due", "snoozed"),
    [
        (ids.SNOOZE_DAY, "due tomorrow", date(2026, 11, 21)),
        (ids.SNOOZE_WEEK, "due tomorrow", date(2026, 11, 27)),
        (ids.SNOOZE_DAY, "due tomorrow 17:00", date(2026, 11, 21)),
        (ids.SNOOZE_DAY, "", date(2026, 11, 20)),  # no due date: snoozed from today
    ],
    ids=["day", "week", "due-time", "no-due-date"],
)
def test_a_snooze_pressed_twice_moves_the_due_date_once(
    apollo: SlackSide,
    fake: FakeSlackWebAPI,
    any_engine: Engine,
    action_id: str,
    due: str,
    snoozed: date,
) -> None:
    apollo.reply("/action", f"add send contract {due}".strip())
    drawn = drawn_value(apollo, "/action", "A-1", action_id)

    press_drawn(apollo, fake, action_id, drawn)
    press_drawn(apollo, fake, action_id, drawn)

    [action] = stored(any_engine, Action)
    assert action.due_on == snoozed
    assert audits(any_engine, "snoozed") == 1
    assert len(posts_to(fake, CHANNEL)) == 1  # announced once
    note = all_text(last_response(fake))
    assert "A-1 was already moved: it is due" in note
    assert "Nothing changed" in note
    assert snoozed.strftime("%a %-d %b") in note  # the due date as it is now


def test_a_snooze_from_a_message_drawn_before_the_due_date_changed_says_so(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract due tomorrow")
    drawn = drawn_value(apollo, "/action", "A-1", ids.SNOOZE_WEEK)
    apollo.reply("/action", "due A-1 1 December")

    press_drawn(apollo, fake, ids.SNOOZE_WEEK, drawn)

    assert stored(any_engine, Action)[0].due_on == date(2026, 12, 1)
    assert "A-1 was already moved: it is due Tue 1 Dec" in all_text(last_response(fake))
    assert audits(any_engine, "snoozed") == 0


@pytest.mark.parametrize(
    ("command_name", "added", "action_id", "verb", "status"),
    [
        ("/action", "send contract", ids.DONE, "done", "done"),
        ("/risk", "Vendor may slip", ids.CLOSE, "closed", "closed"),
    ],
    ids=["done", "close"],
)
def test_done_or_close_pressed_twice_closes_once_and_says_it_was_already(
    apollo: SlackSide,
    fake: FakeSlackWebAPI,
    any_engine: Engine,
    command_name: str,
    added: str,
    action_id: str,
    verb: str,
    status: str,
) -> None:
    apollo.reply(command_name, f"add {added}")
    ref = "A-1" if command_name == "/action" else "R-1"
    drawn = drawn_value(apollo, command_name, ref, action_id)

    press_drawn(apollo, fake, action_id, drawn)
    press_drawn(apollo, fake, action_id, drawn)

    model = Action if command_name == "/action" else Risk
    assert stored(any_engine, model)[0].status == status
    assert audits(any_engine, verb) == 1
    assert len(posts_to(fake, CHANNEL)) == 1
    note = all_text(last_response(fake))
    assert f"{ref} is already {status}" in note
    assert "Nothing changed" in note


def test_a_reassignment_pressed_twice_hands_over_once(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    drawn = drawn_value(apollo, "/action", "A-1", ids.REASSIGN)
    assert drawn.endswith(f"owner={ALICE}")

    press_drawn(apollo, fake, ids.REASSIGN, drawn, selected_user=BOB)
    press_drawn(apollo, fake, ids.REASSIGN, drawn, selected_user=BOB)

    assert stored(any_engine, Action)[0].owner_id == BOB
    assert audits(any_engine, "assigned") == 1
    assert len(posts_to(fake, CHANNEL)) == 1
    assert f"A-1 is already with <@{BOB}>" in all_text(last_response(fake))


def test_a_reassignment_from_a_message_drawn_before_a_handover_changes_nothing(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    stale = drawn_value(apollo, "/action", "A-1", ids.REASSIGN)
    press_drawn(apollo, fake, ids.REASSIGN, stale, selected_user=BOB)

    press_drawn(apollo, fake, ids.REASSIGN, stale, selected_user=CAROL)  # still shows Alice

    assert stored(any_engine, Action)[0].owner_id == BOB
    assert audits(any_engine, "assigned") == 1
    assert f"A-1 is already with <@{BOB}>" in all_text(last_response(fake))
    fresh = drawn_value(apollo, "/action", "A-1", ids.REASSIGN)  # redrawn: hands over from Bob
    press_drawn(apollo, fake, ids.REASSIGN, fresh, selected_user=CAROL)
    assert stored(any_engine, Action)[0].owner_id == CAROL


def test_buttons_drawn_before_presses_carried_the_item_still_work_as_they_did(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract due tomorrow")
    apollo.reply("/action", "add call the vendor")
    apollo.reply("/risk", "add Vendor may slip")

    press(apollo, fake, ids.SNOOZE_DAY, f"A-1 {LIST}")  # values as they were: ref and origin
    press(apollo, fake, ids.SNOOZE_DAY, f"A-1 {LIST}")
    press(apollo, fake, ids.REASSIGN, f"A-2 {LIST}", selected_user=BOB)
    press(apollo, fake, ids.DONE, "A-2")
    press(apollo, fake, ids.CLOSE, "R-1 show")

    first, second = sorted(stored(any_engine, Action), key=lambda a: a.number)
    assert first.due_on == date(2026, 11, 22)  # moved twice, as such a press always did
    assert (second.owner_id, second.status) == (BOB, "done")
    assert stored(any_engine, Risk)[0].status == "closed"
    assert "closed R-1" in all_text(last_response(fake))


# -- forms -----------------------------------------------------------------------------------------


def test_the_add_form_delivered_twice_stores_one_risk(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    command(apollo, "/risk add")
    form, view_id = opened(fake), new_view_id()

    first = submit(apollo, form, RISK_FORM, view_id=view_id)
    again = submit(apollo, form, RISK_FORM, view_id=view_id)

    assert first.body == again.body == b""  # both close the form
    assert count(any_engine, Risk) == 1
    assert audits(any_engine, "created") == 1
    assert len(posts_to(fake, CHANNEL)) == 1
    assert count(any_engine, ViewSubmission) == 1


def test_a_form_delivered_again_after_the_ticks_sweep_still_stores_one_risk(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine, clock: FixedClock
) -> None:
    command(apollo, "/risk add")
    form, view_id = opened(fake), new_view_id()
    submit(apollo, form, RISK_FORM, view_id=view_id)
    clock.advance(timedelta(hours=1))  # well past Slack's retries, well inside the keep window

    report = run_tick(apollo.web.deps, render_due, worker="w1")
    again = submit(apollo, form, RISK_FORM, view_id=view_id)

    assert (report.swept, again.body) == (0, b"")
    assert count(any_engine, Risk) == 1
    assert count(any_engine, ViewSubmission) == 1


def test_a_refused_submission_holds_nothing_back_from_its_corrected_one(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    command(apollo, "/risk add")
    form, view_id = opened(fake), new_view_id()

    refused = submit(apollo, form, RISK_FORM | states(title=text(" ")), view_id=view_id)
    form["private_metadata"] = form["private_metadata"].replace('"apollo"', '"gone"')
    gone = submit(apollo, form, RISK_FORM, view_id=view_id)  # refused by the service
    form["private_metadata"] = form["private_metadata"].replace('"gone"', '"apollo"')
    corrected = submit(apollo, form, RISK_FORM, view_id=view_id)

    assert refused.json()["response_action"] == "errors"
    assert gone.json()["response_action"] == "push"
    assert corrected.body == b""
    assert count(any_engine, Risk) == 1


def test_the_edit_form_delivered_twice_changes_the_risk_once(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/risk", "add Vendor may slip")
    press_update(apollo, fake, "R-1")
    form, view_id = opened(fake), new_view_id()
    changed = states(
        title=text("Vendor may slip"),
        likelihood=option("3"),
        impact=option("5"),
        owner=user(ALICE),
        status=option("open"),
    )

    assert submit(apollo, form, changed, view_id=view_id).body == b""
    assert submit(apollo, form, changed, view_id=view_id).body == b""

    assert stored(any_engine, Risk)[0].impact == 5
    assert audits(any_engine, "updated") == 1
    assert len(posts_to(fake, CHANNEL)) == 1


def test_the_message_form_delivered_twice_logs_the_message_once(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    fake.set_response("chat.getPermalink", {"ok": True, "channel": CHANNEL, "permalink": LINK})
    log_message(apollo, fake, "Vendor may slip")
    form, view_id = opened(fake), new_view_id()
    values = states(title=text("Vendor may slip"), owner=user(BOB), due=picked_day("2026-11-24"))
    values |= states(kind=option("A"))

    submit(apollo, form, values, view_id=view_id)
    submit(apollo, form, values, view_id=view_id)

    [action] = stored(any_engine, Action)
    assert action.source_link == LINK
    assert len(posts_to(fake, CHANNEL)) == 1


def test_the_standup_form_delivered_twice_stores_and_posts_the_answers_once(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    standup = seed_standup(apollo, any_engine)
    press(apollo, fake, ids.STANDUP_ANSWER, f"{standup}:2026-11-19")
    form, view_id = opened(fake), new_view_id()
    answers = answer_states("the login page", "the signup form", "none")

    assert submit_answers(apollo, form, answers, view_id=view_id).body == b""
    assert submit_answers(apollo, form, answers, view_id=view_id).body == b""

    [answer] = stored(any_engine, StandupAnswer)
    assert answer.answers == ["the login page", "the signup form", "none"]
    assert len(posts_to(fake, CHANNEL)) == 2  # the day's parent and the answer, once
    assert fake.calls_to("chat.update") == []
    assert not posts_to(fake, DM)


def test_the_same_submission_delivered_eight_times_at_once_is_stored_once(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    command(apollo, "/risk add")
    form, view_id = opened(fake), new_view_id()
    start = threading.Barrier(8)

    def deliver() -> bytes:
        start.wait()
        return submit(apollo, form, RISK_FORM, view_id=view_id).body

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: deliver(), range(8)))

    assert answers == [b""] * 8  # each closes the form
    assert count(any_engine, Risk) == 1
    assert len(posts_to(fake, CHANNEL)) == 1


def test_each_new_form_is_its_own_submission(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    for _ in range(2):
        command(apollo, "/risk add")
        submit(apollo, opened(fake), RISK_FORM)

    assert count(any_engine, Risk) == 2
    received = [row.received_at for row in stored(any_engine, ViewSubmission)]
    assert len(received) == 2
    assert all(isinstance(at, datetime) and at.tzinfo is not None for at in received)
