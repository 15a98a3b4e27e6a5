"""Between database rows and domain items: reading a row as an Item, writing fields to it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.domain import Item, Kind, ProjectRef
from bot.fields import FIELDS, Value
from storage.models import Action, Decision, Issue, Risk
from storage.repositories.items import MODELS, ItemRow

KIND_OF: dict[type[ItemRow], Kind] = {model: Kind(letter) for letter, model in MODELS.items()}
ATTRIBUTES = {"owner": "owner_id", "by": "owner_id", "review": "review_on", "link": "source_link"}
INITIAL_STATUS = {
    Kind.RISK: "open",
    Kind.ACTION: "open",
    Kind.ISSUE: "open",
    Kind.DECISION: "active",
}
CLOSED_STATUS = {Kind.RISK: "closed", Kind.ACTION: "done", Kind.ISSUE: "resolved"}


# Item field ← column, for the fields that only some kinds have.
KIND_COLUMNS: dict[type[ItemRow], dict[str, str]] = {
    Risk: {
        "description": "description",
        "category": "category",
        "likelihood": "likelihood",
        "impact": "impact",
        "mitigation": "mitigation",
        "review_on": "review_on",
        "note": "close_reason",
        "closed_at": "closed_at",
    },
    Action: {
        "due_on": "due_on",
        "due_at": "due_at",
        "note": "done_note",
        "closed_at": "done_at",
    },
    Issue: {
        "description": "description",
        "severity": "severity",
        "due_on": "due_on",
        "due_at": "due_at",
        "note": "resolution",
        "closed_at": "resolved_at",
    },
    Decision: {
        "rationale": "rationale",
        "alternatives": "alternatives",
        "decided_on": "decided_on",
        "review_on": "review_on",
    },
}


def to_item(row: ItemRow, project: ProjectRef, links: tuple[str, ...] = ()) -> Item:
    return columns_item(KIND_OF[type(row)], row, project, links)


def columns_item(kind: Kind, row: Any, project: ProjectRef, links: tuple[str, ...] = ()) -> Item:
    """An item from anything with its kind's columns as attributes: a model, or a Core row of
    a page (storage.repositories.items.page), drawn without loading models."""
    columns = KIND_COLUMNS[MODELS[kind.value]]
    return Item(
        kind=kind,
        number=row.number,
        project=project,
        title=row.title,
        status=row.status,
        owner_id=row.owner_id,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        links=links,
        source_link=row.source_link,
        **{name: getattr(row, column) for name, column in columns.items()},
    )


def new_row(kind: Kind, **columns: object) -> ItemRow:
    model = MODELS[kind.value]
    return model(status=INITIAL_STATUS[kind], **columns)


def write_field(
    row: ItemRow, name: str, value: Value, now: datetime
) -> dict[str, list[str | None]]:
    """Set one field; the audit entry `{field: [old, new]}` when it changed, else `{}`."""
    old = read_field(row, name)
    if name == "due":
        assert isinstance(row, Action | Issue)
        if isinstance(value, datetime):
            row.due_on, row.due_at = value.date(), value.astimezone(UTC)
        else:
            assert isinstance(value, date)
            row.due_on, row.due_at = value, None
    else:
        setattr(row, ATTRIBUTES.get(name, name), value)
        if name == "status":
            set_closed_stamp(row, now)
    new = read_field(row, name)
    return {name: [old, new]} if old != new else {}


def read_field(row: ItemRow, name: str) -> str | None:
    """A field's value as the audit trail records it."""
    if name == "due":
        assert isinstance(row, Action | Issue)
        return due_text(row.due_on, row.due_at)
    return display(getattr(row, ATTRIBUTES.get(name, name)))


def snapshot(row: ItemRow) -> dict[str, list[str | None]]:
    """Every set field of a new item, as `{field: [None, value]}` for the audit trail."""
    names = [spec.name for spec in FIELDS[KIND_OF[type(row)]]]
    values = {name: read_field(row, name) for name in names}
    return {name: [None, value] for name, value in values.items() if value is not None}


def set_closed_stamp(row: ItemRow, now: datetime) -> None:
    """Keep `closed_at`/`done_at`/`resolved_at` in step with the status."""
    is_closed = row.status not in ("open", "mitigating", "active")
    if isinstance(row, Risk):
        row.closed_at = (row.closed_at or now) if is_closed else None
    elif isinstance(row, Action):
        row.done_at = (row.done_at or now) if is_closed else None
    elif isinstance(row, Issue):
        row.resolved_at = (row.resolved_at or now) if is_closed else None


def set_note(row: ItemRow, note: str | None) -> dict[str, list[str | None]]:
    """The closing note: a risk's close reason, an action's done note, an issue's resolution."""
    if note is None or isinstance(row, Decision):
        return {}
    name = {Risk: "close_reason", Action: "done_note", Issue: "resolution"}[type(row)]
    old = getattr(row, name)
    setattr(row, name, note)
    return {name.replace("_", " "): [old, note]} if old != note else {}


def due_text(due_on: date | None, due_at: datetime | None) -> str | None:
    if due_at is not None:
        return due_at.astimezone(UTC).isoformat(timespec="minutes")
    return due_on.isoformat() if due_on else None


def display(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
