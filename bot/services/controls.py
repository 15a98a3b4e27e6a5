"""Buttons on items: Done, Snooze, Reassign, Close. A press that finds the work already done
changes nothing and says so, instead of failing, because two people often click at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.domain import Actor, Item, Kind
from bot.errors import Conflict
from bot.services import items, registers

SNOOZE_DAYS = {"snooze_day": 1, "snooze_week": 7}


@dataclass(frozen=True)
class Outcome:
    item: Item
    verb: str
    changed: bool
    note: str | None = None


def press(
    deps: Deps, actor: Actor, kind: Kind, number: int, control: str, *, assignee: str | None = None
) -> Outcome:
    """Apply one control; `control` is done, close, snooze_day, snooze_week or reassign."""
    try:
        if control in ("done", "close"):
            change = items.close_item(deps, actor, kind, number, None)
        elif control in SNOOZE_DAYS:
            item = registers.show_item(deps, actor, kind, number)
            due = snoozed_due(item, deps.clock.now(), actor.timezone, SNOOZE_DAYS[control])
            change = items.update_item(deps, actor, kind, number, {"due": due}, "snoozed")
        elif control == "reassign":
            if assignee is None:
                raise Conflict("Pick someone to hand it to.")
            change = items.update_item(deps, actor, kind, number, {"owner": assignee}, "assigned")
        else:
            raise ValueError(f"unknown control {control!r}")
    except Conflict as conflict:
        current = registers.show_item(deps, actor, kind, number)
        return Outcome(current, control, changed=False, note=conflict.message)
    return Outcome(change.item, change.verb, changed=True)


def snoozed_due(item: Item, now: datetime, timezone: str, days: int) -> date | datetime:
    """Push the due date `days` on from the later of its current due day and today.

    A due time keeps its time of day (in the reader's zone); a late item is pushed from today,
    so snoozing an action three weeks overdue does not leave it overdue.
    """
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if item.due_at is not None:
        local = item.due_at.astimezone(zone)
        day = max(local.date(), today) + timedelta(days=days)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return max(item.due_on or today, today) + timedelta(days=days)
