"""What a control under an item carries of the item as it was drawn — its due date and owner —
so the same press delivered twice (a double click, a retry, a replayed payload) changes the item
once: the second finds the item no longer as drawn and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain import Item

NOTHING = "-"  # no due date, no owner
# Why a press changed nothing because the item had moved on from what it was drawn for.
MOVED = "moved"  # the due date is no longer the one the press snoozes from
HANDED = "handed"  # the owner is the assignee already, or no longer the one it hands over from


@dataclass(frozen=True)
class Drawn:
    """The item as its controls were drawn. None where the press does not say (buttons sent
    before presses carried this): such a press is applied as it always was."""

    due: str | None = None
    owner: str | None = None


def due_mark(due: date | datetime | None) -> str:
    """A due date as a control carries it: the day, a moment's Unix second, or `-`."""
    if isinstance(due, datetime):
        return str(int(due.timestamp()))
    if isinstance(due, date):
        return due.isoformat()
    return NOTHING


def owner_mark(owner_id: str | None) -> str:
    return owner_id or NOTHING


def drawn(item: Item) -> Drawn:
    return Drawn(due_mark(item.due), owner_mark(item.owner_id))
