"""Fan-out, paced as Slack asks: one scheduler pass that owes 600 people their daily DM (3,000
actions) and 20 projects their weekly digest (a parent and its thread replies, in each
project's channel), in real time at PMO_SEND_RATE 50 a second and one message a second per
conversation, against a bare loop posting the same messages through slack_sdk's WebClient
paced the same way (the same lanes, as many in flight), both to the same lean fake Slack on
loopback; then a pass where Slack answers one post in three with 429 + Retry-After: 1,
counting what arrives.

Run from the repository root: `python -m benchmarks.fanout [--pg URL] [--throttled-people N]`.
SQLite always; PostgreSQL too when --pg or PMO_TEST_DATABASE_URL names a server. Reports the
busiest conversation's messages a second as the fake saw them arrive, and exits 0 when that is
at most 1, every pass sends at least 0.7 times as many messages a second as the paced bare
loop at no more than 1.5 times its CPU a message (this process's, both paced alike and as
many in flight), and every message arrives exactly once, throttled or not.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import delete, insert

from benchmarks._common import databases, loopback_port, summary
from benchmarks._fake_slack import FakeSlack
from bot.clock import FixedClock, ShiftedClock, SystemClock
from bot.config import Settings
from bot.deps import Deps, build_deps
from bot.domain import Due
from bot.scheduler import IN_FLIGHT, tick
from bot.services import digest_charts, schedule
from bot.services.digest_tick import digest_dues
from bot.services.pacing import Conversation, Lanes, Pacing
from bot.services.tick import load_snapshot
from bot.slack import DELIVERY_EVENT
from handlers.blocks.reminders import render_due
from storage.models import Action, Delivery, Project, UserProfile, WorkerMark, Workspace
from storage.schema import upgrade

PEOPLE = 600
ACTIONS_EACH = 5
DIGESTS = 20  # projects whose weekly digest is due at AT, each in a channel of its own
SEND_RATE = 50  # a second per workspace: PMO_SEND_RATE for the pass and the bare loop alike
MIN_RATIO = 0.7
MAX_CPU_RATIO = 1.5  # this process's CPU a message, the pass's against the bare loop's
MAX_PER_CONVERSATION = 1.0  # messages a second in one conversation, as Slack asks
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 9, 5, tzinfo=LONDON)  # just after the 09:00 reminder time


def seed(deps: Deps, people: int, digests: int = 0) -> None:
    """A project and `people` owners with ACTIONS_EACH open actions each, due today or
    tomorrow (so nothing is late enough to escalate), and `digests` projects whose digest is
    due, in bulk inserts."""
    now = AT.astimezone(UTC)
    with deps.db.write() as session:
        session.execute(insert(Workspace).values(id=1, team_id="T0001", created_at=now))
        session.execute(
            insert(Project).values(
                id=1,
                workspace_id=1,
                slug="apollo",
                name="Apollo",
                channel_id="C0APOLLO",
                timezone="Europe/London",
                created_by="U0LEAD",
                created_at=now,
            )
        )
        users = [f"U{n:06d}" for n in range(people)]
        profile = {"workspace_id": 1, "timezone": "Europe/London", "fetched_at": now}
        session.execute(insert(UserProfile), [{"user_id": u, **profile} for u in users])
        common = {"workspace_id": 1, "project_id": 1, "status": "open", "created_by": "U0LEAD"}
        rows: list[dict[str, Any]] = [
            {
                **common,
                "number": n + 1,
                "owner_id": users[n % people],
                "title": f"follow up on vendor contract clause {n + 1}",
                "due_on": MONDAY + timedelta(days=n % 2),
                "created_at": now,
                "updated_at": now,
            }
            for n in range(people * ACTIONS_EACH)
        ]
        session.execute(insert(Action), rows)
        digest_projects = [
            {
                "id": 2 + n,
                "workspace_id": 1,
                "slug": f"project-{n}",
                "name": f"Project {n}",
                "channel_id": f"C0P{n:04d}",
                "timezone": "Europe/London",
                "created_by": "U0LEAD",
                "created_at": now - timedelta(days=30),
                "digest_day": 0,  # Mondays at 09:00: due at AT
                "digest_time": "09:00",
                "reminders_on": False,
            }
            for n in range(digests)
        ]
        if digest_projects:
            session.execute(insert(Project), digest_projects)


def owe_again(deps: Deps) -> None:
    """Forget every send, so the same reminders are owed again."""
    with deps.db.write() as session:
        session.execute(delete(Delivery))
        session.execute(delete(WorkerMark))


def owed_messages(deps: Deps) -> list[tuple[Conversation, str, str, list[dict[str, Any]]]]:
    """What the pass will send, drawn as it draws it: (conversation, key, text, blocks)."""
    now = deps.clock.now()
    dues: list[Due] = list(schedule.plan(load_snapshot(deps, now)).reminders)
    dues += digest_dues(deps, now, None, dry_run=True).values()
    drawn = []
    for due in sorted(dues, key=lambda d: d.key):
        if getattr(due, "chart", None) is None:
            drawn.append(((due.team_id, due.target), due.key, *render_due(due, now)))
    return drawn


def bare_loop(messages: list[Any], base_url: str) -> float:
    """Seconds to post `messages` with a WebClient, paced the pass's way: the same lanes (a
    second a conversation, SEND_RATE a second), IN_FLIGHT at once."""
    client = WebClient(token="xoxb-bench", base_url=base_url)
    pool = ThreadPoolExecutor(IN_FLIGHT)
    slots = threading.BoundedSemaphore(IN_FLIGHT)

    def post(
        conversation: Conversation, job: tuple[str, str, Any], done: Callable[[], None]
    ) -> None:
        key, text, blocks = job
        metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}}

        def one() -> None:
            try:
                client.chat_postMessage(
                    channel=conversation[1], text=text, blocks=blocks, metadata=metadata
                )
            finally:
                done()
                slots.release()

        slots.acquire()
        pool.submit(one)

    lanes: Lanes[tuple[str, str, Any]] = Lanes(Pacing(SystemClock(), SEND_RATE), post)
    for conversation, key, text, blocks in messages:
        lanes.add(conversation, (key, text, blocks))
    started = time.perf_counter()
    lanes.drain()
    pool.shutdown(wait=True)
    return time.perf_counter() - started


def passes_until_done(deps: Deps, clock: FixedClock) -> tuple[int, int, float]:
    """Passes (the clock moved past each retry's backoff) until nothing is owed: (passes,
    messages the passes counted as sent, seconds)."""
    started = time.perf_counter()
    sent, passes = 0, 0
    while True:
        report = tick(deps)
        passes += 1
        sent += report.sent
        if report.failed == 0 or passes == 10:
            return passes, sent, time.perf_counter() - started
        clock.advance(timedelta(minutes=2**passes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: $PMO_TEST_DATABASE_URL)")
    parser.add_argument(
        "--throttled-people",
        type=int,
        default=150,
        help="people in the 429 run (150; 0: no such run; each refusal waits a second)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="(bare loop, pass) rounds (3)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    digest_charts.charts_module = lambda: None  # text only: the lean fake takes no uploads

    fake = FakeSlack(loopback_port()).start()
    failures: list[str] = []
    print(f"people: {PEOPLE}, actions: {PEOPLE * ACTIONS_EACH}, one DM each")
    try:
        with databases(args.pg, "fanout") as found:
            for label, url in found:
                failures += measure(label, url, fake, args.throttled_people, args.rounds)
    finally:
        fake.stop()
    return summary(failures)


def measure(label: str, url: str, fake: FakeSlack, throttled_people: int, rounds: int) -> list[str]:
    """`rounds` of (bare loop, pass), interleaved so both see the same machine load; the ledger
    is emptied before each pass so the same messages are owed again. Both run in real time."""
    failures: list[str] = []
    settings = Settings(
        database_url=url,
        slack_bot_token="xoxb-bench",
        slack_api_url=fake.base_url,
        send_rate=SEND_RATE,
    )
    deps = replace(build_deps(settings), clock=ShiftedClock(AT))
    bare = took = bare_cpu = tick_cpu = 0.0
    try:
        upgrade(deps.db.engine)
        seed(deps, PEOPLE, DIGESTS)
        messages = owed_messages(deps)
        for n in range(rounds):
            fake.reset()
            cpu = time.process_time()
            bare += bare_loop(messages, fake.base_url)
            bare_cpu += time.process_time() - cpu
            bare_stats = fake.stats()
            fake.reset()
            owe_again(deps)
            deps = replace(deps, clock=ShiftedClock(AT))
            started, cpu = time.perf_counter(), time.process_time()
            report = tick(deps)
            took += time.perf_counter() - started
            tick_cpu += time.process_time() - cpu
            stats = fake.stats()
            print(f"{label} pass {n + 1}: {report.summary()}; at the fake: {_counts(stats)}")
            for who, seen in (("bare loop", bare_stats), ("pass", stats)):
                print(f"  {who}: {_pace_line(seen)}")
                if seen["per_conversation_per_second"] > MAX_PER_CONVERSATION:
                    failures.append(f"{label} {who} {n + 1}: {_pace_line(seen)}")
            if (report.sent, stats["keys"], stats["keys_twice"]) != (len(messages),) * 2 + (0,):
                failures.append(f"{label} pass {n + 1}: {_counts(stats)} of {len(messages)}")
    finally:
        deps.db.dispose()
    bare_rate, tick_rate = rounds * len(messages) / bare, rounds * len(messages) / took
    ratio = tick_rate / bare_rate
    print(f"{label} paced bare loop: {bare_rate:,.1f} messages/s ({bare / rounds:.2f} s a run)")
    print(f"{label} scheduler pass: {tick_rate:,.1f} messages/s ({took / rounds:.2f} s a pass)")
    print(f"{label} ratio pass/paced bare loop: {ratio:.2f} (bar: >= {MIN_RATIO})")
    if ratio < MIN_RATIO:
        failures.append(f"{label} pass at {ratio:.2f} of the paced bare loop")
    sent = rounds * len(messages)
    bare_ms, tick_ms = bare_cpu * 1000 / sent, tick_cpu * 1000 / sent
    cpu_ratio = tick_ms / bare_ms
    print(
        f"{label} CPU a message (this process, its threads; not the database server's): "
        f"pass {tick_ms:.2f} ms, bare loop {bare_ms:.2f} ms: {cpu_ratio:.2f} × "
        f"(bar: <= {MAX_CPU_RATIO})"
    )
    if cpu_ratio > MAX_CPU_RATIO:
        failures.append(f"{label} pass CPU {cpu_ratio:.2f} × the bare loop's a message")
    if label == "sqlite" and throttled_people:
        failures += throttled(url, fake, throttled_people, settings)
    return failures


def _pace_line(stats: dict[str, Any]) -> str:
    return (
        f"busiest conversation {stats['per_conversation_per_second']:.2f} messages/s "
        f"(bar: <= {MAX_PER_CONVERSATION:.0f}), closest two posts in one conversation "
        f"{stats['closest_in_a_conversation']:.2f} s"
    )


def throttled(url: str, fake: FakeSlack, people: int, settings: Settings) -> list[str]:
    """On a fresh database of `people`: one post in three refused with 429 + Retry-After: 1."""
    fresh = url.replace("bench.db", "throttled.db")
    clock = FixedClock(AT)
    deps = replace(build_deps(replace(settings, database_url=fresh)), clock=clock)
    try:
        upgrade(deps.db.engine)
        seed(deps, people)
        fake.reset(throttle_every=3)
        passes, sent, took = passes_until_done(deps, clock)
        stats = fake.stats()
    finally:
        deps.db.dispose()
        fake.reset()
    print(
        f"throttled (1 post in 3 answered 429, Retry-After: 1), {people} people: {passes} "
        f"pass(es), {took:.1f} s, {stats['throttled']} refused; {_counts(stats)}"
    )
    expected = (people, people, 0, people, 0)
    found = (sent, stats["keys"], stats["keys_twice"], stats["channels"], stats["channels_twice"])
    return [] if found == expected else [f"throttled run: {_counts(stats)}, sent {sent}"]


def _counts(stats: dict[str, Any]) -> str:
    return (
        f"{stats['posts_ok']} posts, {stats['keys']} delivery keys "
        f"({stats['keys_twice']} twice), {stats['channels']} DMs ({stats['channels_twice']} twice)"
    )


if __name__ == "__main__":
    sys.exit(main())
