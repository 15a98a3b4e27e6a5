"""Slack misbehaving while the worker sends (rate limits, 5xx, timeouts, a channel closed to the
bot, for escalations and standup summaries): every delivery reaches Slack exactly once in the
end, and each failure is logged."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

import tests.storage.test_standup_tick as standup_tick
from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, projects
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from bot.slack import WebApiGateway, make_web_client
from handlers.blocks.reminders import render_due
from storage.db import Database
from storage.models import Delivery
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.scenario.conftest import TOKEN
from tests.support.fakes import RecordingGateway
from tests.support.slack_api import FakeSlackWebAPI

LONDON = ZoneInfo("Europe/London")
CLIENT_TIMEOUT = 0.5  # seconds the worker's client waits for an answer
STALL = 1.5  # seconds the fake Slack takes to answer a stalled call: a timeout for the client
standup = standup_tick.standup  # #apollo's standup, set up by Ann: a fixture
ALICE_TODAY = f"reminder:{TEAM}:{ALICE}:2026-11-19"
BOB_TODAY = f"reminder:{TEAM}:{BOB}:2026-11-19"


@pytest.fixture
def worker(any_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    """Apollo, set up by Alice in #apollo, with A-1 (Alice's) and A-2 (Bob's) due Monday 16
    Nov: on Thursday 19th at 15:00 UTC both are three working days late (escalated in the
    channel) and both owners are due their reminder DM."""
    settings = Settings(database_url=any_engine.url.render_as_string(hide_password=False))
    client = make_web_client(TOKEN, fake.base_url, timeout=CLIENT_TIMEOUT)
    deps = Deps(settings, clock, WebApiGateway(client), Database(any_engine))
    alice = Actor(TEAM, ALICE, CHANNEL, timezone="Europe/London")
    projects.bind_project(deps, alice, "Apollo")
    for owner in (ALICE, BOB):
        add_action(deps, owner, date(2026, 11, 16))
    return deps


def add_action(deps: Deps, owner: str, due: date) -> None:
    alice = Actor(TEAM, ALICE, CHANNEL, timezone="Europe/London")
    values: dict[str, Any] = {"title": f"chase {owner} by {due}", "owner": owner, "due": due}
    items.add_item(deps, alice, Kind.ACTION, values, None)


def run(deps: Deps) -> TickReport:
    return run_tick(deps, render_due, worker="w1")


def ledger(deps: Deps) -> dict[str, Delivery]:
    with deps.db.read() as session:
        return {row.key: row for row in session.scalars(select(Delivery))}


def warnings_about(caplog: pytest.LogCaptureFixture, key: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and key in r.getMessage()
    ]


def test_rate_limits_server_errors_and_timeouts_lose_nothing_and_send_nothing_twice(
    worker: Deps, fake: FakeSlackWebAPI, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Alice's DM: rate limited past the client's three retries, then two 500s, then a call
    # Slack takes but answers too late. Bob's: one 500. Only 429s are retried by the client
    # (Slack refused those); every other failure may have been posted, and the ledger looks.
    fake.fail_next("chat.postMessage", 4, status=429, retry_after=0, channel=ALICE)
    fake.fail_next("chat.postMessage", 2, status=500, channel=ALICE)
    fake.stall_next("chat.postMessage", seconds=STALL, channel=ALICE)
    fake.fail_next("chat.postMessage", 1, status=500, channel=BOB)
    caplog.set_level(logging.INFO)

    passes = [run(worker)]  # Alice: 429 ×4, failed (surely); Bob: a 500, failed (unsure)
    clock.advance(timedelta(seconds=30))
    passes.append(run(worker))  # too early: nothing
    clock.advance(timedelta(seconds=30))
    passes.append(run(worker))  # Alice: a 500; Bob's DM looked for, absent, sent
    clock.advance(timedelta(minutes=2))
    passes.append(run(worker))  # Alice: looked for, absent; a 500 again
    clock.advance(timedelta(minutes=4))
    passes.append(run(worker))  # Alice: looked for, absent; the stalled call: a timeout
    clock.advance(timedelta(minutes=8))
    passes.append(run(worker))  # Alice: looked for, found (Slack had posted it): settled
    clock.advance(timedelta(hours=1))
    passes.append(run(worker))  # nothing left to do

    keys = {ALICE_TODAY, BOB_TODAY, f"escalation:{TEAM}:A-1:2026-11-16"}
    keys.add(f"escalation:{TEAM}:A-2:2026-11-16")
    assert Counter(fake.posted_keys()) == dict.fromkeys(keys, 1)
    assert {key: row.status for key, row in ledger(worker).items()} == dict.fromkeys(keys, "sent")
    assert [(p.sent, p.failed, p.settled) for p in passes] == [
        (2, 2, 0),
        (0, 0, 0),
        (1, 1, 1),
        (0, 1, 1),
        (0, 1, 1),
        (0, 0, 1),
        (0, 0, 0),
    ]
    assert ledger(worker)[ALICE_TODAY].attempts == 4  # the sixth pass only looked
    assert ledger(worker)[ALICE_TODAY].message_ts  # the ts of the message found
    # Before each retry that followed an answer-less failure (the 500s, the timeout), the
    # worker looked in the DM for the message; not after the 429s, which Slack refused.
    posts = fake.calls_to("chat.postMessage")
    assert sum(1 for call in posts if call.params["channel"] == BOB) == 2  # no client retry
    history = fake.calls_to("conversations.history")
    assert [call.params["channel"] for call in history] == [BOB, ALICE, ALICE, ALICE]
    # Every failure said what happened to which send.
    alice_lines = "\n".join(warnings_about(caplog, ALICE_TODAY))
    for seen in ("ratelimited (HTTP 429)", "(HTTP 500)", "TimeoutError", "retrying in"):
        assert seen in alice_lines
    assert "settled " + ALICE_TODAY in caplog.text
    assert "(HTTP 500)" in "\n".join(warnings_about(caplog, BOB_TODAY))


def notices(fake: FakeSlackWebAPI) -> list[dict[str, Any]]:
    return [
        call.params
        for call in fake.calls_to("chat.postMessage")
        if not call.failed
        and call.params["channel"] == ALICE
        and "channel-lost" in str(call.params.get("metadata"))
    ]


def test_a_channel_closed_to_the_bot_is_not_retried_and_its_owner_is_told_once(
    worker: Deps, fake: FakeSlackWebAPI, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    for due in (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)):
        add_action(worker, BOB, due)  # late on Fri, Mon and Tue
    fake.fail_next("chat.postMessage", 3, error="not_in_channel", channel=CHANNEL)
    # Alice's DMs are briefly refused too: her reminder's and the notice's first tries fail.
    fake.fail_next("chat.postMessage", 4, status=500, channel=ALICE)
    caplog.set_level(logging.INFO)

    first = run(worker)  # Thu: A-1 and A-2's escalations refused; the notice fails (500)
    clock.advance(timedelta(minutes=1))
    second = run(worker)  # looked for, absent; the retries fail (500) too
    clock.advance(timedelta(minutes=30))
    third = run(worker)  # looked for, absent: the reminder and the notice go out
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=LONDON))
    friday = run(worker)  # A-3's escalation refused: same episode, nobody told again

    assert (first.dropped, first.failed, second.sent, third.sent, friday.dropped) == (
        2,
        2,
        0,
        2,
        1,
    )
    [notice] = notices(fake)
    assert "I can't post in <#C0APOLLO> any more" in notice["text"]
    assert "/invite @PMO Bot" in notice["text"]
    assert "*Apollo*" in str(notice["blocks"])
    refused = [r for k, r in ledger(worker).items() if k.startswith("escalation:")]
    assert {(r.status, r.attempts, r.last_error) for r in refused} == {
        ("dropped", 1, "not_in_channel")
    }
    assert len(refused) == 3  # refused for good at once: not retried every pass
    assert "cannot post in C0APOLLO (not_in_channel)" in caplog.text

    fake.clear_faults()  # someone invites the bot back
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=LONDON))
    monday = run(worker)  # A-4's escalation goes through: the episode is over
    fake.fail_next("chat.postMessage", 1, error="is_archived", channel=CHANNEL)
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=LONDON))
    tuesday = run(worker)  # A-5's refused: a new episode, Alice is told again, once
    clock.advance(timedelta(hours=1))
    run(worker)

    assert f"escalation:{TEAM}:A-4:2026-11-18" in fake.posted_keys()
    assert (monday.dropped, tuesday.dropped) == (0, 1)
    _, second_notice = notices(fake)
    assert "archived" in str(second_notice["blocks"])
    posted = Counter(fake.posted_keys())
    assert max(posted.values()) == 1
    lost = sorted(key for key in posted if key.startswith("channel-lost:"))
    assert len(lost) == 2
    assert all(key.startswith(f"channel-lost:{TEAM}:{CHANNEL}:") for key in lost)


def test_a_standup_channel_closed_to_the_bot_tells_whoever_set_the_standup_up(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, standup: int
) -> None:
    """#apollo has a standup (set up by Ann) and no project: its summary is refused, so Ann,
    not a project owner, hears about it, once."""
    for zone in ("Asia/Tokyo", "Europe/London", "America/Los_Angeles"):
        standup_tick.run(any_deps, clock, standup_tick.at(9, 30, zone))
    standup_tick.run(any_deps, clock, standup_tick.at(11, 30, "America/Los_Angeles"))  # nudges
    gateway.refusals = ["channel_not_found"]

    refused = standup_tick.run(any_deps, clock, standup_tick.at(13, 30, "America/Los_Angeles"))
    later = standup_tick.run(any_deps, clock, standup_tick.at(15, 0, "America/Los_Angeles"))

    assert [key.split(":")[0] for key, _ in gateway.refused] == ["standup-summary"]
    assert (refused.dropped, later.sent) == (1, 0)
    [notice] = [p for p in gateway.posts if p.get("key", "").startswith("channel-lost:")]
    assert notice["channel"] == "U0ANN"
    assert "I can't post in <#C0APOLLO> any more" in notice["text"]
    assert "its standup's" in str(notice["blocks"])
