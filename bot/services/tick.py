"""One scheduler pass: read what is due, claim each send in the deliveries ledger, send, record.

Exactly once: a send happens only after its row was inserted under a unique key by this pass
(`INSERT … ON CONFLICT DO NOTHING RETURNING`), and only while the pass still holds it: claims
are taken a chunk at a time, renewed, and fenced just before each attempt
(bot.services.claims), so a second worker, a restart or a pass longer than the stale window
cannot send it again. Only the ledger retries (the send client retries nothing but 429s): a
failed send is retried on later passes with backoff while its day lasts; a send cut short by
a crash (the row still `sending`), or whose answer never came back (a timeout, a dropped
connection, a 5xx), may have been posted all the same, so it is looked for first, by the key
its message carries in Slack's metadata, one history read per conversation
(bot.services.settle). A channel that refuses the bot for good (removed, deleted, archived) is
not retried: its owner is told once (bot.services.channel_lost). Each pass ends by sweeping
the replay ledgers of what is past any retry (bot.services.replays).
"""

from __future__ import annotations

import logging
import time as clock_time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from bot.deps import Deps
from bot.digest_domain import PARENT
from bot.domain import DigestDue, Due, Kind, ReminderDue
from bot.services import schedule
from bot.services.access import settle_privacy
from bot.services.channel_lost import channel_lost_dues
from bot.services.claims import Claims
from bot.services.digest_tick import digest_dues
from bot.services.escalation_tick import escalation_dues
from bot.services.pacing import Pacing
from bot.services.people import valid_zone
from bot.services.portfolio_tick import portfolio_dues
from bot.services.replays import sweep_replays
from bot.services.rows import columns_item
from bot.services.scope import project_ref
from bot.services.sender import Renderer, Sender, TickReport
from bot.services.senders import Senders
from bot.services.standup_tick import standup_dues
from storage.models import Project
from storage.repositories import schedules

log = logging.getLogger("pmo_bot.tick")
LOOKAHEAD = timedelta(days=2)  # due "tomorrow" anywhere on Earth is within two UTC days
MARK = "tick"


def run_tick(
    deps: Deps,
    render: Renderer,
    *,
    worker: str,
    dry_run: bool = False,
    pacing: Pacing | None = None,
    describe: Callable[[str, list[dict[str, Any]]], str] | None = None,
    in_flight: int = 1,
) -> TickReport:
    """One pass; a dry run reports what it would send (as `describe` draws it) and sends
    nothing, records nothing. Sends are paced as Slack asks (`pacing`; by default one message a
    second per conversation and PMO_SEND_RATE a second per workspace), up to `in_flight` of
    them under way at once (1: one after another)."""
    now = deps.clock.now()
    started = clock_time.monotonic()
    senders = Senders(deps)
    # A scheduled portfolio leaves private projects out: ask Slack about the unknown ones (a
    # dry run asks too, to describe what would go out, but stores nothing).
    privacy = settle_privacy(deps, record=not dry_run)
    snapshot = with_slack_zones(deps, load_snapshot(deps, now), senders, save=not dry_run)
    planned = schedule.plan(snapshot)
    report = TickReport(waiting=planned.waiting, quiet=planned.quiet, missed=len(planned.missed))
    dues: dict[str, Due] = {r.key: r for r in planned.reminders}
    dues |= escalation_dues(deps, snapshot)
    dues |= standup_dues(deps, now, senders, refresh=not dry_run)
    dues |= digest_dues(deps, now, snapshot.last_pass, dry_run=dry_run)
    dues |= portfolio_dues(deps, now, snapshot.last_pass, dry_run=dry_run, privacy=privacy)
    dues |= channel_lost_dues(deps, now)
    dues = senders.keep(dues)
    report.due = len(dues)
    if dry_run:
        report.lines += [f"skipped {key}: the app is uninstalled there" for key in senders.silenced]
        return _dry_run(deps, render, now, dues, report, describe or (lambda text, _: text))
    claims = Claims(deps, worker)
    _drop_silenced(deps, senders, claims, report)
    for key in planned.missed:
        log.info(
            "dropped %s: its time passed while no worker ran; reminders keep to their day", key
        )
    pacing = pacing or Pacing(deps.clock, deps.settings.send_rate)
    sender = Sender(deps, senders, render, now, pacing, report, claims, in_flight)
    try:
        _send_all(deps, sender, senders, dues, snapshot.last_pass)
    finally:
        sender.close()
    with deps.db.write() as session:
        schedules.set_mark(session, MARK, now)
    report.swept = sweep_replays(deps, now)
    duration_ms = round((clock_time.monotonic() - started) * 1000)
    extra = {"worker": worker, "pass_at": now.isoformat(timespec="seconds"), **report.fields()}
    log.info("scheduler pass done", extra=extra | {"duration_ms": duration_ms})
    return report


def _send_all(
    deps: Deps,
    sender: Sender,
    senders: Senders,
    dues: dict[str, Due],
    last_pass: datetime | None,
) -> None:
    """Take over what a stopped worker left and retry what failed, then send what is newly
    due, a chunk of claims at a time; a digest's thread replies and channel-lost notices
    follow what made them due."""
    now, report, claims = sender.now, sender.report, sender.claims
    chunk = claims.chunk_size(deps.settings.send_rate)
    retried: set[str] = set()
    while held := [*claims.take_stale(chunk), *claims.take_retries(now, chunk)]:
        retried |= {row.key for row in held}
        sender.send_held(held, dues)
    _claim_and_send(sender, dues, retried, chunk)
    if any(getattr(due, "part", None) == PARENT for due in dues.values()):
        # A digest's replies need its parent's ts: those of parents posted just now go now,
        # drawn from the digests composed for those parents (one composition a digest a pass).
        composed = {
            due.key: due.digest
            for due in dues.values()
            if isinstance(due, DigestDue) and due.part == PARENT
        }
        replies = digest_dues(deps, now, last_pass, composed=composed)
        replies = senders.keep({key: due for key, due in replies.items() if key not in dues})
        report.due += len(replies)
        _claim_and_send(sender, replies, set(), chunk)
    if sender.channels_lost:  # tell the owners now rather than a pass later
        notices = channel_lost_dues(deps, now)
        notices = senders.keep({key: due for key, due in notices.items() if key not in dues})
        report.due += len(notices)
        _claim_and_send(sender, notices, set(), chunk)


def _claim_and_send(sender: Sender, dues: dict[str, Due], retried: set[str], chunk: int) -> None:
    """Claim the dues' keys a chunk at a time (those already in the ledger are someone
    else's, or were retried above) and send what this pass won."""
    keys = sorted(dues)
    for start in range(0, len(keys), chunk):
        batch = [dues[key] for key in keys[start : start + chunk]]
        won = sender.claims.take_new([_row(sender.claims, due) for due in batch])
        sender.report.already += sum(1 for d in batch if d.key not in won and d.key not in retried)
        sender.send_new([due for due in batch if due.key in won], won)


def _drop_silenced(deps: Deps, senders: Senders, claims: Claims, report: TickReport) -> None:
    """Sends due in workspaces the app was uninstalled from go in the ledger as dropped, so
    each is logged once, not every pass; a reinstall resumes with the next ones due."""
    skipped = [
        _row(claims, due) | {"status": "dropped", "last_error": "app uninstalled"}
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
        found: list[tuple[Kind, Any, Project, str]] = [
            *((Kind.ACTION, *row) for row in schedules.due_actions(session, until)),
            *((Kind.RISK, *row) for row in schedules.risks_for_review(session, until)),
            *((Kind.ISSUE, *row) for row in schedules.due_issues(session, until)),
        ]
        workspace_ids = {row[2].workspace_id for row in found}
        zones = schedules.profiles(session, workspace_ids)
        start, end = now.date() - timedelta(days=schedule.MISSED_LOOKBACK_DAYS + 1), until
        holidays, away = schedules.calendars(session, start, end)
        last_pass = schedules.mark(session, MARK)
    tracked = tuple(
        schedule.Tracked(
            project.workspace_id,
            team_id,
            _rules(project),
            columns_item(kind, row, project_ref(project)),
        )
        for kind, row, project, team_id in found
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


def _row(claims: Claims, due: Due) -> dict[str, Any]:
    return claims.row(
        due.key,
        workspace_id=due.workspace_id,
        target=due.target,
        local_day=due.local_day,
        thread_ts=getattr(due, "thread_ts", None),
    )


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
