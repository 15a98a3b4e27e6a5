"""RAID items of every kind: look-ups by human number and paged, ordered registers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, select
from sqlalchemy.orm import Session

from storage.models import Action, Decision, Issue, Project, Risk
from storage.repositories.projects import overdue

ItemRow = Risk | Action | Issue | Decision
MODELS: dict[str, type[ItemRow]] = {"R": Risk, "A": Action, "I": Issue, "D": Decision}
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def get(
    session: Session, workspace_id: int, kind: str, number: int, *, for_update: bool = False
) -> tuple[ItemRow, Project] | None:
    """The item and its project; `for_update` locks the row until the transaction ends."""
    model = MODELS[kind]
    stmt = (
        select(model, Project)
        .join(Project, Project.id == model.project_id)
        .where(model.workspace_id == workspace_id, model.number == number)
    )
    if for_update:
        stmt = stmt.with_for_update(of=model)
    row = session.execute(stmt).first()
    return (cast(ItemRow, row[0]), row[1]) if row else None


def by_ids(
    session: Session, workspace_id: int, kind: str, ids: Sequence[int]
) -> dict[int, ItemRow]:
    model = MODELS[kind]
    stmt = select(model).where(model.workspace_id == workspace_id, model.id.in_(ids))
    rows = cast(Sequence[ItemRow], session.scalars(stmt).all())
    return {row.id: row for row in rows}


# An add's insert, prebuilt per kind: every column but the id bound per call, as the ORM's
# flush would send them, without its unit of work.
_TABLES = {kind: cast(Table, model.__table__) for kind, model in MODELS.items()}
_INSERTS = {kind: insert(table) for kind, table in _TABLES.items()}
_COLUMNS = {
    kind: [column.key for column in table.columns if not column.primary_key]
    for kind, table in _TABLES.items()
}


def insert_new(session: Session, kind: str, row: ItemRow) -> None:
    """Insert `row`, a new item built in memory (never added to the session), as it stands."""
    session.execute(_INSERTS[kind], {name: getattr(row, name) for name in _COLUMNS[kind]})


def issues_from_risk(session: Session, workspace_id: int, risk_id: int) -> Sequence[Issue]:
    stmt = select(Issue).where(Issue.workspace_id == workspace_id, Issue.risk_id == risk_id)
    return session.scalars(stmt.order_by(Issue.number)).all()


def page(
    session: Session,
    workspace_id: int,
    kind: str,
    *,
    project_id: int,
    statuses: Sequence[str] | None,
    owner_id: str | None,
    overdue_at: tuple[datetime, date] | None,
    now: datetime,
    today: date,
    offset: int,
    limit: int,
) -> tuple[Sequence[ItemRow], int]:
    """One page of a register in its natural order, and the total matching count."""
    model = MODELS[kind]
    where: list[Any] = [model.workspace_id == workspace_id, model.project_id == project_id]
    if statuses is not None:
        where.append(model.status.in_(statuses))
    if owner_id is not None:
        where.append(model.owner_id == owner_id)
    if overdue_at is not None:
        where.append(overdue(*overdue_at))
    # The count rides along as a window over the same rows (taken before OFFSET and LIMIT):
    # one query instead of two. Only a page past the end needs counting on its own.
    stmt = (
        select(model, func.count().over().label("total"))
        .where(*where)
        .order_by(*_order(kind, now, today))
        .offset(offset)
        .limit(limit)
    )
    found = session.execute(stmt).all()
    if found or offset == 0:
        total = int(found[0].total) if found else 0
    else:
        total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return cast(Sequence[ItemRow], [row[0] for row in found]), total


def _order(kind: str, now: datetime, today: date) -> list[Any]:
    if kind == "R":
        open_first = case((Risk.status.in_(("open", "mitigating")), 0), else_=1)
        return [open_first, (Risk.likelihood * Risk.impact).desc(), Risk.number]
    if kind == "A":
        late = case((Action.status != "open", 2), (overdue(now, today), 0), else_=1)
        return [late, Action.due_on.asc().nulls_last(), Action.number]
    if kind == "I":
        rank = case(SEVERITY_RANK, value=Issue.severity, else_=0)
        open_first = case((Issue.status == "open", 0), else_=1)
        return [open_first, rank.desc(), Issue.due_on.asc().nulls_last(), Issue.number]
    active_first = case((Decision.status == "active", 0), else_=1)
    return [active_first, Decision.number.desc()]
