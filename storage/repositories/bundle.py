"""A workspace's whole register as rows by table, for backups: read streamed, written back in
one go. Rows name each other by what people see (a project's slug, an item's number, a
standup's channel), never by row ids, so a bundle loads into any database and re-exports
byte for byte the same."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Integer, Table, exists, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Action as ActionRow
from storage.models import (
    AuditEvent,
    AwayPeriod,
    Decision,
    Holiday,
    IdCounter,
    PortfolioDigest,
    Project,
    Risk,
    Standup,
    StandupAnswer,
    StandupThread,
    StatusUpdate,
    Workspace,
)
from storage.models import Issue as IssueRow
from storage.types import UtcDateTime

BATCH = 1000
# Tables that are not the workspace's data: caches of Slack, the scheduler's own bookkeeping,
# the ledgers of deliveries already handled, which App Homes are stale, the registers' versions
# (the database rebuilds them as a restore inserts the items), and the OAuth install's
# secrets (bot tokens stay out of backup files; after a restore into a new database,
# installing the app again issues fresh ones).
NOT_EXPORTED = frozenset(
    {"workspaces", "user_profiles", "processed_events", "view_submissions", "deliveries"}
    | {"worker_marks", "home_dirty", "register_versions"}
    | {"slack_installations", "slack_bots", "slack_oauth_states"}
)
WORKSPACE_COLUMNS = ("team_id", "enterprise_id", "created_at")


@dataclass(frozen=True)
class Ref:
    """A row-id column written as what it points at: `project_id` 7 → `project` "apollo"."""

    column: str  # the row-id column, e.g. "project_id"
    name: str  # its name in the bundle, e.g. "project"
    target: Any  # the model pointed at
    key: str  # the target's column naming it within the workspace: "slug", "number", ...


PROJECT = Ref("project_id", "project", Project, "slug")
STANDUP = Ref("standup_id", "standup", Standup, "channel_id")


@dataclass(frozen=True)
class Spec:
    model: Any
    order_by: tuple[str, ...]
    refs: tuple[Ref, ...] = ()

    @property
    def table(self) -> Table:
        table: Table = self.model.__table__
        return table

    @property
    def name(self) -> str:
        return self.table.name

    def columns(self) -> list[tuple[str, str]]:
        """(bundle name, type) for each column, in the table's order; row ids left out."""
        by_column = {ref.column: ref for ref in self.refs}
        out = []
        for column in bundled(self.table):
            ref = by_column.get(column.name)
            if ref is not None:
                key = ref.target.__table__.columns[ref.key]
                out.append((ref.name, type_name(key)))
            else:
                out.append((column.name, type_name(column)))
        return out


# In the order they are loaded: every row's references are already there when it arrives.
SPECS = (
    Spec(IdCounter, ("kind",)),
    Spec(Project, ("id",)),
    Spec(Risk, ("number",), (PROJECT,)),
    Spec(
        Decision,
        ("number",),
        (PROJECT, Ref("superseded_by_id", "superseded_by", Decision, "number")),
    ),
    Spec(ActionRow, ("number",), (PROJECT,)),
    Spec(IssueRow, ("number",), (PROJECT, Ref("risk_id", "risk", Risk, "number"))),
    Spec(StatusUpdate, ("id",), (PROJECT,)),
    Spec(AuditEvent, ("id",), (PROJECT,)),
    Spec(Holiday, ("id",), (PROJECT,)),
    Spec(AwayPeriod, ("id",)),
    Spec(Standup, ("id",)),
    Spec(StandupThread, ("standup_id", "day"), (STANDUP,)),
    Spec(StandupAnswer, ("id",), (STANDUP,)),
    Spec(PortfolioDigest, ("channel_id",)),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


def bundled(table: Table) -> list[Column[Any]]:
    """The columns a bundle carries: not row ids, nor what the database computes from others
    (a list's order columns), which a restore fills in by itself."""
    skipped = ("id", "workspace_id")
    return [c for c in table.columns if c.name not in skipped and c.computed is None]


def type_name(column: Column[Any]) -> str:
    """How a value of this column is written as text: int, bool, date, datetime, json, str."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return "datetime"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Date):
        return "date"
    return "str"


def workspaces(session: Session, teams: Sequence[str] | None) -> list[tuple[int, dict[str, Any]]]:
    """(row id, header) of the workspaces named (all when None), by team id."""
    stmt = select(Workspace).order_by(Workspace.team_id)
    if teams is not None:
        stmt = stmt.where(Workspace.team_id.in_(teams))
    return [
        (ws.id, {name: getattr(ws, name) for name in WORKSPACE_COLUMNS})
        for ws in session.scalars(stmt)
    ]


def stream(session: Session, spec: Spec, workspace_id: int) -> Iterator[dict[str, Any]]:
    """Every row of the table for the workspace, in a fixed order, `BATCH` rows at a time
    (a server-side cursor on PostgreSQL); references joined in, so one statement per table."""
    table = spec.table
    picked: list[Any] = []
    joined: Any = table
    for column in bundled(table):
        ref = next((r for r in spec.refs if r.column == column.name), None)
        if ref is None:
            picked.append(column)
            continue
        target = ref.target.__table__.alias(f"ref_{ref.name}")
        joined = joined.outerjoin(target, target.c.id == column)
        picked.append(target.c[ref.key].label(ref.name))
    stmt = select(*picked).select_from(joined).where(_owned(spec, workspace_id))
    stmt = stmt.order_by(*(table.c[name] for name in spec.order_by))
    for row in session.execute(stmt.execution_options(yield_per=BATCH)):
        yield dict(row._mapping)


def _owned(spec: Spec, workspace_id: int) -> Any:
    table = spec.table
    if "workspace_id" in table.c:
        return table.c.workspace_id == workspace_id
    standups = Standup.__table__
    return table.c.standup_id.in_(
        select(standups.c.id).where(standups.c.workspace_id == workspace_id)
    )


def has_data(session: Session, team_id: str) -> bool:
    """Whether the workspace holds anything a bundle would bring (so an import may not)."""
    found = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if found is None:
        return False
    return any(session.scalar(select(exists().where(_owned(spec, found)))) for spec in SPECS)


def create_workspace(session: Session, header: dict[str, Any]) -> int:
    """The workspace's row, made or (if it was there, empty) given the bundle's values."""
    found = session.scalar(select(Workspace).where(Workspace.team_id == header["team_id"]))
    if found is None:
        found = Workspace(**header)
        session.add(found)
    else:
        found.enterprise_id, found.created_at = header["enterprise_id"], header["created_at"]
    session.flush()
    return found.id


class Loader:
    """Writes one workspace's rows table by table, turning references back into row ids."""

    def __init__(self, session: Session, workspace_id: int):
        self.session, self.workspace_id = session, workspace_id
        self.ids: dict[tuple[str, object], int] = {}  # (ref name, key) → row id
        self.later: list[tuple[str, int]] = []  # decisions superseded: (number, by number)

    def load(self, spec: Spec, rows: Iterable[dict[str, Any]]) -> int:
        count, batch = 0, []
        for row in rows:
            batch.append(self._resolve(spec, row))
            if len(batch) >= BATCH:
                count += self._insert(spec, batch)
                batch = []
        count += self._insert(spec, batch)
        self._remember(spec)
        return count

    def finish(self) -> None:
        """Links within a table (a decision superseded by a later one), now both exist."""
        for number, by in self.later:
            by_id = self._id("superseded_by", by)
            stmt = update(Decision).where(
                Decision.workspace_id == self.workspace_id, Decision.number == number
            )
            self.session.execute(stmt.values(superseded_by_id=by_id))

    def _resolve(self, spec: Spec, row: dict[str, Any]) -> dict[str, Any]:
        values = dict(row)
        if "workspace_id" in spec.table.c:
            values["workspace_id"] = self.workspace_id
        for ref in spec.refs:
            key = values.pop(ref.name, None)
            if key is not None and ref.target is spec.model:  # points within its own table
                self.later.append((values["number"], key))
                key = None
            values[ref.column] = None if key is None else self._id(ref.name, key)
        return values

    def _id(self, name: str, key: object) -> int:
        try:
            return self.ids[(name, key)]
        except KeyError:
            raise LookupError(f"a row refers to {name} {key!r}, which the bundle lacks") from None

    def _insert(self, spec: Spec, batch: list[dict[str, Any]]) -> int:
        if batch:
            self.session.execute(insert(spec.table), batch)
        return len(batch)

    def _remember(self, spec: Spec) -> None:
        """Row ids of what later tables refer to: projects, risks, decisions, standups."""
        for ref in {r for s in SPECS for r in s.refs if r.target is spec.model}:
            table = spec.table
            stmt = select(table.c[ref.key], table.c.id).where(
                table.c.workspace_id == self.workspace_id
            )
            for key, row_id in self.session.execute(stmt):
                self.ids[(ref.name, key)] = row_id
