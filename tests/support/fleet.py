"""Scheduler processes for the delivery tests: `pmo-bot tick --at` passes and `pmo-bot worker`s,
several at once or killed at random, and what reached the fake Slack and the ledger, by key."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import Engine, insert, select

from bot.domain import DEFAULT_QUESTIONS
from storage.models import Delivery, Standup, Workspace
from tests.support.slack_api import FakeSlackWebAPI

TEAM = "T0001"
STANDUP_CHANNEL = "C0STAND"
PASS_TIMEOUT = 180.0  # seconds one pass may take, at most, before the test gives up on it
POLL = 0.005


# -- what is due -----------------------------------------------------------------------------


def seed_standup_prompts(
    engine: Engine, members: int, day: date, *, zone: str = "UTC", created: datetime
) -> list[str]:
    """A workspace whose standup in #C0STAND was started for today (`/standup now` on `day` in
    `zone`) for `members` people, U0000…: each is owed one DM prompt, whatever the weekday.
    The prompts' delivery keys."""
    with engine.begin() as conn:
        workspace = conn.execute(
            insert(Workspace).values(team_id=TEAM, created_at=created).returning(Workspace.id)
        ).scalar_one()
    people = [f"U{n:04d}" for n in range(members)]
    return add_standup(engine, workspace, STANDUP_CHANNEL, people, day, zone=zone, created=created)


def add_standup(
    engine: Engine,
    workspace_id: int,
    channel: str,
    people: Sequence[str],
    day: date,
    *,
    zone: str = "UTC",
    created: datetime,
) -> list[str]:
    """A standup in `channel` started for `day` (`/standup now`) and no weekday of its own;
    nudges and the summary come 20 hours later, so a pass within the day owes only the
    prompts. Their keys."""
    with engine.begin() as conn:
        standup = conn.execute(
            insert(Standup)
            .values(
                workspace_id=workspace_id,
                channel_id=channel,
                enabled=True,
                at_time="09:00",
                days="",
                questions=list(DEFAULT_QUESTIONS),
                members_mode="list",
                members=list(people),
                nudge_minutes=1200,
                cutoff_minutes=1200,
                timezone=zone,
                run_now_on=day,
                created_by="U0ALICE",
                created_at=created,
                updated_at=created,
            )
            .returning(Standup.id)
        ).scalar_one()
    return [f"standup-prompt:{TEAM}:{standup}:{person}:{day.isoformat()}" for person in people]


# -- what arrived ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    status: str
    message_ts: str | None
    attempts: int


def ledger(engine: Engine) -> dict[str, Entry]:
    """Key → its delivery row, as the database holds it now."""
    columns = Delivery.key, Delivery.status, Delivery.message_ts, Delivery.attempts
    with engine.connect() as conn:
        rows = conn.execute(select(*columns)).all()
    return {key: Entry(status, ts, attempts) for key, status, ts, attempts in rows}


def posted_ts(fake: FakeSlackWebAPI) -> dict[str, list[str]]:
    """Key → the ts of every message posted with it (thread replies included)."""
    found: dict[str, list[str]] = {}
    for message in fake.messages():
        key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key")
        if key:
            found.setdefault(str(key), []).append(str(message["ts"]))
    return found


def assert_exactly_once(fake: FakeSlackWebAPI, engine: Engine, keys: Sequence[str]) -> None:
    """Each of `keys` reached Slack once, none twice, no other key went out; and the ledger
    has each as sent with the ts of that message: nothing lost, nothing doubled."""
    counts = Counter(fake.posted_keys())
    twice = {key: n for key, n in counts.items() if n > 1}
    assert not twice, f"{len(twice)} keys posted more than once, e.g. {sorted(twice)[:5]}"
    missing = sorted(set(keys) - set(counts))
    assert not missing, f"{len(missing)} keys never posted, e.g. {missing[:5]}"
    extra = sorted(set(counts) - set(keys))
    assert not extra, f"unexpected keys posted: {extra[:5]}"
    rows, ts = ledger(engine), posted_ts(fake)
    unsent = {key: rows[key].status if key in rows else None for key in keys}
    unsent = {key: status for key, status in unsent.items() if status != "sent"}
    assert not unsent, f"{len(unsent)} not `sent` in the ledger: {dict(list(unsent.items())[:5])}"
    wrong = [key for key in keys if rows[key].message_ts != ts[key][0]]
    assert not wrong, f"{len(wrong)} sent with another ts than the message's, e.g. {wrong[:5]}"


def closest_gaps(fake: FakeSlackWebAPI) -> dict[str, float]:
    """Channel → the shortest time between two messages arriving there (channels with two or
    more): Slack allows about one message a second in a channel."""
    return {
        channel: min(b - a for a, b in pairwise(times))
        for channel, times in fake.post_times().items()
        if len(times) > 1
    }


def running_from(start: datetime) -> Callable[[], datetime]:
    """A clock that reads `start` now and runs on in real time: Slack's, for a pass `--at`."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


# -- the processes -----------------------------------------------------------------------------


@dataclass
class Process:
    """A `pmo-bot` process whose output goes to a log file (no pipe to fill up)."""

    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def passes_done(self) -> int:
        return self.log().count("scheduler pass done")

    def wait(self, timeout: float = PASS_TIMEOUT) -> int:
        return self.popen.wait(timeout=timeout)

    def assert_clean(self) -> None:
        """It ended by itself (or by SIGTERM) with status 0 and no traceback."""
        assert self.popen.returncode == 0, f"exit {self.popen.returncode}:\n{self.log()}"
        assert "Traceback" not in self.log(), self.log()

    def kill(self) -> None:
        """SIGKILL: no `finally`, no flush, the connections just drop."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=PASS_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM (a worker finishes its pass), SIGKILL if it hangs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=PASS_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()


class Fleet:
    """Starts `pmo-bot` processes on one environment; `close()` stops those still running."""

    def __init__(self, env: Mapping[str, str], cwd: Path):
        self.env, self.cwd = dict(env), cwd
        self.started: list[Process] = []

    def start(self, *args: str, **env: str) -> Process:
        log_path = self.cwd / f"pmo-{len(self.started)}-{args[0]}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *args],
                env=self.env | env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(popen, log_path)
        self.started.append(process)
        return process

    def tick(self, at: datetime, **env: str) -> Process:
        return self.start("tick", "--at", at.isoformat(), **env)

    def passes(self, at: datetime, count: int, **env: str) -> list[Process]:
        """`count` passes at once, all `--at` the same moment, each run to its end."""
        started = [self.tick(at, **env) for _ in range(count)]
        for process in started:
            process.wait()
            process.assert_clean()
        return started

    def close(self) -> None:
        for process in self.started:
            process.stop()


def run_pass(fleet: Fleet, fake: FakeSlackWebAPI, at: datetime, **env: str) -> Process:
    """One clean pass `--at` the moment, Slack's clock set to read the same."""
    fake.set_clock(running_from(at))
    [process] = fleet.passes(at, 1, **env)
    return process


def kill_after_posts(process: Process, fake: FakeSlackWebAPI, posts: int) -> int:
    """SIGKILL `process` as soon as Slack has seen `posts` more chat.postMessage calls (or when
    it ends by itself first); how many it had seen."""
    start = len(fake.calls_to("chat.postMessage"))
    deadline = time.monotonic() + PASS_TIMEOUT
    while process.popen.poll() is None and time.monotonic() < deadline:
        if len(fake.calls_to("chat.postMessage")) - start >= posts:
            break
        time.sleep(POLL)
    process.kill()
    return len(fake.calls_to("chat.postMessage")) - start


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)
