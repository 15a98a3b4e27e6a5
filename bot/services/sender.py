"""Sending a pass's claimed deliveries: the per-workspace gateway, pacing, a few direct messages
in flight at once, and the outcomes recorded in batches in the deliveries ledger."""

from __future__ import annotations

import logging
import threading
import time as clock_time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from bot.deps import Deps
from bot.digest_domain import ChartFile
from bot.domain import Due, ReminderDue
from bot.services.senders import Senders
from bot.slack import SendResult, SlackGateway
from storage.models import Delivery
from storage.repositories import schedules

log = logging.getLogger("pmo_bot.tick")
FLUSH_SECONDS = 5.0  # record outcomes at least this often during a long pass
MAX_BACKOFF = timedelta(minutes=30)
UNSURE = "unsure: "  # last_error prefix: the failed send may have reached Slack all the same


class Renderer(Protocol):
    def __call__(self, due: Due, now: datetime) -> tuple[str, list[dict[str, Any]]]: ...


@dataclass
class Pacer:
    """Spaces sends out to stay inside Slack's rate limits (0: no pacing)."""

    per_second: float = 0.0
    sleep: Callable[[float], None] = clock_time.sleep
    _last: float = 0.0

    def wait(self) -> None:
        if self.per_second <= 0:
            return
        gap = 1.0 / self.per_second - (clock_time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = clock_time.monotonic()


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
        }
        return counts | {f"sent_{kind}": n for kind, n in sorted(self.sent_by_kind.items())}


class Sender:
    """Sends claimed deliveries and records their outcomes in batches.

    With `in_flight` above 1, direct messages go out several at a time from a small pool: a
    pass waits on Slack's round trips several at once rather than one by one
    (benchmarks/fanout.py), and the pacer still spaces the sends out. Channel posts (a digest
    and its thread, escalations, standup threads) stay in order on the pass's own thread. Each
    claimed row is sent by one thread only, so exactly-once is still the ledger's.
    """

    def __init__(
        self,
        deps: Deps,
        senders: Senders,
        render: Renderer,
        now: datetime,
        pacer: Pacer,
        report: TickReport,
        in_flight: int = 1,
    ):
        self.deps, self.senders, self.render = deps, senders, render
        self.now, self.pacer, self.report = now, pacer, report
        self.outcomes: list[dict[str, Any]] = []
        self.flushed_at = clock_time.monotonic()
        self.channels_lost = False
        self.lock = threading.RLock()  # outcomes and the report, shared with the send threads
        self.pool = ThreadPoolExecutor(in_flight, "pmo-send") if in_flight > 1 else None
        self.slots = threading.BoundedSemaphore(2 * in_flight)  # drawn but not yet sent
        self.futures: list[Future[None]] = []

    def send_new(self, dues: Sequence[Due], ids: dict[str, int]) -> None:
        for due in dues:
            self._send(ids[due.key], due, attempts=0)

    def send_claimed(self, rows: Sequence[Delivery], dues: dict[str, Due]) -> None:
        for row in rows:
            due = dues.get(row.key)
            if due is None:  # its day is over, or nothing is due any more
                self._record(row.id, status="dropped", last_error="no longer due")
                with self.lock:
                    self.report.dropped += 1
                log.info("dropped %s on retry: no longer due", row.key)
                continue
            if (row.last_error or "").startswith(UNSURE) and self._settled(row, due.team_id):
                continue
            self._send(row.id, due, attempts=row.attempts)

    def _settled(self, row: Delivery, team_id: str) -> bool:
        """Whether the last attempt, whose answer never came, reached Slack after all (then
        it is recorded as sent), or Slack can't say yet (then it waits for a later pass)."""
        slack = self.senders.for_team(team_id)
        if slack is None:
            return False  # uninstalled since: the send itself is refused and dropped
        try:
            found = find_keyed(slack, row)
        except LookupError as error:
            log.warning("cannot tell whether %s went out: %s; asking again later", row.key, error)
            self._record(row.id, status="failed", next_attempt_at=self.now + backoff(1))
            with self.lock:
                self.report.failed += 1
            return True
        if found is None:
            return False
        with self.lock:
            self.report.settled += 1
        log.info("settled %s: the attempt left unanswered had reached Slack", row.key)
        self._record(row.id, **found_sent(found, self.now))
        return True

    def _send(self, row_id: int, due: Due, *, attempts: int) -> None:
        slack = self.senders.for_team(due.team_id)
        if slack is None:  # the dues were filtered by team, so only if uninstalled mid-pass
            self._post(row_id, due, lambda: SendResult(ok=False, error="not_installed"), attempts)
            return
        chart: ChartFile | None = getattr(due, "chart", None)
        thread = getattr(due, "thread_ts", None)
        if chart is not None:
            self.pacer.wait()
            upload = partial(self._upload, slack, due.target, chart, thread)
            self._post(row_id, due, upload, attempts)
            return
        text, blocks = self.render(due, self.now)
        self.pacer.wait()
        send = partial(slack.send, due.target, text, blocks, due.key, thread)
        if self.pool is None or not isinstance(due, ReminderDue):
            self._post(row_id, due, send, attempts)
        else:
            self.slots.acquire()
            future = self.pool.submit(self._post, row_id, due, send, attempts)
            future.add_done_callback(lambda _: self.slots.release())
            self.futures.append(future)
        if clock_time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self.flush()

    def _post(self, row_id: int, due: Due, send: Callable[[], SendResult], attempts: int) -> None:
        result = send()
        with self.lock:
            self._outcome(row_id, due, result, attempts + 1)

    def _upload(
        self, slack: SlackGateway, channel: str, chart: ChartFile, thread_ts: str | None
    ) -> SendResult:
        shared = slack.upload_file(
            channel, chart.filename, chart.content, chart.title, chart.title, thread_ts=thread_ts
        )
        return SendResult(ok=True, channel=channel) if shared else SendResult(False, error="upload")

    def _outcome(self, row_id: int, due: Due, result: SendResult, attempts: int) -> None:
        if result.ok:
            self.report.sent += 1
            self.report.sent_by_kind[due.key.split(":", 1)[0]] += 1
            self._record(
                row_id,
                status="sent",
                attempts=attempts,
                sent_at=self.now,
                channel_id=result.channel,
                message_ts=result.ts,
                last_error=None,
            )
        elif result.retryable:
            self.report.failed += 1
            wait = backoff(attempts)
            log.warning(
                "send %s failed (%s), attempt %d; retrying in %s",
                due.key,
                result.error,
                attempts,
                wait,
            )
            self._record(
                row_id,
                status="failed",
                attempts=attempts,
                next_attempt_at=self.now + wait,
                last_error=f"{UNSURE}{result.error}" if result.uncertain else result.error,
            )
        else:
            self.report.dropped += 1
            if result.channel_gone:
                self.channels_lost = True
                log.warning(
                    "send %s: cannot post in %s (%s); dropped, and whoever set the channel up "
                    "is told once",
                    due.key,
                    due.target,
                    result.error,
                )
            else:
                log.warning("send %s refused for good (%s); dropped", due.key, result.error)
            self._record(row_id, status="dropped", attempts=attempts, last_error=result.error)

    def _record(self, row_id: int, **values: Any) -> None:
        with self.lock:
            self.outcomes.append({"id": row_id, **values})

    def flush(self) -> None:
        """Record the outcomes so far (from the pass's own thread only)."""
        with self.lock:
            outcomes, self.outcomes = self.outcomes, []
        if outcomes:
            with self.deps.db.write() as session:
                schedules.record_outcomes(session, outcomes)
        self.flushed_at = clock_time.monotonic()

    def drain(self) -> None:
        """Wait for the sends under way and record every outcome; then raise what a send raised
        (its row stays `sending`, to be settled like a crash's)."""
        futures, self.futures = self.futures, []
        wait(futures)
        self.flush()
        for future in futures:
            future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def find_keyed(slack: SlackGateway, row: Delivery) -> SendResult | None:
    """The message a delivery's earlier attempt left in Slack (found by the key in its
    metadata), or None; raises LookupError when Slack can't say."""
    return slack.find_sent(row.target, row.key, row.created_at - timedelta(minutes=1))


def found_sent(found: SendResult, now: datetime) -> dict[str, Any]:
    """The ledger values of a delivery whose message was found in Slack."""
    return {"status": "sent", "sent_at": now, "channel_id": found.channel, "message_ts": found.ts}
