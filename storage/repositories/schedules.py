"""What a scheduler pass reads and writes, in a fixed number of statements whatever the size:
items falling due across every workspace, calendars, profiles, and the deliveries ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from storage.models import (
    Action,
    AwayPeriod,
    Delivery,
    Holiday,
    Issue,
    Project,
    Risk,
    Standup,
    StandupAnswer,
    StandupThread,
    UserProfile,
    WorkerMark,
    Workspace,
)
from storage.repositories.dialect import upsert

OPEN_RISK = ("open", "mitigating")


def due_actions(session: Session, until: date) -> Sequence[tuple[Any, Project, str]]:
    """Open actions due on or before `until` in projects with reminders on, with the team id."""
    return _falling_due(session, Action, Action.status == "open", Action.due_on <= until)


def risks_for_review(session: Session, until: date) -> Sequence[tuple[Any, Project, str]]:
    return _falling_due(session, Risk, Risk.status.in_(OPEN_RISK), Risk.review_on <= until)


def due_issues(session: Session, until: date) -> Sequence[tuple[Any, Project, str]]:
    return _falling_due(session, Issue, Issue.status == "open", Issue.due_on <= until)


def _falling_due(session: Session, model: Any, *where: Any) -> list[tuple[Any, Project, str]]:
    """(item, its project, the team id): the items as Core rows of their columns (a pass reads
    thousands; loading each as a model was a tenth of its CPU), their projects loaded once."""
    stmt = (
        select(*model.__table__.columns)
        .join(Project, Project.id == model.project_id)
        .where(Project.reminders_on, *where)
    )
    rows = session.execute(stmt).all()
    ids = {row.project_id for row in rows}
    if not ids:
        return []
    projects = {
        project.id: (project, team_id)
        for project, team_id in session.execute(
            select(Project, Workspace.team_id)
            .join(Workspace, Workspace.id == Project.workspace_id)
            .where(Project.id.in_(ids))
        )
    }
    return [(row, *projects[row.project_id]) for row in rows]


def profiles(session: Session, workspace_ids: Collection[int]) -> dict[tuple[int, str], str]:
    """(workspace, user) → IANA zone, for every cached person of these workspaces."""
    if not workspace_ids:
        return {}
    stmt = select(UserProfile.workspace_id, UserProfile.user_id, UserProfile.timezone).where(
        UserProfile.workspace_id.in_(workspace_ids)
    )
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}


def save_profiles(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert many profiles in one statement (workspace_id, user_id, name, timezone, fetched_at)."""
    if not rows:
        return
    stmt = upsert(session, UserProfile)
    stmt = stmt.on_conflict_do_update(
        index_elements=[UserProfile.workspace_id, UserProfile.user_id],
        set_={"timezone": stmt.excluded.timezone, "fetched_at": stmt.excluded.fetched_at},
    )
    session.execute(stmt, list(rows))


Holidays = dict[int, dict[int | None, frozenset[date]]]  # workspace → project (None: all) → days
Absences = dict[tuple[int, str], tuple[tuple[date, date], ...]]  # (workspace, user) → periods


def calendars(session: Session, start: date, end: date) -> tuple[Holidays, Absences]:
    """Holidays and away periods touching `start`…`end`, grouped as the planners read them."""
    days: dict[int, dict[int | None, set[date]]] = defaultdict(lambda: defaultdict(set))
    for holiday in session.scalars(select(Holiday).where(Holiday.day.between(start, end))):
        days[holiday.workspace_id][holiday.project_id].add(holiday.day)
    periods: dict[tuple[int, str], list[tuple[date, date]]] = defaultdict(list)
    overlapping = select(AwayPeriod).where(AwayPeriod.starts_on <= end, AwayPeriod.ends_on >= start)
    for away in session.scalars(overlapping):
        periods[(away.workspace_id, away.user_id)].append((away.starts_on, away.ends_on))
    holidays = {ws: {p: frozenset(d) for p, d in by.items()} for ws, by in days.items()}
    return holidays, {person: tuple(spans) for person, spans in periods.items()}


def known_keys(session: Session, keys: Collection[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Delivery.key).where(Delivery.key.in_(keys))))


HELD = ("claimed", "sending")  # a worker holds the row: not yet tried, or an attempt under way


def claim_new(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert deliveries as `claimed`: key → row id for the keys this call won (a key already
    in the ledger, or inserted by another worker at the same moment, is not won)."""
    if not rows:
        return {}
    stmt = upsert(session, Delivery).on_conflict_do_nothing()
    won = session.execute(stmt.returning(Delivery.key, Delivery.id), list(rows))
    return {row.key: row.id for row in won}


def claim_retries(
    session: Session, now: datetime, at: datetime, owner: str, limit: int
) -> Sequence[Delivery]:
    """Take up to `limit` failed deliveries whose next attempt is due; one owner gets each."""
    due = (
        select(Delivery.id)
        .where(Delivery.status == "failed", Delivery.next_attempt_at <= now)
        .order_by(Delivery.id)
        .limit(limit)
    )
    stmt = (
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == "failed")
        .values(status="claimed", claimed_by=owner, claimed_at=at)
        .returning(Delivery)
    )
    return session.scalars(stmt).all()


def claim_stale(
    session: Session, before: datetime, at: datetime, owner: str, limit: int
) -> Sequence[Delivery]:
    """Take up to `limit` deliveries whose holder stopped renewing its claim before `before`
    (a worker that stopped): `claimed` ones were never tried, `sending` ones may have been
    posted and are looked for first."""
    stale = (
        select(Delivery.id)
        .where(Delivery.status.in_(HELD), Delivery.claimed_at < before)
        .order_by(Delivery.id)
        .limit(limit)
    )
    stmt = (
        update(Delivery)
        .where(
            Delivery.id.in_(stale.scalar_subquery()),
            Delivery.status.in_(HELD),
            Delivery.claimed_at < before,
        )
        .values(claimed_by=owner, claimed_at=at)
        .returning(Delivery)
    )
    return session.scalars(stmt).all()


# A send's own writes, once or twice a message: prebuilt Core statements on the table (no ORM
# bulk-update path, compiled once), parameters bound per call.
_DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
_HOLDER = (
    _DELIVERIES.c.id == bindparam("row_id"),
    _DELIVERIES.c.claimed_by == bindparam("owner"),
    _DELIVERIES.c.status.in_(HELD),
)
_FENCE = update(_DELIVERIES).where(*_HOLDER).values(status="sending", claimed_at=bindparam("at"))
_OUTCOMES: dict[tuple[str, ...], Any] = {}


def fence(session: Session, row_id: int, owner: str, at: datetime) -> bool:
    """Just before an attempt: mark the row `sending` if `owner` still holds it."""
    found = session.execute(_FENCE, {"row_id": row_id, "owner": owner, "at": at})
    return bool(found.rowcount == 1)  # type: ignore[attr-defined]


def renew(session: Session, ids: Collection[int], owner: str, at: datetime) -> set[int]:
    """Renew `owner`'s claims on `ids`; the ids it still holds."""
    if not ids:
        return set()
    stmt = (
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == owner, Delivery.status.in_(HELD))
        .values(claimed_at=at)
        .returning(Delivery.id)
    )
    return set(session.scalars(stmt))


def without_flush_wait(session: Session) -> None:
    """This transaction's commit returns before PostgreSQL has flushed it to disk (SQLite in
    WAL mode with synchronous=NORMAL already does so). For an attempt's outcome only: if the
    server itself crashed in the next moment and lost it, the row would still read `sending`
    and be settled by looking for the message, never sent blind; the fence before it is kept
    durable, as it decides who may send."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def record_outcome(session: Session, row_id: int, owner: str, values: dict[str, Any]) -> bool:
    """A held delivery's outcome, if `owner` still holds it (else its new holder settles it)."""
    names = tuple(sorted(values))
    stmt = _OUTCOMES.get(names)
    if stmt is None:
        columns: dict[str, Any] = {name: bindparam(f"v_{name}") for name in names}
        stmt = _OUTCOMES.setdefault(names, update(_DELIVERIES).where(*_HOLDER).values(columns))
    params = {"row_id": row_id, "owner": owner} | {f"v_{k}": v for k, v in values.items()}
    return bool(session.execute(stmt, params).rowcount == 1)  # type: ignore[attr-defined]


def mark(session: Session, name: str) -> datetime | None:
    return session.scalar(select(WorkerMark.at).where(WorkerMark.name == name))


def set_mark(session: Session, name: str, at: datetime) -> None:
    stmt = upsert(session, WorkerMark).values(name=name, at=at)
    session.execute(stmt.on_conflict_do_update(index_elements=[WorkerMark.name], set_={"at": at}))


def standups(session: Session) -> Sequence[tuple[Standup, str]]:
    """Every enabled standup, with its team id."""
    stmt = (
        select(Standup, Workspace.team_id)
        .join(Workspace, Workspace.id == Standup.workspace_id)
        .where(Standup.enabled)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def standup_answers(
    session: Session, standup_ids: Collection[int], start: date, end: date
) -> set[tuple[int, str, date]]:
    if not standup_ids:
        return set()
    stmt = select(StandupAnswer.standup_id, StandupAnswer.user_id, StandupAnswer.day).where(
        StandupAnswer.standup_id.in_(standup_ids),
        StandupAnswer.day >= start,
        StandupAnswer.day <= end,
    )
    return {(row[0], row[1], row[2]) for row in session.execute(stmt)}


def sent_since(session: Session, prefix: str, start: date) -> Sequence[Delivery]:
    """Sent deliveries whose key starts with `prefix`, of days from `start` on."""
    stmt = select(Delivery).where(
        Delivery.key.startswith(prefix), Delivery.status == "sent", Delivery.local_day >= start
    )
    return session.scalars(stmt).all()


def standup_threads(
    session: Session, standup_ids: Collection[int], start: date
) -> dict[tuple[int, date], str]:
    if not standup_ids:
        return {}
    stmt = select(StandupThread).where(
        StandupThread.standup_id.in_(standup_ids),
        StandupThread.day >= start,
        StandupThread.parent_ts.is_not(None),
    )
    return {(t.standup_id, t.day): t.parent_ts for t in session.scalars(stmt) if t.parent_ts}


def channel_projects(
    session: Session, workspace_ids: Collection[int]
) -> dict[tuple[int, str], int]:
    if not workspace_ids:
        return {}
    stmt = select(Project.workspace_id, Project.channel_id, Project.id).where(
        Project.workspace_id.in_(workspace_ids)
    )
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}


def save_standup_members(session: Session, standup_id: int, members: list[str], day: date) -> None:
    # Only while it still follows the channel: someone may have named its members meanwhile.
    following = (Standup.id == standup_id, Standup.members_mode == "channel")
    session.execute(update(Standup).where(*following).values(members=members, members_read_on=day))
