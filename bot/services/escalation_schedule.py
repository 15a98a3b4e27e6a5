"""The escalation part of the scheduler's judgement, pure: which late actions each project raises
in its channel today, in one message a day.

An action is raised once: on the working day it reaches its project's threshold (its *crossing
day*, counted from its due date on the project's calendar) or, when no message of its project
went out from that day on (the worker was down), in the project's next message within
MISSED_LOOKBACK_DAYS. Whether a message went out is the deliveries ledger's word: the first
message of a project on or after an action's crossing day lists it, so a key of that project
from the crossing day to yesterday says it was raised (`unraised`). Rows under the per-action
key of earlier releases (`legacy_key`) say the same of their action. An owner away today is
raised all the same, marked with their last day away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.domain import EscalationDue, Item, Kind, LateAction
from bot.services.calendar import is_away, is_working_day, working_days_after
from bot.services.schedule import MISSED_LOOKBACK_DAYS, Rules, Snapshot, Tracked


def escalation_key(team_id: str, project_id: int, day: date) -> str:
    return f"escalation:{team_id}:{project_id}:{day.isoformat()}"


def legacy_key(team_id: str, item: Item) -> str:
    """The per-action key earlier releases escalated under (`escalation:T1:A-7:<due day>`)."""
    due = item.due_on.isoformat() if item.due_on else "none"
    return f"escalation:{team_id}:{item.ref}:{due}"


def plan_escalations(snapshot: Snapshot) -> tuple[EscalationDue, ...]:
    """Each project's escalation due now, listing every action whose crossing day is today or
    fell within the lookback; `unraised` then leaves out what the ledger says went out."""
    by_project: dict[tuple[int, str, int], list[Tracked]] = defaultdict(list)
    for entry in snapshot.items:
        by_project[(entry.workspace_id, entry.team_id, entry.rules.project_id)].append(entry)
    dues = []
    for (workspace_id, team_id, project_id), tracked in sorted(by_project.items()):
        rules = tracked[0].rules
        local = snapshot.now.astimezone(ZoneInfo(rules.timezone))
        today = local.date()
        days_off = _days_off(snapshot, workspace_id, project_id)
        if not is_working_day(today, days_off) or local.time() < rules.reminder_time:
            continue
        late = [
            found
            for entry in tracked
            if (found := _late(snapshot, entry, today, days_off)) is not None
        ]
        if late:
            late.sort(key=lambda a: (a.item.due_on or date.min, a.item.number))
            dues.append(
                EscalationDue(
                    key=escalation_key(team_id, project_id, today),
                    workspace_id=workspace_id,
                    team_id=team_id,
                    local_day=today,
                    project=tracked[0].item.project,
                    project_id=project_id,
                    escalation_days=rules.escalation_days,
                    actions=tuple(late),
                )
            )
    return tuple(dues)


def ledger_keys(due: EscalationDue) -> set[str]:
    """The deliveries keys whose presence says an action of `due` was raised already."""
    first = min(action.crossed_on for action in due.actions)
    days = (first + timedelta(n) for n in range((due.local_day - first).days))
    keys = {escalation_key(due.team_id, due.project_id, day) for day in days}
    return keys | {legacy_key(due.team_id, action.item) for action in due.actions}


def unraised(due: EscalationDue, known: Collection[str]) -> EscalationDue | None:
    """`due` without the actions a message of an earlier day (or the old per-action key)
    raised already; None when none is left."""
    kept = tuple(
        action
        for action in due.actions
        if legacy_key(due.team_id, action.item) not in known
        and not any(
            escalation_key(due.team_id, due.project_id, action.crossed_on + timedelta(n)) in known
            for n in range((due.local_day - action.crossed_on).days)
        )
    )
    return replace(due, actions=kept) if kept else None


def _days_off(snapshot: Snapshot, workspace_id: int, project_id: int) -> frozenset[date]:
    calendar = snapshot.holidays.get(workspace_id, {})
    return calendar.get(None, frozenset()) | calendar.get(project_id, frozenset())


def _late(
    snapshot: Snapshot, entry: Tracked, today: date, days_off: frozenset[date]
) -> LateAction | None:
    """The action as escalated today, if its crossing day is today or within the lookback."""
    item, rules = entry.item, entry.rules
    if item.kind is not Kind.ACTION or item.due_on is None or not item.owner_id:
        return None
    late = working_days_after(item.due_on, today, days_off)
    crossed_on = _crossing_day(item.due_on, today, late, rules, days_off)
    if crossed_on is None:
        return None
    away = snapshot.away.get((entry.workspace_id, item.owner_id), ())
    return LateAction(item, late, crossed_on, _away_until(today, away))


def _crossing_day(
    due: date, today: date, late: int, rules: Rules, days_off: frozenset[date]
) -> date | None:
    """The working day the action became `rules.escalation_days` late, if it is today or one
    of the lookback's days (each working day back is one day less late)."""
    if late < rules.escalation_days:
        return None
    day = today
    oldest = today - timedelta(MISSED_LOOKBACK_DAYS)
    while day >= oldest:
        if is_working_day(day, days_off):
            if late == rules.escalation_days:
                return day
            late -= 1
        day -= timedelta(1)
    return None


def _away_until(today: date, periods: Iterable[tuple[date, date]]) -> date | None:
    """The owner's last day away, when they are away today (back-to-back periods join)."""
    spans = sorted(periods)
    if not is_away(today, spans):
        return None
    until = today
    for starts_on, ends_on in spans:
        if starts_on <= until + timedelta(1) and ends_on > until:
            until = ends_on
    return until
