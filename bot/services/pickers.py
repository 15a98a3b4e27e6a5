"""Where a form would log its item: the channel's (or named) project, else the workspace's list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.deps import Deps
from bot.domain import Actor, ProjectRef
from bot.errors import NotFound
from bot.services.access import guarded, hidden_from
from bot.services.scope import project_for, project_ref
from storage.repositories import projects, workspaces

PICKER_MAX = 100  # a static_select holds at most 100 options


@dataclass(frozen=True)
class FormPlace:
    """`project` when the form knows where it logs; otherwise `choices` for a project picker
    (empty when the workspace has no project at all)."""

    project: ProjectRef | None
    choices: tuple[ProjectRef, ...] = ()


@guarded
def form_place(deps: Deps, actor: Actor, project_slug: str | None) -> FormPlace:
    """The project `project:<slug>` names (NotFound if none), else the actor's channel's, else
    up to PICKER_MAX of the workspace's projects by name. Reads only: nothing is created."""
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            if project_slug:
                raise NotFound(f"There is no project `{project_slug}` in this workspace yet.")
            return FormPlace(None)
        if project_slug:
            return FormPlace(project_ref(project_for(deps, session, ws, actor, project_slug)))
        bound = projects.by_channel(session, ws, actor.channel_id)
        if bound is not None:
            return FormPlace(project_ref(bound))
        candidates = projects.all_projects(session, ws)
        hidden = hidden_from(deps, actor, candidates)
        listed = [p for p in candidates if p.id not in hidden][:PICKER_MAX]
        return FormPlace(None, tuple(project_ref(p) for p in listed))
