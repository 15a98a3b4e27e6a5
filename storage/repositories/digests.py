"""The weekly digest's reads: one project's week in a fixed number of statements whatever its
size (grouped counts and LIMITed lists, never every row), and what the scheduler needs to
deliver digests (the projects that have one on, their ledger rows)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    Action,
    Decision,
    Delivery,
    Issue,
    Project,
    Risk,
    Standup,
    StandupAnswer,
    StatusUpdate,
    UserProfile,
    Workspace,
)

OPEN_RISK = ("open", "mitigating")


def _tally(condition: ColumnElement[bool]) -> Any:
    """How many rows meet `condition` (0, not NULL, when none do)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """In the week (`start`, `end`]: what happened at the digest's very moment is in it."""
    return and_(column > start, column <= end)


def _of_project(model: Any, ws: int, project_id: int) -> tuple[ColumnElement[bool], ...]:
    return (model.workspace_id == ws, model.project_id == project_id)


def status_at(session: Session, ws: int, project_id: int, at: datetime) -> StatusUpdate | None:
    """The project's RAG as it stood at `at`: the latest update up to then."""
    stmt = (
        select(StatusUpdate)
        .where(*_of_project(StatusUpdate, ws, project_id), StatusUpdate.created_at <= at)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def risk_counts(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime
) -> tuple[int, int, int]:
    """(opened in the week, closed in the week, open now)."""
    stmt = select(
        _tally(_in(Risk.created_at, start, end)),
        _tally(_in(Risk.closed_at, start, end)),
        _tally(Risk.status.in_(OPEN_RISK)),
    ).where(*_of_project(Risk, ws, project_id))
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2])


def heat_map(session: Session, ws: int, project_id: int) -> dict[tuple[int, int], int]:
    """(likelihood, impact) → open risks."""
    stmt = (
        select(Risk.likelihood, Risk.impact, func.count())
        .where(*_of_project(Risk, ws, project_id), Risk.status.in_(OPEN_RISK))
        .group_by(Risk.likelihood, Risk.impact)
    )
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}


def _first(stmt: Select[Any], limit: int, *order: Any) -> Select[Any]:
    return stmt.order_by(*order).limit(limit)


def top_risks(session: Session, ws: int, project_id: int, limit: int) -> Sequence[Risk]:
    stmt = select(Risk).where(*_of_project(Risk, ws, project_id), Risk.status.in_(OPEN_RISK))
    order = ((Risk.likelihood * Risk.impact).desc(), Risk.number)
    return session.scalars(_first(stmt, limit, *order)).all()


def risks_opened(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[Risk]:
    where = (*_of_project(Risk, ws, project_id), _in(Risk.created_at, start, end))
    stmt = select(Risk).where(*where)
    return session.scalars(
        _first(stmt, limit, (Risk.likelihood * Risk.impact).desc(), Risk.number)
    ).all()


def risks_closed(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[Risk]:
    stmt = select(Risk).where(*_of_project(Risk, ws, project_id), _in(Risk.closed_at, start, end))
    return session.scalars(_first(stmt, limit, Risk.closed_at.desc(), Risk.number)).all()


def action_counts(
    session: Session,
    ws: int,
    project_id: int,
    start: datetime,
    end: datetime,
    next_week: tuple[date, date],
) -> tuple[int, int, int]:
    """(opened in the week, done in the week, open and due in the `next_week` days)."""
    first, last = next_week
    due_soon = and_(Action.status == "open", Action.due_on >= first, Action.due_on <= last)
    stmt = select(
        _tally(_in(Action.created_at, start, end)),
        _tally(_in(Action.done_at, start, end)),
        _tally(due_soon),
    ).where(*_of_project(Action, ws, project_id))
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2])


def actions_done(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[Action]:
    stmt = select(Action).where(
        *_of_project(Action, ws, project_id), _in(Action.done_at, start, end)
    )
    return session.scalars(_first(stmt, limit, Action.done_at.desc(), Action.number)).all()


def actions_due(
    session: Session, ws: int, project_id: int, next_week: tuple[date, date], limit: int
) -> Sequence[Action]:
    first, last = next_week
    stmt = select(Action).where(
        *_of_project(Action, ws, project_id),
        Action.status == "open",
        Action.due_on >= first,
        Action.due_on <= last,
    )
    return session.scalars(_first(stmt, limit, Action.due_on, Action.due_at, Action.number)).all()


def _late_candidates(end: datetime, before: date) -> ColumnElement[bool]:
    """Open actions that are, or in some owner's zone may be, overdue at `end`: a time before
    it, or a day before `before` (the latest "today" anywhere on Earth, plus one)."""
    return and_(
        Action.status == "open",
        or_(Action.due_at < end, and_(Action.due_at.is_(None), Action.due_on < before)),
    )


def overdue_groups(
    session: Session,
    ws: int,
    project_id: int | None,
    end: datetime,
    sure_before: date,
    before: date,
) -> list[tuple[int, str | None, str | None, date | None, int]]:
    """(project, owner, owner's cached zone, edge day, count) of overdue candidates at `end`,
    of one project or (`project_id` None) of every project in the workspace.

    Days before `sure_before` are overdue in every zone (edge day None); the days from it to
    `before` are kept apart, as whether they are overdue depends on the owner's own today.
    """
    edge = case(
        (and_(Action.due_at.is_(None), Action.due_on >= sure_before), Action.due_on), else_=None
    )
    scope = _of_project(Action, ws, project_id) if project_id else (Action.workspace_id == ws,)
    stmt = (
        select(Action.project_id, Action.owner_id, UserProfile.timezone, edge, func.count())
        .outerjoin(
            UserProfile,
            and_(
                UserProfile.workspace_id == Action.workspace_id,
                UserProfile.user_id == Action.owner_id,
            ),
        )
        .where(*scope, _late_candidates(end, before))
        .group_by(Action.project_id, Action.owner_id, UserProfile.timezone, edge)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in session.execute(stmt)]


def overdue_firsts(
    session: Session,
    ws: int,
    project_id: int,
    end: datetime,
    before: date,
    owners: Collection[str | None],
    per_owner: int,
) -> Sequence[Action]:
    """The oldest `per_owner` overdue candidates of each of `owners` (None: no owner)."""
    named = [owner for owner in owners if owner is not None]
    whose = or_(
        Action.owner_id.in_(named), Action.owner_id.is_(None) if None in owners else false()
    )
    rank = (
        func.row_number()
        .over(
            partition_by=Action.owner_id,
            order_by=(Action.due_on, Action.due_at, Action.number),
        )
        .label("rank")
    )
    ranked = (
        select(Action.id, rank)
        .where(*_of_project(Action, ws, project_id), _late_candidates(end, before), whose)
        .subquery()
    )
    stmt = (
        select(Action)
        .join(ranked, ranked.c.id == Action.id)
        .where(ranked.c.rank <= per_owner)
        .order_by(Action.owner_id, ranked.c.rank)
    )
    return session.scalars(stmt).all()


def issue_counts(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime
) -> tuple[int, int, int]:
    """(opened in the week, resolved in the week, open now)."""
    stmt = select(
        _tally(_in(Issue.created_at, start, end)),
        _tally(_in(Issue.resolved_at, start, end)),
        _tally(Issue.status == "open"),
    ).where(*_of_project(Issue, ws, project_id))
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2])


def issues_opened(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[Issue]:
    stmt = select(Issue).where(
        *_of_project(Issue, ws, project_id), _in(Issue.created_at, start, end)
    )
    return session.scalars(_first(stmt, limit, Issue.created_at.desc(), Issue.number)).all()


def issues_resolved(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[Issue]:
    stmt = select(Issue).where(
        *_of_project(Issue, ws, project_id), _in(Issue.resolved_at, start, end)
    )
    return session.scalars(_first(stmt, limit, Issue.resolved_at.desc(), Issue.number)).all()


def decisions_logged(
    session: Session, ws: int, project_id: int, start: datetime, end: datetime, limit: int
) -> tuple[int, Sequence[Decision]]:
    """How many decisions were logged in the week (a window count), and the latest few."""
    total = func.count().over().label("total")
    stmt = (
        select(Decision, total)
        .where(*_of_project(Decision, ws, project_id), _in(Decision.created_at, start, end))
        .order_by(Decision.created_at.desc(), Decision.number)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    return (int(rows[0][1]) if rows else 0), [row[0] for row in rows]


def action_trend(
    session: Session, ws: int, project_id: int, mondays: Sequence[datetime], end: datetime
) -> dict[tuple[int | None, int | None], int]:
    """(week opened, week done) → actions, the weeks being indexes into `mondays` (each
    week's start; the last runs to `end`); None for outside those weeks."""

    def week_of(column: Any) -> Any:
        whens: list[tuple[Any, int | None]] = [(column >= end, None)]
        whens += [(column >= monday, index) for index, monday in reversed(list(enumerate(mondays)))]
        return case(*whens, else_=None)

    opened, done = week_of(Action.created_at), week_of(Action.done_at)
    stmt = (
        select(opened, done, func.count())
        .where(
            *_of_project(Action, ws, project_id),
            or_(Action.created_at >= mondays[0], Action.done_at >= mondays[0]),
        )
        .group_by(opened, done)
    )
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}


def channel_standup(session: Session, ws: int, channel_id: str) -> Standup | None:
    stmt = select(Standup).where(Standup.workspace_id == ws, Standup.channel_id == channel_id)
    return session.scalar(stmt)


def standup_prompts(session: Session, prefix: str, first: date, last: date) -> dict[str, int]:
    """Person → standup prompts sent to them on days `first`…`last` (keys start `prefix`)."""
    stmt = (
        select(Delivery.target, func.count())
        .where(
            Delivery.key.startswith(prefix),
            Delivery.status == "sent",
            Delivery.local_day >= first,
            Delivery.local_day <= last,
        )
        .group_by(Delivery.target)
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


def standup_answers(session: Session, standup_id: int, first: date, last: date) -> dict[str, int]:
    """Person → days `first`…`last` they answered the standup."""
    stmt = (
        select(StandupAnswer.user_id, func.count())
        .where(
            StandupAnswer.standup_id == standup_id,
            StandupAnswer.day >= first,
            StandupAnswer.day <= last,
        )
        .group_by(StandupAnswer.user_id)
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


def display_names(session: Session, ws: int, user_ids: Collection[str]) -> dict[str, str]:
    """User id → cached display name, for those of `user_ids` that have one."""
    stmt = select(UserProfile.user_id, UserProfile.name).where(
        UserProfile.workspace_id == ws,
        UserProfile.user_id.in_(sorted(user_ids)),
        UserProfile.name.is_not(None),
    )
    return {row[0]: row[1] for row in session.execute(stmt) if row[1]}


# -- for the scheduler ---------------------------------------------------------------------------


def digest_projects(session: Session) -> Sequence[tuple[Project, str]]:
    """Every project with its digest on, with its team id."""
    stmt = (
        select(Project, Workspace.team_id)
        .join(Workspace, Workspace.id == Project.workspace_id)
        .where(Project.digest_on)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def ledger(session: Session, prefix: str, start: date) -> dict[str, Delivery]:
    """Deliveries whose key starts with `prefix`, of days from `start` on, by key."""
    stmt = select(Delivery).where(Delivery.key.startswith(prefix), Delivery.local_day >= start)
    return {row.key: row for row in session.scalars(stmt)}


def standup_channels(session: Session) -> set[tuple[int, str]]:
    """(workspace, channel) of every channel with a standup: their digests report its turnout."""
    return {
        (row[0], row[1])
        for row in session.execute(select(Standup.workspace_id, Standup.channel_id))
    }
