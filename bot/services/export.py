"""A project's register as a CSV file that opens cleanly (and safely) in a spreadsheet."""

from __future__ import annotations

import csv
import os
import tempfile
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.domain import Actor, Item, Kind, ProjectRef
from bot.services.access import guarded, shared_to
from bot.services.rows import to_item
from bot.services.scope import known_workspace, project_for, project_ref
from storage.models import Issue, Risk
from storage.repositories import exports
from storage.repositories.exports import ExportRow

# One header per kind, every field the kind records. Snake-case names stay stable for anyone
# who re-imports the file; the order is the one people read a register in.
COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.RISK: (
        "ref", "project", "title", "description", "category", "status", "owner_id",
        "owner_name", "likelihood", "impact", "score", "mitigation", "review_on",
        "close_reason", "issues", "source_link", "created_by", "created_at", "updated_at",
        "closed_at",
    ),
    Kind.ACTION: (
        "ref", "project", "text", "status", "owner_id", "owner_name", "due", "done_note",
        "source_link", "created_by", "created_at", "updated_at", "done_at",
    ),
    Kind.ISSUE: (
        "ref", "project", "title", "description", "severity", "status", "owner_id",
        "owner_name", "due", "resolution", "risk", "source_link", "created_by", "created_at",
        "updated_at", "resolved_at",
    ),
    Kind.DECISION: (
        "ref", "project", "decision", "status", "made_by_id", "made_by_name", "rationale",
        "alternatives", "decided_on", "review_on", "superseded_by", "source_link",
        "created_by", "created_at", "updated_at",
    ),
}  # fmt: skip
REGISTER_NAMES = {
    Kind.RISK: "risk register",
    Kind.ACTION: "action log",
    Kind.ISSUE: "issue log",
    Kind.DECISION: "decision log",
}
# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets;
# OWASP's advice (CSV injection) is to make it text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Cell = str | int


@dataclass(frozen=True)
class ExportFile:
    """The CSV in a temporary file, removed by `discard()` or when this value is collected:
    UTF-8 with a BOM (so Excel reads it as UTF-8), CRLF line endings."""

    filename: str
    title: str
    path: Path
    rows: int
    to: str  # as ExportSize.to

    def __post_init__(self) -> None:
        weakref.finalize(self, self.path.unlink, missing_ok=True)

    @property
    def content(self) -> bytes:
        return self.path.read_bytes()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class ExportSize:
    """What an export will hold, known before it is built: enough to tell the person."""

    project: ProjectRef
    rows: int
    to: str  # where the file is shared: the channel asked in, or the person's DM (access)


@guarded
def export_size(deps: Deps, actor: Actor, kind: Kind, project_slug: str | None) -> ExportSize:
    """The project the export is of and how many items it will hold: one count query."""
    with deps.db.read() as session:
        ws = known_workspace(session, actor)
        project = project_for(deps, session, ws, actor, project_slug)
        count = exports.count(session, ws, kind.value, project.id)
        return ExportSize(project_ref(project), count, shared_to(deps, actor, project))


@guarded
def export_csv(deps: Deps, actor: Actor, kind: Kind, project_slug: str | None) -> ExportFile:
    """Every item of the project's register, whatever its status, one row each.

    The rows are streamed in batches in a fixed number of queries (the items; for risks, the
    issues raised from them), never one per row, and written to a temporary file as they
    come: however long the register, memory holds one batch, not the whole file.
    """
    today = deps.clock.now().astimezone(ZoneInfo(actor.timezone)).date()
    handle, name = tempfile.mkstemp(prefix="pmo-export-", suffix=".csv")
    rows = 0
    try:
        with open(handle, "w", encoding="utf-8-sig", newline="") as out, deps.db.read() as session:
            writer = csv.writer(out)  # the csv module's default dialect ends lines with CRLF
            writer.writerow(COLUMNS[kind])
            ws = known_workspace(session, actor)
            project = project_for(deps, session, ws, actor, project_slug)
            ref, to = project_ref(project), shared_to(deps, actor, project)
            issues = exports.issues_by_risk(session, ws, project.id) if kind is Kind.RISK else {}
            for found in exports.stream(session, ws, kind.value, project.id):
                writer.writerow(csv_row(kind, _item(found, ref, issues), found.owner_name))
                rows += 1
    except BaseException:
        os.unlink(name)
        raise
    return ExportFile(
        filename=f"{ref.slug}-{kind.noun}s-{today.isoformat()}.csv",
        title=f"{ref.name} {REGISTER_NAMES[kind]} ({today.day} {MONTHS[today.month - 1]} "
        f"{today.year})",
        path=Path(name),
        rows=rows,
        to=to,
    )


def csv_row(kind: Kind, item: Item, owner_name: str | None) -> list[Cell]:
    """One item as the cells under `COLUMNS[kind]`."""
    linked = ", ".join(item.links) or None
    fields: dict[str, object] = {
        "ref": item.ref,
        "project": item.project.name,
        "title": item.title,
        "text": item.title,
        "decision": item.title,
        "description": item.description,
        "category": item.category,
        "status": item.status,
        "owner_id": item.owner_id,
        "owner_name": owner_name,
        "made_by_id": item.owner_id,
        "made_by_name": owner_name,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "score": item.score,
        "mitigation": item.mitigation,
        "review_on": item.review_on,
        "due": item.due,
        "severity": item.severity,
        "close_reason": item.note,
        "done_note": item.note,
        "resolution": item.note,
        "rationale": item.rationale,
        "alternatives": item.alternatives,
        "decided_on": item.decided_on,
        "issues": linked,
        "risk": linked,
        "superseded_by": linked,
        "source_link": item.source_link,
        "created_by": item.created_by,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "closed_at": item.closed_at,
        "done_at": item.closed_at,
        "resolved_at": item.closed_at,
    }
    return [cell(fields[name]) for name in COLUMNS[kind]]


def cell(value: object) -> Cell:
    """A value as a spreadsheet cell: numbers stay numbers, times are ISO-8601 in UTC with
    their offset, days ISO dates, and text that a spreadsheet would run as a formula is
    neutralised."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _item(found: ExportRow, project: ProjectRef, issues: dict[int, list[int]]) -> Item:
    row = found.item
    if isinstance(row, Risk):
        links = tuple(Kind.ISSUE.ref(number) for number in issues.get(row.id, ()))
    elif found.linked_number is not None:
        linked_kind = Kind.RISK if isinstance(row, Issue) else Kind.DECISION
        links = (linked_kind.ref(found.linked_number),)
    else:
        links = ()
    return to_item(row, project, links)
