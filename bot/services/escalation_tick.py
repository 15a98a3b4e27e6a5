"""The escalation part of a scheduler pass: each project's late actions due now, less those the
deliveries ledger says an earlier message raised (one look-up for the whole pass)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.deps import Deps
from bot.domain import Due
from bot.services.escalation_schedule import ledger_keys, plan_escalations, unraised
from bot.services.schedule import Snapshot
from storage.repositories import schedules

# How far back holidays count towards an action's working days late: enough for the longest
# threshold (30 working days) and the lookback. The pass's own calendars reach back only a week,
# and an action due before then would otherwise cross a day early for each holiday missed.
HOLIDAYS_BACK = timedelta(days=120)


def escalation_dues(deps: Deps, snapshot: Snapshot) -> dict[str, Due]:
    if not any(t.item.due_on is not None for t in snapshot.items):
        return {}
    today = snapshot.now.date()
    with deps.db.read() as session:
        holidays, _ = schedules.calendars(session, today - HOLIDAYS_BACK, today + timedelta(2))
        planned = plan_escalations(replace(snapshot, holidays=holidays))
        keys = set().union(*(ledger_keys(due) for due in planned))
        known = schedules.known_keys(session, keys)
    dues: dict[str, Due] = {}
    for due in planned:
        kept = unraised(due, known)
        if kept is not None:
            dues[kept.key] = kept
    return dues
