"""Projects and their RAG status: bind a channel, set and read status, the portfolio."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.domain import Actor, ProjectRef, ProjectStatus, Rag, StatusEntry
from bot.errors import Conflict, UserError
from bot.services.access import guarded, learn_now
from bot.services.scope import NO_PROJECT, project_for, project_ref, workspace_id
from storage.models import Project, StatusUpdate
from storage.repositories import projects, workspaces

HISTORY_SIZE = 5


@dataclass(frozen=True)
class ProjectResult:
    project: ProjectRef
    created: bool


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64] or "project"


def bind_project(deps: Deps, actor: Actor, name: str | None) -> ProjectResult:
    """Create a project bound to the actor's channel, or show the one already bound there."""
    now = deps.clock.now()
    try:
        with deps.db.write() as session:
            ws = workspace_id(session, actor, now)
            bound = projects.by_channel(session, ws, actor.channel_id)
            if bound is not None:
                if name is not None and slugify(name) != bound.slug:
                    raise Conflict(
                        f"This channel is already the home of *{bound.name}* (`{bound.slug}`); "
                        "a channel holds one project. Run `/pmo project` in another channel."
                    )
                return ProjectResult(project_ref(bound), created=False)
            if name is None:
                raise UserError(NO_PROJECT)
            slug = slugify(name)
            taken = projects.by_slug(session, ws, slug)
            if taken is not None:
                raise Conflict(
                    f"A project `{slug}` already lives in <#{taken.channel_id}>. "
                    "Pick another name, or use `project:" + slug + "` from here."
                )
            project = Project(
                workspace_id=ws,
                slug=slug,
                name=name.strip(),
                channel_id=actor.channel_id,
                timezone=actor.timezone,
                created_by=actor.user_id,
                created_at=now,
            )
            session.add(project)
            session.flush()
    except IntegrityError:
        # Someone bound this channel or took the name a moment ago: answer as if we were second.
        return bind_project(deps, actor, name)
    learn_now(deps, actor.team_id, project)  # whether the channel is private, kept from the start
    return ProjectResult(project_ref(project), created=True)


@guarded
def set_status(
    deps: Deps, actor: Actor, rag: Rag, reason: str | None, project_slug: str | None
) -> tuple[ProjectRef, StatusEntry, StatusEntry | None]:
    """Record a new RAG; returns the project, the new entry and the one it replaced."""
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        project = project_for(deps, session, ws, actor, project_slug)
        previous = projects.recent_statuses(session, ws, project.id, 1)
        update = StatusUpdate(
            workspace_id=ws,
            project_id=project.id,
            rag=rag.value,
            reason=reason,
            author_id=actor.user_id,
            created_at=now,
        )
        session.add(update)
        before = _entry(previous[0]) if previous else None
        return project_ref(project), _entry(update), before


@guarded
def project_status(deps: Deps, actor: Actor, project_slug: str | None) -> ProjectStatus:
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            raise UserError(NO_PROJECT)
        project = project_for(deps, session, ws, actor, project_slug)
        recent = projects.recent_statuses(session, ws, project.id, HISTORY_SIZE)
    entries = tuple(_entry(update) for update in recent)
    return ProjectStatus(project_ref(project), entries[0] if entries else None, entries)


def _entry(update: StatusUpdate) -> StatusEntry:
    return StatusEntry(Rag(update.rag), update.reason, update.author_id, update.created_at)
