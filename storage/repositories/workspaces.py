"""Workspaces and the per-workspace counters behind human ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import IdCounter, Workspace
from storage.repositories.dialect import upsert


def find(session: Session, team_id: str) -> int | None:
    return session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))


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


def next_number(session: Session, workspace_id: int, kind: str) -> int:
    """The next human number for `kind` in the workspace: one atomic upsert, no gaps reused.

    On PostgreSQL the row lock serialises concurrent callers; on SQLite the write transaction
    already holds the database lock.
    """
    stmt = (
        upsert(session, IdCounter)
        .values(workspace_id=workspace_id, kind=kind, last=1)
        .on_conflict_do_update(
            index_elements=[IdCounter.workspace_id, IdCounter.kind],
            set_={"last": IdCounter.last + 1},
        )
        .returning(IdCounter.last)
    )
    number = session.scalar(stmt)
    assert number is not None
    return number
