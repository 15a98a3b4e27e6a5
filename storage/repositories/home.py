"""One person's App Home: their actions and risks, their projects, recent decisions there.

Each function is one query; a section's rows come with its total (a window count), so a capped
section still knows how many more there are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from storage.models import Action, Decision, Issue, Project, Risk, StatusUpdate
from storage.repositories.projects import overdue

ItemT = TypeVar("ItemT", Risk, Action, Issue, Decision)
Member = tuple[Project, StatusUpdate | None]


def overdue_actions(
    session: Session,
    workspace_id: int,
    owner_id: str,
    *,
    now: datetime,
    today: date,
    limit: int,
    hidden: Collection[int] = (),
) -> tuple[list[tuple[Action, Project]], int]:
    """The owner's open actions past their due, the longest overdue first."""
    where = [*_owned(Action, workspace_id, owner_id, ("open",)), overdue(now, today)]
    order = [Action.due_on, Action.due_at.asc().nulls_first(), Action.number]
    return _items(session, Action, where, order, limit, hidden)


def upcoming_actions(
    session: Session,
    workspace_id: int,
    owner_id: str,
    *,
    now: datetime,
    today: date,
    last_day: date,
    until: datetime,
    limit: int,
    hidden: Collection[int] = (),
) -> tuple[list[tuple[Action, Project]], int]:
    """The owner's open actions not yet late and due by `last_day` (a day, in the reader's
    zone) or before `until` (the end of that day, for actions due at a time), soonest first."""
    soon = or_(
        and_(Action.due_at.is_not(None), Action.due_at >= now, Action.due_at < until),
        and_(Action.due_at.is_(None), Action.due_on >= today, Action.due_on <= last_day),
    )
    where = [*_owned(Action, workspace_id, owner_id, ("open",)), soon]
    order = [Action.due_on, Action.due_at.asc().nulls_last(), Action.number]
    return _items(session, Action, where, order, limit, hidden)


def owned_risks(
    session: Session,
    workspace_id: int,
    owner_id: str,
    *,
    statuses: Sequence[str],
    limit: int,
    hidden: Collection[int] = (),
) -> tuple[list[tuple[Risk, Project]], int]:
    """The owner's risks in `statuses`, highest score first."""
    where = _owned(Risk, workspace_id, owner_id, statuses)
    order = [(Risk.likelihood * Risk.impact).desc(), Risk.review_on.asc().nulls_last(), Risk.number]
    return _items(session, Risk, where, order, limit, hidden)


def member_projects(
    session: Session,
    workspace_id: int,
    user_id: str,
    *,
    open_statuses: Mapping[str, Sequence[str]],
    limit: int,
    hidden: Collection[int] = (),
) -> tuple[list[Member], int]:
    """The person's projects with their current status, red first, then amber, unset, green.

    A person belongs to a project when they own an item there that is still open (by
    `open_statuses`, per kind letter), created the project, or ever set its status.
    """
    latest = (
        select(
            StatusUpdate.id,
            func.row_number()
            .over(
                partition_by=StatusUpdate.project_id,
                order_by=(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()),
            )
            .label("rank"),
        )
        .where(StatusUpdate.workspace_id == workspace_id)
        .subquery()
    )
    current = aliased(
        StatusUpdate,
        select(StatusUpdate)
        .join(latest, latest.c.id == StatusUpdate.id)
        .where(latest.c.rank == 1)
        .subquery(),
    )
    severity = case({"red": 0, "amber": 1, "green": 3}, value=current.rag, else_=2)
    stmt = (
        select(Project, current, func.count().over().label("total"))
        .outerjoin(current, current.project_id == Project.id)
        .where(
            Project.workspace_id == workspace_id,
            Project.id.in_(_memberships(workspace_id, user_id, open_statuses)),
            *_shown(hidden),
        )
        .order_by(severity, Project.name, Project.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    return [(row[0], row[1]) for row in rows], _total(rows)


def recent_decisions(
    session: Session,
    workspace_id: int,
    user_id: str,
    *,
    open_statuses: Mapping[str, Sequence[str]],
    since: date,
    limit: int,
    hidden: Collection[int] = (),
) -> tuple[list[tuple[Decision, Project]], int]:
    """Decisions taken on or after `since` in the person's projects, newest first."""
    where = [
        Decision.workspace_id == workspace_id,
        Decision.decided_on >= since,
        Decision.project_id.in_(_memberships(workspace_id, user_id, open_statuses)),
    ]
    order = [Decision.decided_on.desc(), Decision.number.desc()]
    return _items(session, Decision, where, order, limit, hidden)


def _memberships(
    workspace_id: int, user_id: str, open_statuses: Mapping[str, Sequence[str]]
) -> Select[tuple[int]]:
    """Ids of the projects a person belongs to (see `member_projects`), as one subquery."""
    owned = [
        select(model.project_id).where(
            *_owned(model, workspace_id, user_id, open_statuses.get(letter, ()))
        )
        for letter, model in (("R", Risk), ("A", Action), ("I", Issue), ("D", Decision))
    ]
    created = select(Project.id).where(
        Project.workspace_id == workspace_id, Project.created_by == user_id
    )
    reported = select(StatusUpdate.project_id).where(
        StatusUpdate.workspace_id == workspace_id, StatusUpdate.author_id == user_id
    )
    ids = union(*owned, created, reported).subquery()
    return select(ids.c[0])


def _owned(
    model: type[Risk | Action | Issue | Decision],
    workspace_id: int,
    owner_id: str,
    statuses: Sequence[str],
) -> list[ColumnElement[bool]]:
    return [
        model.workspace_id == workspace_id,
        model.owner_id == owner_id,
        model.status.in_(statuses),
    ]


def _items(
    session: Session,
    model: type[ItemT],
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    limit: int,
    hidden: Collection[int],
) -> tuple[list[tuple[ItemT, Project]], int]:
    """Up to `limit` rows of `model` with their project, and how many match in all."""
    stmt = (
        select(model, Project, func.count().over().label("total"))
        .join(Project, Project.id == model.project_id)
        .where(*where, *_shown(hidden))
        .order_by(*order)
        .limit(max(limit, 1))
    )
    rows = session.execute(stmt).all()
    return [(row[0], row[1]) for row in rows][:limit], _total(rows)


def _shown(hidden: Collection[int]) -> list[ColumnElement[bool]]:
    """Leave out the projects the reader may not see (private ones they are not in)."""
    return [Project.id.not_in(list(hidden))] if hidden else []


def _total(rows: Sequence[Any]) -> int:
    # The window count is taken before LIMIT, so any row carries the full total.
    return int(rows[0].total) if rows else 0
