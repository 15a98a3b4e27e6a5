"""Workspaces and the per-workspace counters behind human ids."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import learn, recall
from storage.models import IdCounter, Workspace
from storage.repositories.dialect import upsert

_FIND = select(Workspace.id).where(Workspace.team_id == bindparam("team"))


def find(session: Session, team_id: str) -> int | None:
    """The workspace's row id: read once a process (a row id never changes, and the row is
    never deleted), then remembered from the first committed read."""
    key = ("workspace", team_id)
    known: int | None = recall(session, key)
    if known is not None:
        return known
    found: int | None = session.scalar(_FIND, {"team": team_id})
    if found is not None:
        learn(session, key, found)
    return found


def ensure(session: Session, team_id: str, enterprise_id: str | None, now: datetime) -> int:
    """The workspace's row id, creating the row on first sight (safe under concurrency)."""
    found = find(session, team_id)
    if found is not None:
        return found
    values = {"team_id": team_id, "enterprise_id": enterprise_id, "created_at": now}
    session.execute(upsert(session, Workspace).values(values).on_conflict_do_nothing())
    created = find(session, team_id)
    assert created is not None
    return created


_COUNTERS: Table = IdCounter.__table__  # type: ignore[assignment]
# The numbering upsert, prebuilt for each database (compiled once, parameters bound per call).
_NEXT_NUMBER = {
    name: dialect.insert(_COUNTERS)
    .values(workspace_id=bindparam("ws"), kind=bindparam("kind"), last=1)
    .on_conflict_do_update(
        index_elements=[_COUNTERS.c.workspace_id, _COUNTERS.c.kind],
        set_={"last": _COUNTERS.c.last + 1},
    )
    .returning(_COUNTERS.c.last)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def next_number(session: Session, workspace_id: int, kind: str) -> int:
    """The next human number for `kind` in the workspace: one atomic upsert, no gaps reused.

    A counter row per (workspace, kind): on PostgreSQL its row lock serialises the callers
    numbering that kind there, and no others, until their transaction ends, so callers take
    it just before their insert (see bot.services.items.add_item); on SQLite the write
    transaction already holds the database lock.
    """
    stmt = _NEXT_NUMBER[session.get_bind().dialect.name]
    number: int = session.execute(stmt, {"ws": workspace_id, "kind": kind}).scalar_one()
    return number


def set_installed(
    session: Session, team_id: str, enterprise_id: str | None, now: datetime, *, installed: bool
) -> None:
    """Mark the workspace uninstalled now, or installed (again); its data stays either way."""
    workspace_id = ensure(session, team_id, enterprise_id, now)
    session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(uninstalled_at=None if installed else now)
    )


def uninstalled_teams(session: Session) -> set[str]:
    """Team ids of the workspaces the app was uninstalled from: the worker sends them nothing."""
    found = session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None)))
    return set(found)


def team_ids(session: Session, workspace_ids: Collection[int]) -> dict[int, str]:
    rows = session.execute(
        select(Workspace.id, Workspace.team_id).where(Workspace.id.in_(workspace_ids))
    )
    return {row.id: row.team_id for row in rows}
