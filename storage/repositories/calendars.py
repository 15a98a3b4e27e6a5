"""Holidays (per project or workspace-wide) and people's away periods; queries never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from storage.models import AwayPeriod, Holiday, Workspace


def lock_calendar(session: Session, workspace_id: int) -> None:
    """Serialise calendar writes in a workspace until the transaction ends.

    A workspace-wide holiday has no project (NULL), which the unique constraint does not
    compare, and merging away periods reads before it writes: both check, then write, under
    this lock. PostgreSQL locks the workspace row; SQLite's write transaction already holds
    the database lock (SQLAlchemy leaves FOR UPDATE out there).
    """
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())


# -- holidays ------------------------------------------------------------------------------------


def _applies_to(project_id: int | None) -> ColumnElement[bool]:
    """A project's own holidays and the workspace's; with no project, the workspace's only."""
    if project_id is None:
        return Holiday.project_id.is_(None)
    return or_(Holiday.project_id == project_id, Holiday.project_id.is_(None))


def holiday_on(
    session: Session, workspace_id: int, project_id: int | None, day: date
) -> Holiday | None:
    """The holiday on `day` exactly for `project_id` (None: the workspace-wide one)."""
    owner = Holiday.project_id.is_(None) if project_id is None else Holiday.project_id == project_id
    return session.scalar(
        select(Holiday).where(Holiday.workspace_id == workspace_id, owner, Holiday.day == day)
    )


def project_holiday_on(session: Session, workspace_id: int, day: date) -> int | None:
    """The id of a project (the first) that has its own holiday on `day`, if any."""
    stmt = (
        select(Holiday.project_id)
        .where(Holiday.workspace_id == workspace_id, Holiday.day == day)
        .where(Holiday.project_id.is_not(None))
        .order_by(Holiday.project_id)
        .limit(1)
    )
    return session.scalar(stmt)


def upcoming_holidays(
    session: Session, workspace_id: int, project_id: int | None, since: date, limit: int
) -> tuple[Sequence[Holiday], int]:
    """The first `limit` holidays on or after `since` that apply to the project (its own and
    the workspace's), soonest first, and how many there are in all."""
    where = (Holiday.workspace_id == workspace_id, _applies_to(project_id), Holiday.day >= since)
    # On a day with both, the project's own entry (with its own name) comes first.
    stmt = (
        select(Holiday)
        .where(*where)
        .order_by(Holiday.day, Holiday.project_id.is_(None), Holiday.id)
        .limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(Holiday).where(*where)) or 0
    return session.scalars(stmt).all(), total


def holiday_days(
    session: Session, workspace_id: int, project_id: int | None, since: date, until: date
) -> set[date]:
    """The days from `since` to `until` (both included) that are holidays for the project
    (its own or the workspace's); with `project_id` None, the workspace-wide ones."""
    stmt = select(Holiday.day).where(
        Holiday.workspace_id == workspace_id,
        _applies_to(project_id),
        Holiday.day >= since,
        Holiday.day <= until,
    )
    return set(session.scalars(stmt))


def add_holiday(session: Session, holiday: Holiday) -> None:
    session.add(holiday)
    session.flush()


def delete_holiday(session: Session, holiday: Holiday) -> None:
    session.delete(holiday)
    session.flush()


# -- away periods ------------------------------------------------------------------------------


def away_periods(
    session: Session, workspace_id: int, user_id: str, since: date, limit: int | None = None
) -> Sequence[AwayPeriod]:
    """The person's periods that end on or after `since`, soonest first."""
    stmt = (
        select(AwayPeriod)
        .where(
            AwayPeriod.workspace_id == workspace_id,
            AwayPeriod.user_id == user_id,
            AwayPeriod.ends_on >= since,
        )
        .order_by(AwayPeriod.starts_on, AwayPeriod.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_away_periods(session: Session, workspace_id: int, user_id: str, since: date) -> int:
    stmt = (
        select(func.count())
        .select_from(AwayPeriod)
        .where(
            AwayPeriod.workspace_id == workspace_id,
            AwayPeriod.user_id == user_id,
            AwayPeriod.ends_on >= since,
        )
    )
    return session.scalar(stmt) or 0


def away_periods_touching(
    session: Session, workspace_id: int, user_id: str, starts_on: date, ends_on: date
) -> Sequence[AwayPeriod]:
    """The person's periods that overlap `starts_on`..`ends_on` or touch it (end the day
    before it starts, or start the day after it ends)."""
    stmt = (
        select(AwayPeriod)
        .where(
            AwayPeriod.workspace_id == workspace_id,
            AwayPeriod.user_id == user_id,
            AwayPeriod.ends_on >= _shift(starts_on, -1),
            AwayPeriod.starts_on <= _shift(ends_on, 1),
        )
        .order_by(AwayPeriod.starts_on, AwayPeriod.id)
    )
    return session.scalars(stmt).all()


def _shift(day: date, days: int) -> date:
    """`day` moved by `days`, held within the calendar's range."""
    return date.fromordinal(min(max(day.toordinal() + days, 1), date.max.toordinal()))


def away_spans(
    session: Session, workspace_id: int, user_ids: Collection[str], since: date, until: date
) -> dict[str, list[tuple[date, date]]]:
    """For each of `user_ids` who is away some day from `since` to `until`: their periods
    overlapping that window as `(first day, last day)`. One query however many people."""
    if not user_ids:
        return {}
    stmt = (
        select(AwayPeriod.user_id, AwayPeriod.starts_on, AwayPeriod.ends_on)
        .where(
            AwayPeriod.workspace_id == workspace_id,
            AwayPeriod.user_id.in_(sorted(set(user_ids))),
            AwayPeriod.ends_on >= since,
            AwayPeriod.starts_on <= until,
        )
        .order_by(AwayPeriod.user_id, AwayPeriod.starts_on)
    )
    spans: dict[str, list[tuple[date, date]]] = {}
    for user_id, starts_on, ends_on in session.execute(stmt):
        spans.setdefault(user_id, []).append((starts_on, ends_on))
    return spans


def add_away_period(session: Session, period: AwayPeriod) -> None:
    session.add(period)
    session.flush()


def delete_away_periods(session: Session, periods: Sequence[AwayPeriod]) -> None:
    if periods:
        session.execute(delete(AwayPeriod).where(AwayPeriod.id.in_([p.id for p in periods])))
