"""A register's version, read with its project: what a repeated list checks, in one statement.

The version is kept by the database (storage.models.RegisterVersion, migration 0013): every
insert, update and delete of a register's items bumps it, so a page drawn at version N is
exactly what the register would draw again while the version is still N.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import Project, RegisterVersion, Workspace
from storage.repositories.items import MODELS


@dataclass(frozen=True)
class Stamped:
    """A project as a list shows it and checks access to it, and its register's version."""

    workspace_id: int
    id: int
    slug: str
    name: str
    channel_id: str
    timezone: str
    private: bool | None
    version: int


def _stamp(key: Any) -> Select[int, int, str, str, str, str, bool | None, Any]:
    version = (
        select(RegisterVersion.version)
        .where(RegisterVersion.project_id == Project.id, RegisterVersion.kind == bindparam("kind"))
        .scalar_subquery()
    )
    columns = (Project.workspace_id, Project.id, Project.slug, Project.name, Project.channel_id)
    return (
        select(*columns, Project.timezone, Project.private, func.coalesce(version, 0))
        .join(Workspace, Workspace.id == Project.workspace_id)
        .where(Workspace.team_id == bindparam("team"), key == bindparam("key"))
    )


# Built once, bound per call: by the channel the command came from, or by `project:<slug>`.
_BY_CHANNEL = _stamp(Project.channel_id)
_BY_SLUG = _stamp(Project.slug)


def stamp(
    db: Database, team_id: str, kind: str, *, channel: str | None, slug: str | None
) -> Stamped | None:
    """The project of the workspace `team_id` named by `slug`, else bound to `channel`, with
    the version of its `kind` register (0 before its first change); None when there is no
    such project (or workspace). One raw read (Database.first), no Session."""
    stmt, key = (_BY_SLUG, slug) if slug else (_BY_CHANNEL, channel)
    row = db.first(stmt, {"team": team_id, "kind": kind, "key": key})
    if row is None:
        return None
    ws, project_id, slug_, name, channel_id, timezone, private, version = row
    return Stamped(ws, project_id, slug_, name, channel_id, timezone, private, version)


def next_due_at(
    session: Session, workspace_id: int, kind: str, project_id: int, now: datetime
) -> datetime | None:
    """The next moment after `now` one of the register's open items falls due to the minute
    (a `due_at`): its lists change then (overdue marks, overdue first) with no write at all.
    None for a register without such items."""
    model = MODELS[kind]
    due_at = getattr(model, "due_at", None)
    if due_at is None:
        return None
    found: datetime | None = session.scalar(
        select(func.min(due_at)).where(
            model.workspace_id == workspace_id,
            model.project_id == project_id,
            model.is_open.is_(True),
            due_at > now,
        )
    )
    return found
