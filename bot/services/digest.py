"""`/pmo digest`: a project's weekly digest settings, when it is due, and a digest composed now.

The digest goes out on the project's weekday at its time *in the project's zone*; each
use-case is one transaction scoped by the actor's workspace.
"""

from __future__ import annotations

from datetime import datetime, time

from bot.deps import Deps
from bot.digest_domain import (
    DAY_NAMES,
    WEEK_DAYS,
    Digest,
    DigestSettings,
    DigestSettingsChange,
    next_weekly_moment,
    weekly_moment,
)
from bot.domain import Actor
from bot.errors import UserError
from bot.services.access import guarded
from bot.services.digest_content import compose
from bot.services.scope import NO_PROJECT, known_workspace, project_for, project_ref, workspace_id
from storage.models import Project
from storage.repositories import workspaces


def moment_on_or_before(project: Project, now: datetime) -> datetime:
    """The latest scheduled moment of the project's digest at or before `now` (aware, in the
    project's zone; its date is the digest's local day)."""
    at = time.fromisoformat(project.digest_time)
    return weekly_moment(project.digest_day, at, project.timezone, now)


def next_moment(project: Project, now: datetime) -> datetime:
    """The first scheduled moment after `now`."""
    at = time.fromisoformat(project.digest_time)
    return next_weekly_moment(project.digest_day, at, project.timezone, now)


def settings_of(project: Project, now: datetime) -> DigestSettings:
    return DigestSettings(
        project=project_ref(project),
        enabled=project.digest_on,
        day=project.digest_day,
        at=time.fromisoformat(project.digest_time),
        mentions=project.digest_mentions,
        next_at=next_moment(project, now) if project.digest_on else None,
    )


@guarded
def digest_settings(deps: Deps, actor: Actor, project_slug: str | None) -> DigestSettings:
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            raise UserError(NO_PROJECT)
        return settings_of(project_for(deps, session, ws, actor, project_slug), deps.clock.now())


@guarded
def change_digest(
    deps: Deps,
    actor: Actor,
    project_slug: str | None,
    *,
    enabled: bool | None = None,
    day: int | None = None,
    at: time | None = None,
    mentions: bool | None = None,
) -> DigestSettingsChange:
    """Turn the digest on or off, move it, or say whether it pings owners. Scheduling it
    (a day or time) turns it on. A value the project already has changes nothing."""
    if day is not None and not 0 <= day < WEEK_DAYS:
        raise UserError("The digest's day is a day of the week, Monday to Sunday.")
    if day is not None or at is not None:
        enabled = True
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        project = project_for(deps, session, ws, actor, project_slug)
        changes: dict[str, list[str]] = {}
        if enabled is not None and enabled != project.digest_on:
            changes["digest"] = [_on_off(project.digest_on), _on_off(enabled)]
            project.digest_on = enabled
        changes |= weekly_changes(project.digest_day, project.digest_time, day, at)
        if day is not None:
            project.digest_day = day
        if at is not None:
            project.digest_time = at.strftime("%H:%M")
        if mentions is not None and mentions != project.digest_mentions:
            changes["mentions"] = [_on_off(project.digest_mentions), _on_off(mentions)]
            project.digest_mentions = mentions
        session.flush()
        return DigestSettingsChange(settings_of(project, now), actor.user_id, changes)


@guarded
def digest_now(deps: Deps, actor: Actor, project_slug: str | None) -> Digest:
    """The project's digest for the seven days to now (`/pmo digest now` and `preview`)."""
    with deps.db.read() as session:
        ws = known_workspace(session, actor)
        project = project_for(deps, session, ws, actor, project_slug)
        return compose(session, project, actor.team_id, deps.clock.now())


def weekly_changes(
    day_now: int, time_now: str, day: int | None, at: time | None
) -> dict[str, list[str]]:
    """What moving a weekly send from `day_now` at `time_now` ("HH:MM") to `day` and `at`
    (None: kept) changes, as [old, new] shown to people (`day`, `time`)."""
    changes: dict[str, list[str]] = {}
    if day is not None and day != day_now:
        changes["day"] = [DAY_NAMES[day_now], DAY_NAMES[day]]
    if at is not None and at.strftime("%H:%M") != time_now:
        changes["time"] = [time_now, at.strftime("%H:%M")]
    return changes


def _on_off(enabled: bool) -> str:
    return "on" if enabled else "off"
