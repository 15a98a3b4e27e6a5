"""The ack budget, Slack's side: a slow or rate-limited Slack never holds an answer. A person
never seen is answered at once in the workspace's zone and looked up afterwards; the Web API
calls made before the answer give up within bot.slack.ACK_TIMEOUT and are not retried, while
the work after the answer still waits Slack out."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.deps import Deps
from bot.slack import ACK_TIMEOUT
from storage.models import Action
from tests.conftest import BOB
from tests.scenario.conftest import SlackSide, reply_text, scenario_deps
from tests.support.slack_api import FakeSlackWebAPI

CAROL = "U0CAROL"
ANSWERED_WITHIN = 1.5  # seconds: well inside Slack's 3
SLOW = 3.0  # seconds Slack takes over users.info when slow
# 02:00 UTC on Thursday 19 November: Wednesday evening in New York, Thursday in Tokyo, so
# "tomorrow" is the 19th in Bob's project's zone and the 20th in Carol's own.
EARLY_THURSDAY = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


@pytest.fixture
def app_deps(any_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    """The real app on SQLite and PostgreSQL; the scenario `slack` fixture serves it."""
    return scenario_deps(any_engine, clock, fake)


def timed(slack: SlackSide, command: str, text: str, **options: Any) -> tuple[str, float]:
    started = time.monotonic()
    answer = slack.reply(command, text, **options)
    return reply_text(answer), time.monotonic() - started


def dues(engine: Engine) -> dict[str, date | None]:
    with Session(engine) as session:
        return {a.title: a.due_on for a in session.scalars(select(Action).order_by(Action.id))}


def slow_users_info(fake: FakeSlackWebAPI, how: str) -> None:
    if how == "slow":
        fake.slow_down("users.info", SLOW)
    else:
        fake.fail_next("users.info", status=429, retry_after=int(SLOW))


@pytest.mark.parametrize("how", ["slow", "rate limited"])
def test_a_new_person_is_answered_at_once_and_their_zone_is_used_once_slack_answers(
    slack: SlackSide,
    fake: FakeSlackWebAPI,
    app_deps: Deps,
    clock: FixedClock,
    any_engine: Engine,
    how: str,
) -> None:
    clock.set(EARLY_THURSDAY)
    slack.reply("/pmo", "project Apollo", user_id=BOB, user_name="bob")  # New York's zone
    fake.set_user(CAROL, "Asia/Tokyo", "carol")
    slow_users_info(fake, how)
    carol = {"user_id": CAROL, "user_name": "carol"}

    first, first_took = timed(slack, "/action", "add call the vendor due tomorrow", **carol)
    again, again_took = timed(slack, "/action", "add book the room due tomorrow", **carol)

    assert "A-1" in first
    assert "A-2" in again
    assert max(first_took, again_took) < ANSWERED_WITHIN
    assert len(fake.calls_to("users.info")) == 2  # Bob's, then one look-up of Carol's at a time
    assert app_deps.background.settle(timeout=SLOW + 5)
    later, _ = timed(slack, "/action", "add send the minutes due tomorrow", **carol)

    assert "A-3" in later
    assert dues(any_engine) == {
        "call the vendor": date(2026, 11, 19),  # the project's zone, while Slack was asked
        "book the room": date(2026, 11, 19),
        "send the minutes": date(2026, 11, 20),  # Carol's own, Asia/Tokyo
    }
    carols = [call for call in fake.calls_to("users.info") if call.params["user"] == CAROL]
    assert len(carols) == (1 if how == "slow" else 2)  # a 429 is waited out after the answer


@pytest.mark.parametrize("how", ["slow", "rate limited"])
def test_slack_calls_before_the_answer_give_up_in_time_and_are_not_retried(
    slack: SlackSide, fake: FakeSlackWebAPI, how: str
) -> None:
    slack.reply("/pmo", "project Apollo")
    if how == "slow":
        fake.stall_next("views.open", seconds=ACK_TIMEOUT + 3)
    else:
        fake.fail_next("views.open", status=429, retry_after=5)

    answer, took = timed(slack, "/risk", "add")  # opens the form, through views.open

    assert "I couldn't open the form" in answer
    assert took < ACK_TIMEOUT + 1
    assert len(fake.calls_to("views.open")) == 1


def test_work_after_the_answer_still_waits_out_a_rate_limit(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    slack.reply("/pmo", "project Apollo")
    slack.reply("/risk", "add vendor may slip")
    fake.fail_next("files.getUploadURLExternal", status=429, retry_after=1)

    answer, took = timed(slack, "/risk", "export")
    slack.settle()

    assert "Preparing the CSV" in answer
    assert took < ANSWERED_WITHIN
    assert [c.failed for c in fake.calls_to("files.getUploadURLExternal")] == [True, False]
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
