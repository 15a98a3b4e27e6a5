"""One scheduler pass: read what is due, claim each send in the deliveries ledger, send, record.

Exactly once: a send happens only after its row was inserted under a unique key by this pass
(`INSERT … ON CONFLICT DO NOTHING RETURNING`), so a second worker or a restart cannot send it
again. A failed send is retried on later passes with backoff while its day lasts; a send cut
short by a crash (the row still `sending`) is settled by looking for the message itself, which
carries its key in Slack's message metadata, before anything is sent again. A send whose
answer never came back (a timeout, a dropped connection, a 5xx) may have been posted all the
same, so its retry looks for the message first too. A channel that refuses the bot for good
(removed, deleted, archived) is not retried: its owner is told once (bot.services.channel_lost).
"""

from __future__ import annotations

import logging
import time as clock_time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from bot.deps import Deps
from bot.digest_domain import PARENT, ChartFile
from bot.domain import DigestDue, Due, ReminderDue
from bot.services import schedule
from bot.services.channel_lost import channel_lost_dues
from bot.services.digest_tick import digest_dues
from bot.services.people import valid_zone
from bot.services.portfolio_tick import portfolio_dues
from bot.services.rows import to_item
from bot.services.scope import project_ref
from bot.services.senders import Senders
from bot.services.standup_tick import standup_dues
from bot.slack import SendResult, SlackGateway
from storage.models import Delivery, Project
from storage.repositories import schedules, workspaces

log = logging.getLogger("pmo_bot.tick")
LOOKAHEAD = timedelta(days=2)  # due "tomorrow" anywhere on Earth is within two UTC days
STALE_AFTER = timedelta(minutes=10)  # a `sending` row this old was left by a stopped worker
FLUSH_SECONDS = 5.0  # record outcomes at least this often during a long pass
MAX_BACKOFF = timedelta(minutes=30)
MARK = "tick"
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
        }
        return counts | {f"sent_{kind}": n for kind, n in sorted(self.sent_by_kind.items())}


def run_tick(
    deps: Deps,
    render: Renderer,
    *,
    worker: str,
    dry_run: bool = False,
    pacer: Pacer | None = None,
    describe: Callable[[str, list[dict[str, Any]]], str] | None = None,
) -> TickReport:
    """One pass; a dry run reports what it would send (as `describe` draws it) and sends
    nothing, records nothing."""
    now = deps.clock.now()
    started = clock_time.monotonic()
    senders = Senders(deps)
    snapshot = with_slack_zones(deps, load_snapshot(deps, now), senders, save=not dry_run)
    planned = schedule.plan(snapshot)
    report = TickReport(waiting=planned.waiting, quiet=planned.quiet, missed=len(planned.missed))
    dues: dict[str, Due] = {r.key: r for r in planned.reminders}
    dues |= {e.key: e for e in planned.escalations}
    dues |= standup_dues(deps, now, senders, refresh=not dry_run)
    dues |= digest_dues(deps, now, snapshot.last_pass, dry_run=dry_run)
    dues |= portfolio_dues(deps, now, snapshot.last_pass, dry_run=dry_run)
    dues |= channel_lost_dues(deps, now)
    dues = senders.keep(dues)
    report.due = len(dues)
    if dry_run:
        report.lines += [f"skipped {key}: the app is uninstalled there" for key in senders.silenced]
        return _dry_run(deps, render, now, dues, report, describe or (lambda text, _: text))
    _drop_silenced(deps, senders, now, worker, report)
    for key in planned.missed:
        log.info(
            "dropped %s: its time passed while no worker ran; reminders keep to their day", key
        )
    sender = _Sender(deps, senders, render, now, pacer or Pacer(), report)
    _settle_stale(deps, senders, now, worker, report)
    with deps.db.write() as session:
        retries = schedules.claim_retries(session, now, worker)
    sender.send_claimed(retries, dues)
    _claim_and_send(deps, sender, dues, {row.key for row in retries}, worker)
    if any(getattr(due, "part", None) == PARENT for due in dues.values()):
        # A digest's replies need its parent's ts: those of parents posted just now go now.
        replies = digest_dues(deps, now, snapshot.last_pass)
        replies = senders.keep({key: due for key, due in replies.items() if key not in dues})
        report.due += len(replies)
        _claim_and_send(deps, sender, replies, set(), worker)
    if sender.channels_lost:  # tell the owners now rather than a pass later
        notices = channel_lost_dues(deps, now)
        notices = senders.keep({key: due for key, due in notices.items() if key not in dues})
        report.due += len(notices)
        _claim_and_send(deps, sender, notices, set(), worker)
    with deps.db.write() as session:
        schedules.set_mark(session, MARK, now)
    duration_ms = round((clock_time.monotonic() - started) * 1000)
    extra = {"worker": worker, "pass_at": now.isoformat(timespec="seconds"), **report.fields()}
    log.info("scheduler pass done", extra=extra | {"duration_ms": duration_ms})
    return report


def _claim_and_send(
    deps: Deps, sender: _Sender, dues: dict[str, Due], retried: set[str], worker: str
) -> dict[str, int]:
    """Claim the dues' keys (those already in the ledger are someone else's) and send what this
    pass won; the keys won, with their row ids."""
    with deps.db.write() as session:
        won = schedules.claim_new(session, [_row(d, sender.now, worker) for d in dues.values()])
    sender.report.already += sum(1 for key in dues if key not in won and key not in retried)
    sender.send_new([dues[key] for key in sorted(won)], won)
    sender.flush()
    return won


def _drop_silenced(
    deps: Deps, senders: Senders, now: datetime, worker: str, report: TickReport
) -> None:
    """Sends due in workspaces the app was uninstalled from go in the ledger as dropped, so
    each is logged once, not every pass; a reinstall resumes with the next ones due."""
    skipped = [
        _row(due, now, worker) | {"status": "dropped", "last_error": "app uninstalled"}
        for due in senders.silenced.values()
    ]
    if not skipped:
        return
    with deps.db.write() as session:
        won = schedules.claim_new(session, skipped)
    for key in sorted(won):
        log.info("skipped %s: the app is uninstalled in that workspace (its data is kept)", key)
    report.dropped += len(won)


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


def with_slack_zones(
    deps: Deps, snapshot: schedule.Snapshot, senders: Senders, *, save: bool
) -> schedule.Snapshot:
    """Ask Slack for the zones of owners never seen before; cache them in one statement.

    Someone assigned an action by a colleague may never have typed a command; without this,
    their reminder would follow the project's zone instead of their own.
    """
    owners = {(t.workspace_id, t.item.owner_id) for t in snapshot.items if t.item.owner_id}
    missing = sorted(person for person in owners if person not in snapshot.zones)
    if not missing:
        return snapshot
    zones = dict(snapshot.zones)
    teams = {t.workspace_id: t.team_id for t in snapshot.items}
    rows = []
    for workspace_id, user_id in missing:
        slack = senders.for_team(teams[workspace_id])
        found = slack.user_info(user_id) if slack is not None else None
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


def _settle_stale(
    deps: Deps, senders: Senders, now: datetime, worker: str, report: TickReport
) -> None:
    """Rows a stopped worker left `sending`: sent if Slack has the message, else retried.

    The rows are claimed in one short transaction and Slack is asked with none open, so the
    history look-ups never hold a lock other requests wait on.
    """
    with deps.db.write() as session:
        stale = schedules.claim_stale(session, now - STALE_AFTER, now, worker)
        teams = workspaces.team_ids(session, {row.workspace_id for row in stale})
    outcomes: list[dict[str, Any]] = []
    for row in stale:
        slack = senders.for_team(teams[row.workspace_id])
        if slack is None:  # uninstalled: Slack can't be asked, and nothing more goes there
            outcomes.append({"id": row.id, "status": "dropped", "last_error": "not installed"})
            report.dropped += 1
            continue
        try:
            found = slack.find_sent(row.target, row.key, row.created_at - timedelta(minutes=1))
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
    """Sends claimed deliveries and records their outcomes in batches."""

    def __init__(
        self,
        deps: Deps,
        senders: Senders,
        render: Renderer,
        now: datetime,
        pacer: Pacer,
        report: TickReport,
    ):
        self.deps, self.senders, self.render = deps, senders, render
        self.now, self.pacer, self.report = now, pacer, report
        self.outcomes: list[dict[str, Any]] = []
        self.flushed_at = clock_time.monotonic()
        self.channels_lost = False

    def send_new(self, dues: Sequence[Due], ids: dict[str, int]) -> None:
        for due in dues:
            self._send(ids[due.key], due, attempts=0)

    def send_claimed(self, rows: Sequence[Delivery], dues: dict[str, Due]) -> None:
        for row in rows:
            due = dues.get(row.key)
            if due is None:  # its day is over, or nothing is due any more
                self._record(row.id, status="dropped", last_error="no longer due")
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
            found = slack.find_sent(row.target, row.key, row.created_at - timedelta(minutes=1))
        except LookupError as error:
            log.warning("cannot tell whether %s went out: %s; asking again later", row.key, error)
            self._record(row.id, status="failed", next_attempt_at=self.now + _backoff(1))
            self.report.failed += 1
            return True
        if found is None:
            return False
        self.report.settled += 1
        log.info("settled %s: the attempt left unanswered had reached Slack", row.key)
        self._record(
            row.id, status="sent", sent_at=self.now, channel_id=found.channel, message_ts=found.ts
        )
        return True

    def _send(self, row_id: int, due: Due, *, attempts: int) -> None:
        thread = getattr(due, "thread_ts", None)
        slack = self.senders.for_team(due.team_id)
        chart: ChartFile | None = getattr(due, "chart", None)
        if slack is None:  # the dues were filtered by team, so only if uninstalled mid-pass
            result = SendResult(ok=False, error="not_installed")
        elif chart is not None:
            self.pacer.wait()
            result = self._upload(slack, due.target, chart, thread)
        else:
            text, blocks = self.render(due, self.now)
            self.pacer.wait()
            result = slack.send(due.target, text, blocks, due.key, thread)
        self._outcome(row_id, due, result, attempts + 1)
        if clock_time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self.flush()

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
            backoff = _backoff(attempts)
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
        self.outcomes.append({"id": row_id, **values})

    def flush(self) -> None:
        if self.outcomes:
            with self.deps.db.write() as session:
                schedules.record_outcomes(session, self.outcomes)
            self.outcomes = []
        self.flushed_at = clock_time.monotonic()


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


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
        if isinstance(due, DigestDue) and due.parent_key is not None:
            where += f", in the thread of {due.parent_key}"

        report.lines.append(f"would send {key} — {where}\n{describe(text, blocks)}")
    return report
