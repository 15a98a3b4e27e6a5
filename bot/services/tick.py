"""One scheduler pass: read what is due, claim each send in the deliveries ledger, send, record.

Exactly once: a send happens only after its row was inserted under a unique key by this pass
(`INSERT … ON CONFLICT DO NOTHING RETURNING`), so a second worker or a restart cannot send it
again. A failed send is retried on later passes with backoff while its day lasts; a send cut
short by a crash (the row still `sending`) is settled by looking for the message itself, which
carries its key in Slack's message metadata, before anything is sent again.
"""

from __future__ import annotations

import logging
import threading
import time as clock_time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from bot.deps import Deps
from bot.domain import Due, ReminderDue
from bot.services import schedule
from bot.services.people import valid_zone
from bot.services.rows import to_item
from bot.services.scope import project_ref
from bot.services.standup_tick import standup_dues
from bot.slack import SendResult
from storage.models import Delivery, Project
from storage.repositories import schedules

log = logging.getLogger("pmo_bot.tick")
LOOKAHEAD = timedelta(days=2)  # due "tomorrow" anywhere on Earth is within two UTC days
STALE_AFTER = timedelta(minutes=10)  # a `sending` row this old was left by a stopped worker
FLUSH_SECONDS = 5.0  # record outcomes at least this often during a long pass
MAX_BACKOFF = timedelta(minutes=30)
MARK = "tick"


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
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, failed {self.failed}, dropped {self.dropped}, "
            f"already done {self.already}, settled {self.settled}, waiting {self.waiting}, "
            f"quiet {self.quiet}, missed while down {self.missed}"
        )


def run_tick(
    deps: Deps,
    render: Renderer,
    *,
    worker: str,
    dry_run: bool = False,
    pacer: Pacer | None = None,
    describe: Callable[[str, list[dict[str, Any]]], str] | None = None,
    senders: int = 1,
) -> TickReport:
    """One pass; a dry run reports what it would send (as `describe` draws it) and sends
    nothing, records nothing. `senders` sends may be in flight at once (1: one after another,
    in key order)."""
    now = deps.clock.now()
    snapshot = with_slack_zones(deps, load_snapshot(deps, now), save=not dry_run)
    planned = schedule.plan(snapshot)
    report = TickReport(waiting=planned.waiting, quiet=planned.quiet, missed=len(planned.missed))
    dues: dict[str, Due] = {r.key: r for r in planned.reminders}
    dues |= {e.key: e for e in planned.escalations}
    dues |= standup_dues(deps, now, refresh=not dry_run)
    report.due = len(dues)
    if dry_run:
        return _dry_run(deps, render, now, dues, report, describe or (lambda text, _: text))
    for key in planned.missed:
        log.info(
            "dropped %s: its time passed while no worker ran; reminders keep to their day", key
        )
    sender = _Sender(deps, render, now, pacer or Pacer(), report, senders)
    _settle_stale(deps, now, worker, report)
    with deps.db.write() as session:
        retries = schedules.claim_retries(session, now, worker)
    sender.send_claimed(retries, dues)
    with deps.db.write() as session:
        won = schedules.claim_new(session, [_row(d, now, worker) for d in dues.values()])
    retried = {row.key for row in retries}
    report.already += sum(1 for key in dues if key not in won and key not in retried)
    sender.send_new([dues[key] for key in sorted(won)], won)
    sender.finish()
    with deps.db.write() as session:
        schedules.set_mark(session, MARK, now)
    log.info("pass at %s: %s", now.isoformat(timespec="seconds"), report.summary())
    return report


def load_snapshot(deps: Deps, now: datetime) -> schedule.Snapshot:
    """Everything a pass needs, in a fixed number of queries whatever the data size."""
    until = now.date() + LOOKAHEAD
    with deps.db.read() as session:
        found: list[tuple[Any, Project, str]] = [
            *schedules.due_actions(session, until),
            *schedules.risks_for_review(session, until),
            *schedules.due_issues(session, until),
        ]
        workspace_ids = {row[1].workspace_id for row in found}
        zones = schedules.profiles(session, workspace_ids)
        start, end = now.date() - timedelta(days=schedule.MISSED_LOOKBACK_DAYS + 1), until
        holidays, away = schedules.calendars(session, start, end)
        last_pass = schedules.mark(session, MARK)
    tracked = tuple(
        schedule.Tracked(
            project.workspace_id, team_id, _rules(project), to_item(row, project_ref(project))
        )
        for row, project, team_id in found
    )
    return schedule.Snapshot(
        now=now,
        items=tracked,
        zones=zones,
        holidays=holidays,
        away=away,
        last_pass=last_pass,
    )


def with_slack_zones(deps: Deps, snapshot: schedule.Snapshot, *, save: bool) -> schedule.Snapshot:
    """Ask Slack for the zones of owners never seen before; cache them in one statement.

    Someone assigned an action by a colleague may never have typed a command; without this,
    their reminder would follow the project's zone instead of their own.
    """
    owners = {(t.workspace_id, t.item.owner_id) for t in snapshot.items if t.item.owner_id}
    missing = sorted(person for person in owners if person not in snapshot.zones)
    if not missing:
        return snapshot
    zones = dict(snapshot.zones)
    rows = []
    for workspace_id, user_id in missing:
        found = deps.slack.user_info(user_id)
        if found is None or not found.timezone or not valid_zone(found.timezone):
            continue  # the project's zone stands in; Slack is asked again next pass
        zones[(workspace_id, user_id)] = found.timezone
        rows.append(
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "name": found.name,
                "timezone": found.timezone,
                "fetched_at": snapshot.now,
            }
        )
    if save and rows:
        with deps.db.write() as session:
            schedules.save_profiles(session, rows)
    return replace(snapshot, zones=zones)


def _rules(project: Project) -> schedule.Rules:
    hours, _, minutes = project.reminder_time.partition(":")
    return schedule.Rules(
        project_id=project.id,
        timezone=project.timezone,
        reminder_time=time(int(hours), int(minutes or 0)),
        escalation_days=project.escalation_days,
    )


def _row(due: Due, now: datetime, worker: str) -> dict[str, Any]:
    return {
        "workspace_id": due.workspace_id,
        "key": due.key,
        "kind": due.key.split(":", 1)[0],
        "target": due.target,
        "local_day": due.local_day,
        "status": "sending",
        "attempts": 0,
        "claimed_by": worker,
        "claimed_at": now,
        "created_at": now,
    }


def _settle_stale(deps: Deps, now: datetime, worker: str, report: TickReport) -> None:
    """Rows a stopped worker left `sending`: sent if Slack has the message, else retried.

    The rows are claimed in one short transaction and Slack is asked with none open, so the
    history look-ups never hold a lock other requests wait on.
    """
    with deps.db.write() as session:
        stale = schedules.claim_stale(session, now - STALE_AFTER, now, worker)
    outcomes: list[dict[str, Any]] = []
    for row in stale:
        try:
            found = deps.slack.find_sent(row.target, row.key, row.created_at - timedelta(minutes=1))
        except LookupError as error:
            log.warning("cannot settle %s yet: %s", row.key, error)
            continue
        if found is not None:
            outcome = {"status": "sent", "sent_at": now, "channel_id": found.channel}
            outcomes.append({"id": row.id, **outcome, "message_ts": found.ts})
            log.info("settled %s: it was sent before the worker stopped", row.key)
        else:
            outcomes.append({"id": row.id, "status": "failed", "next_attempt_at": now})
            log.info("settled %s: never reached Slack; retrying", row.key)
        report.settled += 1
    if outcomes:
        with deps.db.write() as session:
            schedules.record_outcomes(session, outcomes)


class _Sender:
    """Sends claimed deliveries and records their outcomes in batches.

    With several `senders`, drawing the next message and recording outcomes overlap with the
    sends under way, and a pass waits on Slack's round trips several at a time rather than one
    by one (benchmarks/fanout.py); the pacer still spaces the sends out. Each claimed row is
    sent by one thread only, so exactly-once is the ledger's, as before.
    """

    def __init__(
        self,
        deps: Deps,
        render: Renderer,
        now: datetime,
        pacer: Pacer,
        report: TickReport,
        senders: int = 1,
    ):
        self.deps, self.render, self.now, self.pacer, self.report = deps, render, now, pacer, report
        self.outcomes: list[dict[str, Any]] = []
        self.flushed_at = clock_time.monotonic()
        self.lock = threading.RLock()  # outcomes and the report, shared with the send threads
        self.pool = ThreadPoolExecutor(senders, "pmo-send") if senders > 1 else None
        self.slots = threading.BoundedSemaphore(2 * senders)  # drawn but not yet sent
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
            self._send(row.id, due, attempts=row.attempts)

    def _send(self, row_id: int, due: Due, *, attempts: int) -> None:
        text, blocks = self.render(due, self.now)
        self.pacer.wait()
        if self.pool is None:
            self._post(row_id, due, text, blocks, attempts)
        else:
            self.slots.acquire()
            future = self.pool.submit(self._post, row_id, due, text, blocks, attempts)
            future.add_done_callback(lambda _: self.slots.release())
            self.futures.append(future)
        if clock_time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self.flush()

    def _post(
        self, row_id: int, due: Due, text: str, blocks: list[dict[str, Any]], attempts: int
    ) -> None:
        thread = getattr(due, "thread_ts", None)
        result = self.deps.slack.send(due.target, text, blocks, due.key, thread)
        with self.lock:
            self._outcome(row_id, due, result, attempts + 1)

    def _outcome(self, row_id: int, due: Due, result: SendResult, attempts: int) -> None:
        if result.ok:
            self.report.sent += 1
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
            backoff = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
            log.warning(
                "send %s failed (%s), attempt %d; retrying in %s",
                due.key,
                result.error,
                attempts,
                backoff,
            )
            self._record(
                row_id,
                status="failed",
                attempts=attempts,
                next_attempt_at=self.now + backoff,
                last_error=result.error,
            )
        else:
            self.report.dropped += 1
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

    def finish(self) -> None:
        """Wait for the sends under way, record every outcome; then raise what a send raised
        (its row stays `sending`, to be settled like a crash's)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.flush()
        for future in self.futures:
            future.result()


def _dry_run(
    deps: Deps,
    render: Renderer,
    now: datetime,
    dues: dict[str, Due],
    report: TickReport,
    describe: Callable[[str, list[dict[str, Any]]], str],
) -> TickReport:
    """What a pass would send now, and what it would skip as already done; sends nothing."""
    with deps.db.read() as session:
        done = schedules.known_keys(session, list(dues))
    for key, due in sorted(dues.items()):
        if key in done:
            report.already += 1
            report.lines.append(f"already handled: {key}")
            continue
        text, blocks = render(due, now)
        where = (
            f"DM to {due.user_id} ({due.timezone})"
            if isinstance(due, ReminderDue)
            else f"post in {due.target}"
        )
        report.lines.append(f"would send {key} — {where}\n{describe(text, blocks)}")
    return report
