"""Buttons on items: Done, Snooze, Reassign, Close. A press that finds the work already done
changes nothing and says so, instead of failing, because two people often click at once.

A press carries the item as its buttons were drawn (bot.presses): a snooze applies only while
the due date is still the one it snoozes from, a reassignment only while the owner is still the
one it hands over from, each checked under the write's own lock, so the same press delivered
twice changes the item once. Presses from buttons drawn before that carry nothing and are
applied as they always were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.domain import Actor, Item, Kind
from bot.errors import Conflict
from bot.presses import HANDED, MOVED, Drawn, due_mark, owner_mark
from bot.services import items, registers

SNOOZE_DAYS = {"snooze_day": 1, "snooze_week": 7}


@dataclass(frozen=True)
class Outcome:
    """What a press did; when nothing changed, `note` says why, or `already` (MOVED, HANDED)
    says the item had moved on from what the press was drawn for (`item` shows it as it is)."""

    item: Item
    verb: str
    changed: bool
    note: str | None = None
    already: str | None = None


class _MovedOn(Conflict):
    def __init__(self, already: str):
        super().__init__(already)
        self.already = already


def press(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    number: int,
    control: str,
    *,
    assignee: str | None = None,
    drawn: Drawn | None = None,
) -> Outcome:
    """Apply one control; `control` is done, close, snooze_day, snooze_week or reassign."""
    drawn = drawn or Drawn()
    try:
        if control in ("done", "close"):
            change = items.close_item(deps, actor, kind, number, None)
        elif control in SNOOZE_DAYS:
            item = registers.show_item(deps, actor, kind, number)
            from_due = due_mark(item.due) if drawn.due is None else drawn.due
            still_due = _unless(lambda now: due_mark(now.due) != from_due, MOVED)
            still_due(item)
            due = snoozed_due(item, deps.clock.now(), actor.timezone, SNOOZE_DAYS[control])
            change = items.update_item(
                deps, actor, kind, number, {"due": due}, "snoozed", guard=still_due
            )
        elif control == "reassign":
            if assignee is None:
                raise Conflict("Pick someone to hand it to.")
            change = items.update_item(
                deps,
                actor,
                kind,
                number,
                {"owner": assignee},
                "assigned",
                guard=_unless(lambda now: _handed(now, drawn.owner, assignee), HANDED),
            )
        else:
            raise ValueError(f"unknown control {control!r}")
    except _MovedOn as moved:
        current = registers.show_item(deps, actor, kind, number)
        return Outcome(current, control, changed=False, already=moved.already)
    except Conflict as conflict:
        current = registers.show_item(deps, actor, kind, number)
        return Outcome(current, control, changed=False, note=conflict.message)
    return Outcome(change.item, change.verb, changed=True)


def _unless(moved_on: Callable[[Item], bool], already: str) -> Callable[[Item], None]:
    """A guard for items.update_item: refuses the write when the item has moved on."""

    def guard(item: Item) -> None:
        if moved_on(item):
            raise _MovedOn(already)

    return guard


def _handed(item: Item, from_owner: str | None, assignee: str) -> bool:
    """Already with the assignee, or (when the press says) no longer with whom it was drawn."""
    mark = owner_mark(item.owner_id)
    return item.owner_id == assignee or (from_owner is not None and mark != from_owner)


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
