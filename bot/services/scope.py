"""Resolve who and where a command acts on: the workspace row and the project."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import Actor, ProjectRef
from bot.errors import NotFound, UserError
from bot.services.access import require_access
from storage.models import Project
from storage.repositories import projects, workspaces

NO_PROJECT = (
    "This channel has no project yet. Create one with `/pmo project <name>` "
    "(for example `/pmo project Apollo`), or name one with `project:<slug>`."
)


def workspace_id(session: Session, actor: Actor, now: datetime) -> int:
    return workspaces.ensure(session, actor.team_id, actor.enterprise_id, now)


def known_workspace(session: Session, actor: Actor) -> int:
    """The workspace's row id for reading; one we have never seen has nothing to read yet."""
    ws = workspaces.find(session, actor.team_id)
    if ws is None:
        raise NotFound(
            "Nothing has been logged in this workspace yet. Start with `/pmo project <name>`."
        )
    return ws


def project_for(deps: Deps, session: Session, ws: int, actor: Actor, slug: str | None) -> Project:
    """`project:<slug>` (or `#C…`, a channel's id) when given, else the actor's channel's;
    refused when it is private and the actor is not in its channel (bot.services.access)."""
    project = _named(session, ws, actor, slug)
    require_access(deps, actor, project)
    return project


def _named(session: Session, ws: int, actor: Actor, slug: str | None) -> Project:
    if slug and slug.startswith("#"):
        in_channel = projects.by_channel(session, ws, slug[1:])
        if in_channel is None:
            raise NotFound(f"<{slug}> has no project. Run `/pmo project <name>` there first.")
        return in_channel
    if slug:
        found = projects.by_slug(session, ws, slug)
        if found is None:
            known = projects.open_slugs(session, ws, actor.channel_id)
            listing = ", ".join(f"`{s}`" for s in known[:20]) or "none yet"
            raise NotFound(f"There is no project `{slug}` in this workspace. Projects: {listing}.")
        return found
    bound = projects.by_channel(session, ws, actor.channel_id)
    if bound is None:
        raise UserError(NO_PROJECT)
    return bound


def project_ref(project: Project) -> ProjectRef:
    return ProjectRef(project.slug, project.name, project.channel_id, project.timezone)
