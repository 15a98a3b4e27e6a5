"""Owned claims and batched settling through real passes (SQLite and PostgreSQL): a pass
longer than the stale window never sends a key twice, a renewing pass keeps what it holds,
and interrupted sends are settled one history read per conversation, within the ration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, projects
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from bot.slack import SendResult
from handlers.blocks.reminders import render_due
from storage.models import Delivery
from tests.conftest import ALICE
from tests.support.fakes import RecordingGateway

LONDON = ZoneInfo("Europe/London")
MONDAY_9_05 = datetime(2026, 11, 23, 9, 5, tzinfo=LONDON)
PEOPLE = 40


def run(deps: Deps, worker: str) -> TickReport:
    return run_tick(deps, render_due, worker=worker)


@pytest.fixture
def crowd(any_deps: Deps, gateway: RecordingGateway, clock: FixedClock) -> Deps:
    """Apollo and forty people, each with an action due Monday; the clock at Monday 09:05."""
    lead = Actor("T0001", ALICE, "C0APOLLO", timezone="Europe/London")
    projects.bind_project(any_deps, lead, "Apollo")
    for n in range(PEOPLE):
        values: dict[str, Any] = {"title": f"task {n}", "owner": f"U{n:04d}"}
        items.add_item(any_deps, lead, Kind.ACTION, values | {"due": date(2026, 11, 23)}, None)
    gateway.default_zone = "Europe/London"
    clock.set(MONDAY_9_05)
    return any_deps


def during_sends(gateway: RecordingGateway, after: int, then: Callable[[], None]) -> None:
    """Call `then` once, between two sends, after the first `after` sends were answered."""
    send, count = gateway.send, [0]

    def sending(*args: Any, **kwargs: Any) -> SendResult:
        result = send(*args, **kwargs)
        count[0] += 1
        if count[0] == after:
            then()
        return result

    gateway.send = sending  # type: ignore[method-assign]


def ledger(deps: Deps) -> dict[str, Delivery]:
    with deps.db.read() as session:
        return {row.key: row for row in session.scalars(select(Delivery))}


def test_a_pass_longer_than_the_stale_window_sends_no_key_twice(
    crowd: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    """Worker A stalls after five sends for longer than the stale window (a long 429, a
    paused VM); worker B takes its claims over and sends them; A's fences then fail."""
    reports: list[TickReport] = []

    def stall_then_b() -> None:
        clock.advance(timedelta(seconds=crowd.settings.claim_stale_seconds + 60))
        reports.append(run(crowd, "B"))

    during_sends(gateway, after=5, then=stall_then_b)
    a = run(crowd, "A")
    [b] = reports

    assert Counter(gateway.sent_keys()) == dict.fromkeys(ledger(crowd), 1)
    assert len(gateway.sent_keys()) == PEOPLE
    assert (a.sent, b.sent, a.lost) == (5, PEOPLE - 5, PEOPLE - 5)
    assert {row.status for row in ledger(crowd).values()} == {"sent"}


def test_a_pass_that_renews_its_claims_keeps_them(
    crowd: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    """Slack answers slowly: A's pass outlasts the stale window, renewing as it goes, so B,
    starting while A is halfway, finds nothing stale and nothing new to send."""
    window = crowd.settings.claim_stale_seconds
    send = gateway.send
    reports: list[TickReport] = []

    def slow(*args: Any, **kwargs: Any) -> SendResult:
        clock.sleep(window / 20)  # each answer takes a twentieth of the window
        clock.advance(timedelta(seconds=window / 20))
        result = send(*args, **kwargs)
        if len(gateway.sent_keys()) == PEOPLE // 2:
            reports.append(run(crowd, "B"))
        return result

    gateway.send = slow  # type: ignore[method-assign]
    a = run(crowd, "A")
    [b] = reports

    assert (a.sent, a.lost, b.sent, b.already) == (PEOPLE, 0, 0, PEOPLE)
    assert len(set(gateway.sent_keys())) == len(gateway.sent_keys()) == PEOPLE


def interrupted(deps: Deps, keys: list[tuple[str, str]], status: str, at: datetime) -> None:
    """Rows a stopped worker left `status`, (key, target) each."""
    with deps.db.write() as session:
        for key, target in keys:
            session.execute(
                insert(Delivery).values(
                    workspace_id=1,
                    key=key,
                    kind=key.split(":", 1)[0],
                    target=target,
                    local_day=date(2026, 11, 23),
                    status=status,
                    attempts=0,
                    claimed_by="stopped",
                    claimed_at=at,
                    created_at=at,
                )
            )


def reminder(n: int) -> str:
    return f"reminder:T0001:U{n:04d}:2026-11-23"


def test_interrupted_sends_are_settled_one_read_per_conversation(
    crowd: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    """A crash left three posts in #apollo and a DM in flight, and ten DMs claimed but never
    tried: one read of #apollo and one of the DM settle the four; the ten just go."""
    long_ago = clock.now() - timedelta(minutes=30)
    channel = [(f"escalation:T0001:old-{n}", "C0APOLLO") for n in range(3)]
    interrupted(crowd, [*channel, (reminder(0), "U0000")], "sending", long_ago)
    interrupted(crowd, [(reminder(n), f"U{n:04d}") for n in range(1, 11)], "claimed", long_ago)
    for key, target in channel[:2]:  # two of them had reached Slack
        gateway.posts.append({"kind": "send", "key": key, "channel": target})

    report = run(crowd, "A")

    assert sorted(gateway.history_reads) == [("C0APOLLO", None), ("U0000", None)]
    rows = ledger(crowd)
    assert [rows[key].status for key, _ in channel] == ["sent", "sent", "dropped"]
    assert rows[channel[2][0]].last_error == "no longer due"
    assert report.settled == 4  # the three posts and the DM, looked for
    assert Counter(gateway.sent_keys())[reminder(0)] == 1  # never reached Slack: sent once
    assert {rows[reminder(n)].status for n in range(PEOPLE)} == {"sent"}
    assert len(gateway.sent_keys()) == 2 + PEOPLE  # the two found, and everyone once


def test_reads_beyond_the_ration_wait_for_a_later_pass(
    crowd: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    """Held to one history read a pass (Slack's lowest tier): of three DMs left in flight,
    one is settled now, the others wait, marked unsure, and are never sent blind."""
    deps = replace(crowd, settings=replace(crowd.settings, history_per_minute=1))
    long_ago = clock.now() - timedelta(minutes=30)
    interrupted(deps, [(reminder(n), f"U{n:04d}") for n in range(3)], "sending", long_ago)

    first = run(deps, "A")
    waiting = {key: row for key, row in ledger(deps).items() if row.status == "failed"}
    reads_first = len(gateway.history_reads)
    for _ in range(3):
        clock.advance(timedelta(minutes=2))
        run(deps, "A")

    assert (first.settled, reads_first, len(waiting)) == (1, 1, 2)
    assert all(row.last_error and row.last_error.startswith("unsure: ") for row in waiting.values())
    assert len(gateway.history_reads) == 3  # one a pass, each conversation once
    assert Counter(gateway.sent_keys()) == {reminder(n): 1 for n in range(PEOPLE)}


def test_outcomes_are_written_in_batches_and_all_by_a_flush(any_deps: Deps) -> None:
    from sqlalchemy import event

    from bot.services.claims import FLUSH_EVERY, Claims
    from storage.repositories import workspaces

    with any_deps.db.write() as session:
        ws = workspaces.ensure(session, "T0BATCH", None, any_deps.clock.now())
    claims = Claims(any_deps, "w1")
    day = any_deps.clock.now().date()
    rows = [
        claims.row(f"test:{n}", workspace_id=ws, target=ALICE, local_day=day)
        for n in range(FLUSH_EVERY + 3)
    ]
    won = claims.take_new(rows)
    commits: list[object] = []

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(any_deps.db.engine, "commit", committed)
    try:
        for n, key in enumerate(sorted(won, key=lambda k: int(k.split(":")[1]))):
            claims.record(won[key], status="sent", attempts=1, message_ts=f"1.{n}")
        written = len(commits)
        claims.flush()
        flushed = len(commits) - written
    finally:
        event.remove(any_deps.db.engine, "commit", committed)
    assert (written, flushed) == (1, 1)  # the first FLUSH_EVERY in one transaction, then the rest
    with any_deps.db.read() as session:
        assert Counter(session.scalars(select(Delivery.status))) == {"sent": FLUSH_EVERY + 3}


def test_outcomes_wait_for_a_batch_or_a_flush(any_deps: Deps) -> None:
    from bot.services.claims import FLUSH_EVERY, Claims
    from storage.repositories import workspaces

    with any_deps.db.write() as session:
        ws = workspaces.ensure(session, "T0BATCH", None, any_deps.clock.now())
    claims = Claims(any_deps, "w1")
    day = any_deps.clock.now().date()
    won = claims.take_new(
        [claims.row(f"test:{n}", workspace_id=ws, target=ALICE, local_day=day) for n in range(3)]
    )
    for row_id in won.values():
        claims.record(row_id, status="sent", attempts=1)
    with any_deps.db.read() as session:
        assert Counter(session.scalars(select(Delivery.status))) == {"claimed": 3}
    assert FLUSH_EVERY > 3
    claims.flush()
    with any_deps.db.read() as session:
        assert Counter(session.scalars(select(Delivery.status))) == {"sent": 3}
