"""Pure builders of the buttons under an item: Done, Snooze, Reassign on actions; Update, Close
on risks. Every surface (lists, App Home, reminders) uses these, so one route handles them all.

A control's value (and, for the user picker, which has none, its block id) is the item's ref,
then where it is shown, then on actions the due date and owner it was drawn with
(`A-7 list:open::apollo:1 due=2026-11-20 owner=U0BOB`), so a replayed press changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import Item, Kind
from bot.presses import Drawn, drawn
from handlers.ids import (
    CLOSE,
    CONTROLS_BLOCK,
    DONE,
    REASSIGN,
    SNOOZE_DAY,
    SNOOZE_WEEK,
    UPDATE,
    controls_block,
)

DUE = "due="
OWNER = "owner="


def item_controls(item: Item, origin: str = "") -> dict[str, Any] | None:
    """The controls block for an open action or risk; None for other items.

    `origin` says where the controls are shown (`list:…`, `show`), so a press on an ephemeral
    message (which Slack does not send back) can redraw that message; it rides in each value,
    with what an action's buttons act on (its due date and owner as drawn).

    Drawn as the dict slack_sdk's builders would give (tests/unit/test_serialize.py holds them
    equal): under every item of every list and reminder, building it through them was three
    quarters of a reminder pass's drawing (benchmarks/fanout.py).
    """
    if not item.is_open:
        return None
    value = f"{item.ref} {origin}".strip()
    if item.kind is Kind.ACTION:
        state = drawn(item)
        value = f"{value} {DUE}{state.due} {OWNER}{state.owner}"
        reassign: dict[str, Any] = {
            "action_id": REASSIGN,
            "placeholder": {"text": "Reassign…", "type": "plain_text"},
            "type": "users_select",
        }
        if item.owner_id:
            reassign["initial_user"] = item.owner_id
        elements = [
            _button("Done", DONE, value, style="primary"),
            _button("Snooze 1 day", SNOOZE_DAY, value),
            _button("Snooze 1 week", SNOOZE_WEEK, value),
            reassign,
        ]
    elif item.kind is Kind.RISK:
        elements = [_button("Update", UPDATE, value), _button("Close", CLOSE, value)]
    else:
        return None
    block_id = controls_block(value.replace(" ", "|"))
    return {"block_id": block_id, "elements": elements, "type": "actions"}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    text = {"emoji": True, "text": label, "type": "plain_text"}
    button = {"action_id": action_id, "text": text, "type": "button", "value": value}
    return button | ({"style": style} if style else {})


def list_origin(scope: str, owner_id: str | None, project_slug: str, page: int) -> str:
    return f"list:{scope}:{owner_id or ''}:{project_slug}:{page}"


SHOW_ORIGIN = "show"


@dataclass(frozen=True)
class Target:
    """What a pressed control names: the item, where it was shown, the item as it was drawn."""

    ref: str
    origin: str
    drawn: Drawn


def control_target(action: dict[str, Any]) -> Target:
    """The target of a pressed control: from a button's value, else its block's id."""
    value = str(action.get("value") or "")
    if not value:
        value = str(action.get("block_id", "")).removeprefix(CONTROLS_BLOCK).replace("|", " ")
    return read_value(value)


def read_value(value: str) -> Target:
    """A control's value read back; one drawn before values carried the item's due date and
    owner (`A-7 list:…`) reads with neither, and is applied as it was then."""
    ref, *rest = value.split(" ")
    due = owner = None
    origin = []
    for part in rest:
        if part.startswith(DUE):
            due = part.removeprefix(DUE)
        elif part.startswith(OWNER):
            owner = part.removeprefix(OWNER)
        elif part:
            origin.append(part)
    return Target(ref, " ".join(origin), Drawn(due, owner))


def parse_list_origin(origin: str) -> tuple[str, str | None, str, int] | None:
    """(scope, owner, project slug, page) from a `list:` origin; None for anything else."""
    parts = origin.split(":")
    if len(parts) != 5 or parts[0] != "list" or not parts[4].isdecimal():
        return None
    return parts[1], parts[2] or None, parts[3], int(parts[4])
