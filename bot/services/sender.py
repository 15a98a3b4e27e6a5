"""Sending a pass's claimed deliveries: each workspace's gateway, paced per conversation and
per workspace (bot.services.pacing), a few direct messages in flight at once, every attempt
fenced by the pass's claim (bot.services.claims) and its outcome recorded as soon as Slack
answers."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.deps import Deps
from bot.digest_domain import ChartFile
from bot.domain import Due
from bot.services.claims import Claims
from bot.services.pacing import Conversation, Lanes, Pacing
from bot.services.senders import Senders
from bot.services.settle import found_sent, settle
from bot.slack import SendResult
from storage.models import Delivery
from storage.repositories import workspaces

log = logging.getLogger("pmo_bot.tick")
MAX_BACKOFF = timedelta(minutes=30)
UNSURE = "unsure: "  # last_error prefix: the failed send may have reached Slack all the same
Job = tuple[int, Due, int]  # row id, what is due, attempts so far


class Renderer(Protocol):
    def __call__(self, due: Due, now: datetime) -> tuple[str, list[dict[str, Any]]]: ...


@dataclass
class TickReport:
    due: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    already: int = 0
    settled: int = 0
    waiting: int = 0
    quiet: int = 0
    missed: int = 0
    swept: int = 0  # replay-ledger rows forgotten (bot.services.replays)
    lost: int = 0  # claims another worker took over (this pass's attempt was not made)
    lines: list[str] = field(default_factory=list)
    sent_by_kind: Counter[str] = field(default_factory=Counter)  # reminder, escalation, standup…

    def summary(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, failed {self.failed}, dropped {self.dropped}, "
            f"already done {self.already}, settled {self.settled}, waiting {self.waiting}, "
            f"quiet {self.quiet}, missed while down {self.missed}"
        )

    def fields(self) -> dict[str, int]:
        """The counts as log fields: `sent=3 skipped=2 … sent_reminder=2 sent_escalation=1`."""
        counts = {
            "due": self.due,
            "sent": self.sent,
            "skipped": self.already + self.quiet + self.waiting,
            "already": self.already,
            "quiet": self.quiet,
            "waiting": self.waiting,
            "failed": self.failed,
            "dropped": self.dropped,
            "settled": self.settled,
            "missed": self.missed,
            "swept": self.swept,
            "lost": self.lost,
        }
        return counts | {f"sent_{kind}": n for kind, n in sorted(self.sent_by_kind.items())}


class Sender:
    """Sends held deliveries, paced, and records each outcome as Slack answers.

    With `in_flight` above 1, sends go out several at a time from a small pool (a pass waits
    on Slack's round trips several at once: benchmarks/fanout.py), never two at once in one
    conversation, which keeps its order. Each held row is tried by one thread only, and only
    after its fence: exactly-once is the ledger's.
    """

    def __init__(
        self,
        deps: Deps,
        senders: Senders,
        render: Renderer,
        now: datetime,
        pacing: Pacing,
        report: TickReport,
        claims: Claims,
        in_flight: int = 1,
    ):
        self.deps, self.senders, self.render = deps, senders, render
        self.now, self.report, self.claims = now, report, claims
        self.channels_lost = False
        self.lock = threading.Lock()  # the report and these sets, shared with the send threads
        self.tokens_gone: set[str] = set()
        self.pool = ThreadPoolExecutor(in_flight, "pmo-send") if in_flight > 1 else None
        self.slots = threading.BoundedSemaphore(in_flight)
        self.futures: list[Future[None]] = []
        self.lanes: Lanes[Job] = Lanes(pacing, self._start)

    def send_new(self, dues: Sequence[Due], ids: dict[str, int]) -> None:
        for due in dues:
            self._queue(ids[due.key], due, attempts=0)
        self.drain()

    def send_held(self, rows: Sequence[Delivery], dues: dict[str, Due]) -> None:
        """Rows this pass took over or retries: those no longer due are let go; those whose
        last attempt may have reached Slack are looked for first (one read a conversation);
        the rest are sent."""
        unsure = [row for row in rows if _unsure(row)]
        for row in rows:
            if not _unsure(row):
                self._send_or_drop(row, dues.get(row.key))
        if unsure:
            self._settle(unsure, dues)
        self.drain()

    def _settle(self, rows: Sequence[Delivery], dues: dict[str, Due]) -> None:
        with self.deps.db.read() as session:
            teams = workspaces.team_ids(session, {row.workspace_id for row in rows})
        settled = settle(
            self.senders,
            rows,
            teams,
            lambda row: _marker(row, dues.get(row.key)),
            self.deps.settings.history_per_minute,
        )
        for row in rows:
            if row.id in settled.found:
                self.claims.record(row.id, **found_sent(settled.found[row.id], self.now))
                self._count("settled")
                log.info("settled %s: its earlier attempt had reached Slack", row.key)
        for row in settled.unknown:
            self.claims.record(
                row.id,
                status="failed",
                next_attempt_at=self.now + backoff(1),
                last_error=_still_unsure(row.last_error),
            )
            self._count("failed")
            log.info("cannot tell yet whether %s went out; asking Slack again later", row.key)
        for row in settled.missing:
            self._count("settled")
            log.info("settled %s: its earlier attempt never reached Slack; sending", row.key)
            self._send_or_drop(row, dues.get(row.key))

    def _send_or_drop(self, row: Delivery, due: Due | None) -> None:
        if due is None:  # its day is over, or nothing is due any more
            self.claims.record(row.id, status="dropped", last_error="no longer due")
            self._count("dropped")
            log.info("dropped %s on retry: no longer due", row.key)
            return
        self._queue(row.id, due, attempts=row.attempts)

    def _queue(self, row_id: int, due: Due, *, attempts: int) -> None:
        self.lanes.add((due.team_id, due.target), (row_id, due, attempts))

    def drain(self) -> None:
        """Send everything queued, wait for the answers; then raise what a send raised (its
        row stays held, to be settled like a crash's)."""
        self.lanes.drain()
        futures, self.futures = self.futures, []
        wait(futures)
        self.claims.flush()  # every answer Slack gave is in the ledger before what follows
        for future in futures:
            future.result()

    def _start(self, conversation: Conversation, job: Job, done: Callable[[], None]) -> None:
        self.claims.keep_fresh()
        if self.pool is None:
            self._attempt(job, done)
            return
        self.slots.acquire()
        future = self.pool.submit(self._attempt, job, done)
        future.add_done_callback(lambda _: self.slots.release())
        self.futures.append(future)

    def _attempt(self, job: Job, done: Callable[[], None]) -> None:
        row_id, due, attempts = job
        try:
            send = self._sending(due)
            if not self.claims.fence(row_id):
                self._count("lost")
                log.warning("%s: another worker took it over; not sent from here", due.key)
                return
            result = send()
        except Exception:
            log.exception("send %s could not be made; retrying later", due.key)
            result = SendResult(ok=False, error="internal_error")
        finally:
            done()
        self._outcome(row_id, due, result, attempts + 1)

    def _sending(self, due: Due) -> Callable[[], SendResult]:
        """The attempt to make: drawn now, made after the fence."""
        slack = self.senders.for_team(due.team_id)
        if slack is None or due.team_id in self.tokens_gone:
            error = "not_installed" if slack is None else "invalid_auth"
            return lambda: SendResult(ok=False, error=error)
        chart: ChartFile | None = getattr(due, "chart", None)
        thread = getattr(due, "thread_ts", None)
        if chart is not None:
            return lambda: slack.send_file(
                due.target, chart.filename, chart.content, chart.title, thread
            )
        text, blocks = self.render(due, self.now)
        return lambda: slack.send(due.target, text, blocks, due.key, thread)

    def _outcome(self, row_id: int, due: Due, result: SendResult, attempts: int) -> None:
        if result.ok:
            with self.lock:
                self.report.sent += 1
                self.report.sent_by_kind[due.key.split(":", 1)[0]] += 1
            self.claims.record(
                row_id,
                status="sent",
                attempts=attempts,
                sent_at=self.now,
                channel_id=result.channel,
                message_ts=result.ts,
                last_error=None,
            )
        elif result.retryable:
            self._count("failed")
            pause = backoff(attempts)
            log.warning(
                "send %s failed (%s), attempt %d; retrying in %s",
                due.key,
                result.error,
                attempts,
                pause,
            )
            self.claims.record(
                row_id,
                status="failed",
                attempts=attempts,
                next_attempt_at=self.now + pause,
                last_error=f"{UNSURE}{result.error}" if result.uncertain else result.error,
            )
        else:
            self._count("dropped")
            self._refused(due, result)
            self.claims.record(row_id, status="dropped", attempts=attempts, last_error=result.error)

    def _refused(self, due: Due, result: SendResult) -> None:
        if result.channel_gone:
            with self.lock:
                self.channels_lost = True
            log.warning(
                "send %s: cannot post in %s (%s); dropped, and whoever set the channel up "
                "is told once",
                due.key,
                due.target,
                result.error,
            )
        elif result.token_gone:
            with self.lock:
                first = due.team_id not in self.tokens_gone
                self.tokens_gone.add(due.team_id)
            if first:
                log.error(
                    "workspace %s refuses the bot's token (%s): nothing more goes out there "
                    "until the app is reinstalled; %s dropped",
                    due.team_id,
                    result.error,
                    due.key,
                )
        else:
            log.warning("send %s refused for good (%s); dropped", due.key, result.error)

    def _count(self, name: str) -> None:
        with self.lock:
            setattr(self.report, name, getattr(self.report, name) + 1)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.claims.flush()


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def _unsure(row: Delivery) -> bool:
    """Whether the row's last attempt may have reached Slack: interrupted (left `sending`),
    or answered by a 5xx, a timeout or a reset."""
    return row.status == "sending" or (row.last_error or "").startswith(UNSURE)


def _still_unsure(error: str | None) -> str:
    error = error or "interrupted"
    return error if error.startswith(UNSURE) else f"{UNSURE}{error}"


def _marker(row: Delivery, due: Due | None) -> str:
    """What the row's message carries in Slack: a shared file's name, else the key."""
    chart: ChartFile | None = getattr(due, "chart", None)
    return f"file:{chart.filename}" if chart is not None else row.key
