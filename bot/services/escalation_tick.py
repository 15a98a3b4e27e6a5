"""The escalation part of a scheduler pass: each project's late actions due now, less those the
deliveries ledger says an earlier message raised (one look-up for the whole pass)."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain import Due
from bot.services.escalation_schedule import ledger_keys, plan_escalations, unraised
from bot.services.schedule import Snapshot
from storage.repositories import schedules


def escalation_dues(deps: Deps, snapshot: Snapshot) -> dict[str, Due]:
    planned = plan_escalations(snapshot)
    if not planned:
        return {}
    with deps.db.read() as session:
        known = schedules.known_keys(session, set().union(*(ledger_keys(d) for d in planned)))
    dues: dict[str, Due] = {}
    for due in planned:
        kept = unraised(due, known)
        if kept is not None:
            dues[kept.key] = kept
    return dues
