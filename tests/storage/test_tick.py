"""Scheduler passes against the real database (SQLite and PostgreSQL): exactly once, retries,
crashes mid-send, two workers at once, and a statement count that does not grow with the data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, event, insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, people, projects
from bot.services.claims import CHUNK_MAX
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from bot.slack import SendResult
from handlers.blocks.reminders import render_due
from storage.models import (
    Action,
    Delivery,
    Project,
    UserProfile,
    Workspace,
)
from tests.conftest import ALICE, BOB, make_deps
from tests.support.fakes import RecordingGateway

LONDON = ZoneInfo("Europe/London")
MONDAY_9_05 = datetime(2026, 11, 23, 9, 5, tzinfo=LONDON)
KEY = "reminder:T0001:U0ALICE:2026-11-23"


def run(deps: Deps, worker: str = "w1") -> TickReport:
    return run_tick(deps, render_due, worker=worker)


@pytest.fixture
def seeded(any_deps: Deps, alice: Actor, clock: FixedClock) -> Deps:
    """Apollo with one action of Alice's due Monday 23 Nov; the clock at Monday 09:05 London."""
    projects.bind_project(any_deps, alice, "Apollo")
    values: dict[str, Any] = {"title": "send contract", "due": date(2026, 11, 23)}
    items.add_item(any_deps, alice, Kind.ACTION, values, None)
    people.timezone_of(any_deps, alice)
    clock.set(MONDAY_9_05)
    return any_deps


def ledger(deps: Deps) -> list[Delivery]:
    with deps.db.read() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.key)))


def test_a_reminder_goes_out_once(seeded: Deps, gateway: RecordingGateway) -> None:
    first, second = run(seeded), run(seeded)

    assert (first.sent, second.sent, second.already) == (1, 0, 1)
    assert gateway.sent_keys() == [KEY]
    [row] = ledger(seeded)
    assert (row.status, row.attempts, row.target) == ("sent", 1, ALICE)
    [sent] = [p for p in gateway.posts if p["kind"] == "send"]
    assert sent["channel"] == ALICE
    assert "send contract" in str(sent["blocks"])


def test_nothing_due_nothing_sent(seeded: Deps, gateway: RecordingGateway) -> None:
    items.close_item(seeded, Actor("T0001", ALICE, "C0APOLLO"), Kind.ACTION, 1, None)
    report = run(seeded)
    assert (report.due, gateway.sent_keys(), ledger(seeded)) == (0, [], [])


def test_two_workers_at_once_send_each_reminder_once(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    actor = Actor("T0001", ALICE, "C0APOLLO", timezone="Europe/London")
    for n in range(30):  # thirty people, each with an action due today
        values: dict[str, Any] = {
            "title": f"task {n}",
            "owner": f"U{n:04d}",
            "due": date(2026, 11, 23),
        }
        items.add_item(seeded, actor, Kind.ACTION, values, None)
    gateway.default_zone = "Europe/London"
    start = threading.Barrier(2)
    reports: list[TickReport] = []

    def worker(name: str) -> None:
        start.wait()
        reports.append(run(seeded, worker=name))

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    keys = gateway.sent_keys()
    assert len(keys) == len(set(keys)) == 31
    assert sum(r.sent for r in reports) == 31
    assert {row.status for row in ledger(seeded)} == {"sent"}


def test_sends_in_flight_at_once_each_go_once_and_are_recorded(
    seeded: Deps, gateway: RecordingGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = Actor("T0001", ALICE, "C0APOLLO", timezone="Europe/London")
    for n in range(30):
        values: dict[str, Any] = {"title": f"task {n}", "owner": f"U{n:04d}"}
        items.add_item(seeded, actor, Kind.ACTION, values | {"due": date(2026, 11, 23)}, None)
    gateway.default_zone = "Europe/London"
    refused = {"U0003": "ratelimited", "U0007": "user_not_found"}
    send = gateway.send

    def refusing(channel: str, *args: Any, **kwargs: Any) -> SendResult:
        if channel in refused:
            return SendResult(ok=False, error=refused[channel])
        return send(channel, *args, **kwargs)

    monkeypatch.setattr(gateway, "send", refusing)
    report = run_tick(seeded, render_due, worker="w1", in_flight=4)

    keys = gateway.sent_keys()
    assert len(keys) == len(set(keys)) == 29
    assert (report.sent, report.failed, report.dropped) == (29, 1, 1)
    statuses = {row.target: row.status for row in ledger(seeded)}
    assert statuses.pop("U0003") == "failed"
    assert statuses.pop("U0007") == "dropped"
    assert set(statuses.values()) == {"sent"}
    assert len(statuses) == 29


def test_a_failed_send_is_retried_with_backoff_until_it_goes(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    gateway.refusals = ["ratelimited", "internal_error"]
    assert run(seeded).failed == 1
    [row] = ledger(seeded)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "ratelimited")
    assert row.next_attempt_at == clock.now() + timedelta(minutes=1)

    assert run(seeded).sent == 0  # too early: the backoff has not passed
    clock.advance(timedelta(minutes=1))
    assert run(seeded).failed == 1  # second attempt refused again: two minutes now
    clock.advance(timedelta(minutes=2))
    assert run(seeded).sent == 1

    assert gateway.sent_keys() == [KEY]
    [row] = ledger(seeded)
    assert (row.status, row.attempts) == ("sent", 3)
    assert [error for _, error in gateway.refused] == ["ratelimited", "internal_error"]


def test_a_refusal_no_retry_can_cure_is_dropped(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    gateway.refusals = ["user_not_found"]
    report = run(seeded)
    clock.advance(timedelta(hours=1))
    again = run(seeded)

    assert (report.dropped, again.sent, again.already) == (1, 0, 1)
    [row] = ledger(seeded)
    assert (row.status, row.last_error) == ("dropped", "user_not_found")


def test_a_retry_whose_day_is_over_is_dropped(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    gateway.refusals = ["ratelimited"]
    run(seeded)
    clock.set(datetime(2026, 11, 24, 9, 5, tzinfo=LONDON))  # Tuesday: Monday's reminder is over

    report = run(seeded)

    assert report.dropped == 1
    statuses = {row.key: row.status for row in ledger(seeded)}
    assert statuses[KEY] == "dropped"
    assert statuses["reminder:T0001:U0ALICE:2026-11-24"] == "sent"  # Tuesday's own reminder


@contextmanager
def interrupted_send(deps: Deps, claimed: datetime) -> Iterator[None]:
    """A row left `sending` by a worker that stopped between claiming it and recording it."""
    with deps.db.write() as session:
        workspace_id = session.scalar(select(Workspace.id))
        session.execute(
            insert(Delivery).values(
                workspace_id=workspace_id,
                key=KEY,
                kind="reminder",
                target=ALICE,
                local_day=date(2026, 11, 23),
                status="sending",
                attempts=0,
                claimed_by="crashed",
                claimed_at=claimed,
                created_at=claimed,
            )
        )
    yield


def test_a_send_cut_short_after_slack_took_it_is_not_sent_again(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    gateway.posts.append({"kind": "send", "key": KEY, "channel": ALICE})  # Slack has it
    with interrupted_send(seeded, clock.now() - timedelta(minutes=20)):
        report = run(seeded)

    assert (report.settled, report.sent) == (1, 0)
    assert gateway.sent_keys() == [KEY]
    [row] = ledger(seeded)
    assert (row.status, row.message_ts) == ("sent", "found")


def test_a_send_cut_short_before_slack_took_it_is_sent_once(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    with interrupted_send(seeded, clock.now() - timedelta(minutes=20)):
        first = run(seeded)
        second = run(seeded)

    assert (first.settled, first.sent, second.sent) == (1, 1, 0)
    assert gateway.sent_keys() == [KEY]


def test_a_fresh_claim_of_a_running_worker_is_left_alone(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    with interrupted_send(seeded, clock.now() - timedelta(minutes=1)):
        report = run(seeded)

    assert (report.settled, report.sent, report.already) == (0, 0, 1)
    assert gateway.sent_keys() == []


def test_owners_never_seen_get_their_zone_from_slack_once(
    seeded: Deps, gateway: RecordingGateway, alice: Actor
) -> None:
    values: dict[str, Any] = {"title": "bob's", "owner": BOB, "due": date(2026, 11, 23)}
    items.add_item(seeded, alice, Kind.ACTION, values, None)
    gateway.lookups.clear()

    report = run(seeded)  # 09:05 London is 04:05 in New York: Bob waits
    run(seeded)

    assert report.waiting == 1
    assert gateway.lookups == [BOB]
    with seeded.db.read() as session:
        zone = session.scalar(select(UserProfile.timezone).where(UserProfile.user_id == BOB))
    assert zone == "America/New_York"


def _seed_many(deps: Deps, team: str, actions: int, people_count: int, project_count: int) -> None:
    """Bulk rows straight into the tables: `actions` due today across people and projects."""
    now = deps.clock.now()
    with deps.db.write() as session:
        workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team))
        if workspace_id is None:
            session.execute(insert(Workspace).values(team_id=team, created_at=now))
            workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team))
        session.execute(
            insert(Project),
            [
                {
                    "workspace_id": workspace_id,
                    "slug": f"p{n}",
                    "name": f"P{n}",
                    "channel_id": f"C{team}{n}",
                    "timezone": "Europe/London",
                    "created_by": "U0BULK",
                    "created_at": now,
                }
                for n in range(project_count)
            ],
        )
        project_ids = list(
            session.scalars(select(Project.id).where(Project.workspace_id == workspace_id))
        )
        session.execute(
            insert(UserProfile),
            [
                {
                    "workspace_id": workspace_id,
                    "user_id": f"UB{n:05d}",
                    "timezone": "Europe/London",
                    "fetched_at": now,
                }
                for n in range(people_count)
            ],
        )
        session.execute(
            insert(Action),
            [
                {
                    "workspace_id": workspace_id,
                    "project_id": project_ids[n % project_count],
                    "number": 100_000 + n,
                    "owner_id": f"UB{n % people_count:05d}",
                    "status": "open",
                    "created_by": "U0BULK",
                    "created_at": now,
                    "updated_at": now,
                    "title": f"bulk task {n}",
                    "due_on": date(2026, 11, 23),
                }
                for n in range(actions)
            ],
        )


def _statements_of_a_pass(deps: Deps) -> tuple[int, int, int, TickReport]:
    """The statements of a pass apart from the ledger's writes, those writes, how many of
    them were PostgreSQL's no-flush-wait (one a batch of outcomes), and its report."""
    statements: list[str] = []

    def count(conn: Any, clauseelement: Any, *args: Any) -> None:
        statements.append(str(clauseelement))

    event.listen(deps.db.engine, "before_execute", count)
    try:
        report = run(deps)
    finally:
        event.remove(deps.db.engine, "before_execute", count)
    ledger_writes = ("UPDATE deliveries", "INSERT INTO deliveries", "SET LOCAL synchronous_commit")
    writes = [s for s in statements if s.startswith(ledger_writes)]
    batches = sum(1 for s in writes if s.startswith("SET LOCAL"))
    return len(statements) - len(writes), len(writes) - batches, batches, report


@pytest.mark.slow
def test_a_pass_costs_the_same_statements_at_100_and_10000_actions(
    any_engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(MONDAY_9_05)
    small = make_deps(any_engine, clock, RecordingGateway(default_zone="Europe/London"))
    _seed_many(small, "T0SMALL", actions=100, people_count=20, project_count=2)
    small_count, small_writes, small_batches, small_report = _statements_of_a_pass(small)

    with small.db.write() as session:  # start again from an empty ledger, ten thousand actions
        session.execute(delete(Delivery))
        session.execute(delete(Action))
    big_gateway = RecordingGateway(default_zone="Europe/London")
    big = make_deps(any_engine, clock, big_gateway)
    _seed_many(big, "T0BIG", actions=10_000, people_count=2_000, project_count=200)
    big_count, big_writes, big_batches, big_report = _statements_of_a_pass(big)

    assert (small_report.sent, big_report.sent) == (20, 2_000)  # one DM per person
    assert len(set(big_gateway.sent_keys())) == 2_000
    assert small_count == big_count, (small_count, big_count)
    # The ledger: a claim per chunk of CHUNK_MAX, then each send fenced and its answer kept
    # (and one look each for rows to take over or retry).
    chunks = -(-2_000 // CHUNK_MAX)
    assert (small_writes, big_writes) == (2 + 1 + 2 * 20, 2 + chunks + 2 * 2_000)
    # The answers are kept in batches, a transaction each: on PostgreSQL its commit does not
    # wait for the flush, said in one statement a batch.
    if any_engine.dialect.name == "postgresql":
        assert 1 <= small_batches <= 20 / 4
        assert 1 <= big_batches <= 2_000 / 4
    else:
        assert small_batches == big_batches == 0


def test_dry_run_sends_and_records_nothing(seeded: Deps, gateway: RecordingGateway) -> None:
    report = run_tick(seeded, render_due, worker="w1", dry_run=True)

    assert report.due == 1
    assert report.lines[0].startswith(f"would send {KEY} — DM to {ALICE} (Europe/London)")
    assert "1 due today" in report.lines[0]
    assert (gateway.sent_keys(), ledger(seeded)) == ([], [])


def test_the_ledger_keeps_utc_times(seeded: Deps) -> None:
    run(seeded)
    [row] = ledger(seeded)
    assert row.sent_at == MONDAY_9_05.astimezone(UTC)


def test_after_downtime_todays_reminder_goes_once_and_earlier_days_are_logged(
    seeded: Deps, gateway: RecordingGateway, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=LONDON))  # Friday 08:00: a quiet pass
    run(seeded)
    clock.set(datetime(2026, 11, 24, 11, 30, tzinfo=LONDON))  # back on Tuesday, 11:30
    caplog.set_level("INFO", logger="pmo_bot.tick")

    first, second = run(seeded), run(seeded)

    # Friday's 09:00 and Monday's reminders fell in the downtime: logged, not sent late;
    # the weekend owed nothing; Tuesday's own goes out, once.
    assert (first.sent, first.missed, second.sent) == (1, 2, 0)
    assert gateway.sent_keys() == ["reminder:T0001:U0ALICE:2026-11-24"]
    assert "dropped reminder:T0001:U0ALICE:2026-11-20" in caplog.text
    assert "dropped reminder:T0001:U0ALICE:2026-11-23" in caplog.text
    assert "2026-11-21" not in caplog.text
    assert "2026-11-22" not in caplog.text
