"""`/pmo reminders`, `/pmo holiday`, `/pmo away`: a project's reminder settings, the holidays
of a project or the whole workspace, and people's away periods. Each use-case is one
transaction scoped by the actor's workspace; days are the actor's own (their time zone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.dates import format_day
from bot.deps import Deps
from bot.domain import (
    Actor,
    AwayChange,
    AwaySpan,
    AwayStatus,
    HolidayChange,
    HolidayEntry,
    HolidayList,
    ReminderSettings,
    SettingsChange,
)
from bot.errors import NotFound, UserError
from bot.services.access import guarded
from bot.services.calendar import ESCALATION_MAX, ESCALATION_MIN
from bot.services.scope import NO_PROJECT, project_for, project_ref, workspace_id
from storage.models import AwayPeriod, Holiday, Project
from storage.repositories import calendars, projects, workspaces

HOLIDAYS_SHOWN = 20  # by `/pmo holiday list`, each line up to ~130 characters
SETTINGS_HOLIDAYS_SHOWN = 5  # by `/pmo reminders`
AWAY_SHOWN = 20


def local_today(deps: Deps, actor: Actor) -> date:
    """Today where the actor is."""
    return deps.clock.now().astimezone(ZoneInfo(actor.timezone)).date()


# -- reminder settings -----------------------------------------------------------------------------


@guarded
def reminder_settings(deps: Deps, actor: Actor, project_slug: str | None) -> ReminderSettings:
    """The project's reminder time, on/off, escalation days and upcoming holidays."""
    today = local_today(deps, actor)
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            raise UserError(NO_PROJECT)
        project = project_for(deps, session, ws, actor, project_slug)
        return _settings(session, ws, project, today)


@guarded
def change_reminders(
    deps: Deps,
    actor: Actor,
    project_slug: str | None,
    *,
    enabled: bool | None = None,
    at: time | None = None,
    escalation_days: int | None = None,
) -> SettingsChange:
    """Turn reminders on or off, move their time, or set after how many working days an overdue
    action is escalated. A value the project already has changes nothing (empty `changes`)."""
    if escalation_days is not None and not ESCALATION_MIN <= escalation_days <= ESCALATION_MAX:
        raise UserError(
            f"Escalation is after {ESCALATION_MIN} to {ESCALATION_MAX} working days overdue."
        )
    now = deps.clock.now()
    today = local_today(deps, actor)
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        project = project_for(deps, session, ws, actor, project_slug)
        changes: dict[str, list[str]] = {}
        if enabled is not None and enabled != project.reminders_on:
            changes["reminders"] = [_on_off(project.reminders_on), _on_off(enabled)]
            project.reminders_on = enabled
        if at is not None:
            clock = at.strftime("%H:%M")
            if clock != project.reminder_time:
                changes["time"] = [project.reminder_time, clock]
                project.reminder_time = clock
        if escalation_days is not None and escalation_days != project.escalation_days:
            changes["escalation"] = [str(project.escalation_days), str(escalation_days)]
            project.escalation_days = escalation_days
        session.flush()
        return SettingsChange(_settings(session, ws, project, today), actor.user_id, changes)


def _settings(session: Session, ws: int, project: Project, today: date) -> ReminderSettings:
    return ReminderSettings(
        project=project_ref(project),
        enabled=project.reminders_on,
        at=time.fromisoformat(project.reminder_time),
        escalation_days=project.escalation_days,
        holidays=_holiday_list(session, ws, project, today, SETTINGS_HOLIDAYS_SHOWN),
    )


def _on_off(enabled: bool) -> str:
    return "on" if enabled else "off"


# -- holidays --------------------------------------------------------------------------------------


@guarded
def add_holiday(
    deps: Deps,
    actor: Actor,
    day: date,
    name: str | None,
    *,
    workspace_wide: bool = False,
    project_slug: str | None = None,
) -> HolidayChange:
    """Make `day` a holiday for the channel's (or the named) project, or for the whole workspace.

    A day that already is one (for the project, or for the workspace, which covers every
    project) stores nothing and answers `exists`.
    """
    now = deps.clock.now()
    _refuse_past(day, local_today(deps, actor), "A holiday")
    _refuse_both(workspace_wide, project_slug)
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        project = None if workspace_wide else project_for(deps, session, ws, actor, project_slug)
        project_id = project.id if project is not None else None
        calendars.lock_calendar(session, ws)
        holiday = HolidayEntry(day, name, project_ref(project) if project is not None else None)
        existing = calendars.holiday_on(session, ws, project_id, day)
        if existing is None and project_id is not None:
            existing = calendars.holiday_on(session, ws, None, day)
        if existing is not None:
            return HolidayChange(holiday, "exists", actor.user_id, _entry(existing, project))
        calendars.add_holiday(
            session,
            Holiday(
                workspace_id=ws,
                project_id=project_id,
                day=day,
                name=name,
                created_by=actor.user_id,
                created_at=now,
            ),
        )
        return HolidayChange(holiday, "added", actor.user_id)


@guarded
def remove_holiday(
    deps: Deps,
    actor: Actor,
    day: date,
    *,
    workspace_wide: bool = False,
    project_slug: str | None = None,
) -> HolidayChange:
    """Make `day` an ordinary day again for the project, or (`workspace_wide`) the workspace."""
    now = deps.clock.now()
    today = local_today(deps, actor)
    _refuse_both(workspace_wide, project_slug)
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        project = None if workspace_wide else project_for(deps, session, ws, actor, project_slug)
        project_id = project.id if project is not None else None
        calendars.lock_calendar(session, ws)
        found = calendars.holiday_on(session, ws, project_id, day)
        if found is None:
            raise NotFound(_no_holiday(session, ws, project, day, today))
        removed = _entry(found, project)
        calendars.delete_holiday(session, found)
        return HolidayChange(removed, "removed", actor.user_id)


def _no_holiday(session: Session, ws: int, project: Project | None, day: date, today: date) -> str:
    shown = format_day(day, today=today)
    if project is None:
        mine = _channel_project_holiday(session, ws, day)
        if mine is not None:
            return (
                f"{shown} is not a holiday for the whole workspace, only for *{mine.name}*: "
                f"`/pmo holiday remove {day.isoformat()} project:{mine.slug}` removes it."
            )
        return f"{shown} is not a holiday for the whole workspace. `/pmo holiday list` shows them."
    if calendars.holiday_on(session, ws, None, day) is not None:
        return (
            f"{shown} is a holiday for the whole workspace, not just *{project.name}*: "
            f"remove it with `/pmo holiday remove {day.isoformat()} all`."
        )
    return f"{shown} is not a holiday for *{project.name}*. `/pmo holiday list` shows them."


def _channel_project_holiday(session: Session, ws: int, day: date) -> Project | None:
    """A project whose own holiday falls on `day`, to point the way when `all` was wrong."""
    found = calendars.project_holiday_on(session, ws, day)
    return projects.by_id(session, ws, found) if found is not None else None


@guarded
def list_holidays(deps: Deps, actor: Actor, project_slug: str | None) -> HolidayList:
    """The project's and the workspace's holidays from today on, soonest first. In a channel
    with no project (and none named), the workspace's only."""
    today = local_today(deps, actor)
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return HolidayList(None, today, (), 0)
        project = None
        if project_slug is not None or projects.by_channel(session, ws, actor.channel_id):
            project = project_for(deps, session, ws, actor, project_slug)
        return _holiday_list(session, ws, project, today, HOLIDAYS_SHOWN)


def _holiday_list(
    session: Session, ws: int, project: Project | None, today: date, limit: int
) -> HolidayList:
    project_id = project.id if project is not None else None
    rows, total = calendars.upcoming_holidays(session, ws, project_id, today, limit)
    ref = project_ref(project) if project is not None else None
    return HolidayList(ref, today, tuple(_entry(row, project) for row in rows), total)


def _entry(row: Holiday, project: Project | None) -> HolidayEntry:
    owner = project_ref(project) if project is not None and row.project_id is not None else None
    return HolidayEntry(row.day, row.name, owner)


def _refuse_past(day: date, today: date, what: str) -> None:
    if day < today:
        raise UserError(f"{what} can't be in the past ({format_day(day, today=today)}).")


def _refuse_both(workspace_wide: bool, project_slug: str | None) -> None:
    if workspace_wide and project_slug is not None:
        raise UserError("`all` means the whole workspace: leave out `project:`.")


# -- away ------------------------------------------------------------------------------------------


def set_away(deps: Deps, actor: Actor, starts_on: date, ends_on: date) -> AwayChange:
    """The actor is out of office from `starts_on` to `ends_on`, both included.

    Periods are kept apart: a new one that overlaps or touches (ends the day before, starts the
    day after) periods already set is merged with them into one; one wholly inside a period
    already set stores nothing (`covered`).
    """
    today = local_today(deps, actor)
    _refuse_past(starts_on, today, "An away period")
    if ends_on < starts_on:
        raise UserError(
            f"The last day ({format_day(ends_on, today=today)}) is before the first "
            f"({format_day(starts_on, today=today)})."
        )
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        calendars.lock_calendar(session, ws)
        touching = calendars.away_periods_touching(session, ws, actor.user_id, starts_on, ends_on)
        covering = next(
            (p for p in touching if p.starts_on <= starts_on and ends_on <= p.ends_on), None
        )
        if covering is not None:
            span = AwaySpan(covering.starts_on, covering.ends_on)
            return AwayChange("covered", _away_status(session, ws, actor, today), span)
        first = min([starts_on, *(p.starts_on for p in touching)])
        last = max([ends_on, *(p.ends_on for p in touching)])
        calendars.delete_away_periods(session, touching)
        calendars.add_away_period(
            session,
            AwayPeriod(
                workspace_id=ws,
                user_id=actor.user_id,
                starts_on=first,
                ends_on=last,
                created_at=now,
            ),
        )
        verb = "merged" if touching else "added"
        return AwayChange(verb, _away_status(session, ws, actor, today), AwaySpan(first, last))


def end_away(deps: Deps, actor: Actor) -> AwayChange:
    """The actor is back: a current period ends yesterday (or goes, when it began today),
    upcoming ones are cancelled; past periods stay as they were."""
    today = local_today(deps, actor)
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        calendars.lock_calendar(session, ws)
        periods = calendars.away_periods(session, ws, actor.user_id, today)
        current = [p for p in periods if p.starts_on <= today]
        upcoming = [p for p in periods if p.starts_on > today]
        for period in current:
            period.ends_on = today - timedelta(days=1)
        began_today = [p for p in current if p.starts_on == today]
        calendars.delete_away_periods(session, [*began_today, *upcoming])
        session.flush()
        verb = "ended" if periods else "none"
        status = _away_status(session, ws, actor, today)
        return AwayChange(verb, status, cut=len(current), cancelled=len(upcoming))


def away_status(deps: Deps, actor: Actor) -> AwayStatus:
    """The actor's current and upcoming away periods."""
    today = local_today(deps, actor)
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return AwayStatus(actor.user_id, today, (), 0)
        return _away_status(session, ws, actor, today)


def _away_status(session: Session, ws: int, actor: Actor, today: date) -> AwayStatus:
    rows: Sequence[AwayPeriod] = calendars.away_periods(
        session, ws, actor.user_id, today, AWAY_SHOWN
    )
    total = calendars.count_away_periods(session, ws, actor.user_id, today)
    spans = tuple(AwaySpan(row.starts_on, row.ends_on) for row in rows)
    return AwayStatus(actor.user_id, today, spans, total)
