"""Pure builders of the buttons under an item: Done, Snooze, Reassign on actions; Update, Close
on risks. Every surface (lists, App Home, reminders) uses these, so one route handles them all."""

from __future__ import annotations

from typing import Any

from bot.domain import Item, Kind
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


def item_controls(item: Item, origin: str = "") -> dict[str, Any] | None:
    """The controls block for an open action or risk; None for other items.

    `origin` says where the controls are shown (`list:…`, `show`), so a press on an ephemeral
    message (which Slack does not send back) can redraw that message; it rides in each value.

    Drawn as the dict slack_sdk's builders would give (tests/unit/test_serialize.py holds them
    equal): under every item of every list and reminder, building it through them was three
    quarters of a reminder pass's drawing (benchmarks/fanout.py).
    """
    if not item.is_open:
        return None
    value = f"{item.ref} {origin}".strip()
    if item.kind is Kind.ACTION:
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


def control_target(action: dict[str, Any]) -> tuple[str, str]:
    """(ref, origin) of a pressed control: from a button's value, else its block's id."""
    value = str(action.get("value") or "")
    if not value:
        value = str(action.get("block_id", "")).removeprefix(CONTROLS_BLOCK).replace("|", " ")
    ref, _, origin = value.partition(" ")
    return ref, origin


def parse_list_origin(origin: str) -> tuple[str, str | None, str, int] | None:
    """(scope, owner, project slug, page) from a `list:` origin; None for anything else."""
    parts = origin.split(":")
    if len(parts) != 5 or parts[0] != "list" or not parts[4].isdecimal():
        return None
    return parts[1], parts[2] or None, parts[3], int(parts[4])
