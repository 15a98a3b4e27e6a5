"""RAID items of every kind: look-ups by human number and paged, ordered registers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    bindparam,
    case,
    false,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.orm import Session

from storage.models import OPEN_STATUSES, Action, Decision, Issue, Project, Risk
from storage.repositories.projects import overdue

ItemRow = Risk | Action | Issue | Decision
MODELS: dict[str, type[ItemRow]] = {"R": Risk, "A": Action, "I": Issue, "D": Decision}


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
_COLUMNS = {  # the database computes the generated ones (is_open, score, severity_rank)
    kind: [c.key for c in table.columns if not c.primary_key and c.computed is None]
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
    overdue_only: bool,
    now: datetime,
    today: date,
    offset: int,
    limit: int,
) -> tuple[Sequence[Row[Any]], int]:
    """One page of a register in its natural order, as rows of the columns an item is drawn
    from (named as on its model), and the total matching count."""
    live = _live(kind, statuses)
    by_status = statuses is not None and live is not True
    shape = Shape(kind, live, by_status, owner_id is not None, overdue_only)
    page_stmt, count_stmt = _statements(shape)
    values: dict[str, Any] = {"workspace_id": workspace_id, "project_id": project_id}
    if by_status:
        values["statuses"] = list(statuses or ())
    if owner_id is not None:
        values["owner_id"] = owner_id
    if kind == "A" or overdue_only:
        values |= {"now": now, "today": today}
    found = session.execute(page_stmt, {**values, "offset": offset, "limit": limit}).all()
    if found or offset == 0:
        return found, int(found[0].total) if found else 0
    return found, session.scalar(count_stmt, values) or 0  # a page past the end


@dataclass(frozen=True)
class Shape:
    """What a page query filters on; one pair of statements is built for each."""

    kind: str
    live: bool | None  # only open items, only closed ones, or either
    by_status: bool
    by_owner: bool
    overdue: bool


def _live(kind: str, statuses: Sequence[str] | None) -> bool | None:
    """The stored open state the statuses amount to: True for exactly the open ones (then
    `is_open` alone filters them, straight from the index), False for closed ones only."""
    if statuses is None:
        return None
    open_ = set(OPEN_STATUSES[kind])
    if set(statuses) == open_:
        return True
    if statuses and not open_ & set(statuses):
        return False
    return None


@cache
def _statements(shape: Shape) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements for a shape, built once and bound on each call."""
    table: Table = cast(Table, MODELS[shape.kind].__table__)
    where: list[Any] = [
        table.c.workspace_id == bindparam("workspace_id"),
        table.c.project_id == bindparam("project_id"),
    ]
    if shape.live is not None:
        where.append(table.c.is_open == (true() if shape.live else false()))
    if shape.by_status:
        where.append(table.c.status.in_(bindparam("statuses", expanding=True)))
    if shape.by_owner:
        where.append(table.c.owner_id == bindparam("owner_id"))
    late = _overdue() if shape.kind == "A" or shape.overdue else None
    if shape.overdue:
        where.append(late)
    shown = [c for c in table.c if c.name not in ("id", "workspace_id") and c.computed is None]
    count_stmt = select(func.count()).select_from(table).where(*where)
    # The count rides along as a subquery the database runs once (it names no outer row), over
    # the same index: one statement a page.
    total = count_stmt.scalar_subquery().label("total")
    page_stmt = (
        select(*shown, total)
        .where(*where)
        .order_by(*_order(shape.kind, late))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return page_stmt, count_stmt


def _overdue() -> ColumnElement[bool]:
    """`overdue`, with the reader's now and today bound on each call."""
    return overdue(cast(Any, bindparam("now")), cast(Any, bindparam("today")))


def _order(kind: str, late: ColumnElement[bool] | None) -> list[Any]:
    """Each register's order, over the stored columns its page index holds (models.py)."""
    if kind == "R":
        return [Risk.is_open.desc(), Risk.score.desc(), Risk.number]
    if kind == "A":
        assert late is not None
        # The reader's overdue actions first: that depends on the reader's now, so this part
        # of the order is sorted, over the open actions the index narrows the read to.
        late_first = case((Action.is_open == false(), 2), (late, 0), else_=1)
        return [Action.is_open.desc(), late_first, Action.due_on.asc().nulls_last(), Action.number]
    if kind == "I":
        return [
            Issue.is_open.desc(),
            Issue.severity_rank.desc(),
            Issue.due_on.asc().nulls_last(),
            Issue.number,
        ]
    return [Decision.is_open.desc(), Decision.number.desc()]
