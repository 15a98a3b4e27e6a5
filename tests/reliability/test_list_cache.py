"""A list asked again is drawn from the process's page cache (bot.page_cache) and costs one
read, yet never shows anything but what drawing it afresh would: after any change by anyone,
when a due time passes, for a reader in another zone, and never to someone refused the
project. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event

from bot.clock import FixedClock
from handlers import ids
from tests.conftest import ALICE, BOB
from tests.reliability.test_private_projects import NOT_IN, SECRET, skunk
from tests.scenario.conftest import SlackSide, reply_text
from tests.scenario.test_controls_and_mentions import press
from tests.support.slack_api import FakeSlackWebAPI

__all__ = ["skunk"]  # the fixture, shared with the private-project tests
PLUMBING = ("BEGIN", "SELECT 1", "SELECT set_config")  # a transaction's, a pool's ping


def queries_during(engine: Engine, run: Callable[[], Any]) -> list[str]:
    """The statements `run` sent the database, less the transaction and pool plumbing."""
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return [s for s in seen if not s.lstrip().startswith(PLUMBING)]


def listed(slack: SlackSide, command: str = "/risk", text: str = "list", **who: Any) -> str:
    return reply_text(slack.reply(command, text, **who))


def test_a_repeated_list_is_one_read_and_the_same_answer(
    any_slack: SlackSide, any_engine: Engine
) -> None:
    any_slack.reply("/pmo", "project Apollo")
    for n in range(3):
        any_slack.reply("/risk", f"add Vendor {n} may slip impact:high")
    first = any_slack.reply("/risk", "list")
    again: list[dict[str, Any]] = []
    reads = queries_during(any_engine, lambda: again.append(any_slack.reply("/risk", "list")))
    assert again == [first]
    assert len(reads) == 1, reads
    assert "register_versions" in reads[0]


def test_every_change_by_anyone_is_listed_at_once(
    any_slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    any_slack.reply("/pmo", "project Apollo")
    any_slack.reply("/action", f"add <@{BOB}|bob> send the contract due tomorrow")
    assert "send the contract" in listed(any_slack, "/action")
    any_slack.reply("/action", "add book the room due friday", user_id=BOB, user_name="bob")
    assert "book the room" in listed(any_slack, "/action")
    any_slack.reply("/action", 'update A-1 text:"send the signed contract"')
    assert "send the signed contract" in listed(any_slack, "/action")
    press(any_slack, fake, ids.DONE, "A-2", user=BOB)
    any_slack.settle()
    assert "book the room" not in listed(any_slack, "/action")
    assert "book the room" in listed(any_slack, "/action", "list done")


def test_a_due_time_passing_marks_it_overdue_with_no_write(
    any_slack: SlackSide, clock: FixedClock
) -> None:
    any_slack.reply("/pmo", "project Apollo")  # the clock reads Thursday 15:00 in London
    any_slack.reply("/action", "add call the vendor due today 16:00")
    any_slack.reply("/action", "add file the report due next friday")
    assert "overdue" not in listed(any_slack, "/action")
    clock.advance(timedelta(hours=1, minutes=1))
    assert listed(any_slack, "/action").count("overdue") == 1
    clock.advance(timedelta(days=8))  # past midnight and the day-only due: no write either
    assert listed(any_slack, "/action").count("overdue") == 2


def test_a_reader_in_another_zone_reads_their_own_dates(
    any_slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    fake.set_user(BOB, tz="Australia/Sydney")
    any_slack.reply("/pmo", "project Apollo")
    any_slack.reply("/action", "add call the vendor due today 16:00")
    assert "GMT" in listed(any_slack, "/action")
    sydney = listed(any_slack, "/action", user_id=BOB, user_name="bob")
    assert "AEDT" in sydney
    assert "GMT" not in sydney


def test_a_page_a_member_drew_is_never_shown_to_a_non_member(skunk: SlackSide) -> None:
    mine = listed(skunk, "/action", "list project:skunk", user_id=ALICE)
    assert "review the budget" in mine
    refused = listed(skunk, "/action", "list project:skunk", user_id=BOB, user_name="bob")
    assert NOT_IN in refused
    assert "review the budget" not in refused
    assert SECRET in refused
