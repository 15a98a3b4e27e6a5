"""A person's App Home dashboard across every project of the workspace, in a fixed few queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.domain import (
    DECISIONS,
    OPEN_STATUSES,
    OVERDUE,
    PROJECTS,
    RECENT_DAYS,
    RISKS,
    SECTIONS,
    UPCOMING,
    UPCOMING_DAYS,
    Actor,
    Dashboard,
    Item,
    Kind,
    ProjectStatus,
    Rag,
    StatusEntry,
)
from bot.services.access import hidden_from
from bot.services.rows import to_item
from bot.services.scope import project_ref
from storage.models import Project, StatusUpdate
from storage.repositories import home, workspaces
from storage.repositories.items import ItemRow
from storage.repositories.projects import not_public

HOME_LIMIT = 10  # per section: the Home tab shows fewer and counts the rest
_OPEN = {kind.value: tuple(sorted(statuses)) for kind, statuses in OPEN_STATUSES.items()}


def dashboard(
    deps: Deps,
    actor: Actor,
    *,
    limit: int = HOME_LIMIT,
    sections: Collection[str] = SECTIONS,
) -> Dashboard:
    """`actor`'s dashboard, up to `limit` rows per section; only `sections` are read.

    Dates are the actor's: "overdue" and "the next 14 days" are counted in `actor.timezone`.
    It costs one query per section plus one, however many items and projects there are.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown Home sections {sorted(unknown)}")
    now = deps.clock.now()
    zone = ZoneInfo(actor.timezone)
    today = now.astimezone(zone).date()
    last_day = today + timedelta(days=UPCOMING_DAYS)
    until = datetime.combine(last_day + timedelta(days=1), time(), zone)
    user = actor.user_id
    board = Dashboard(user)
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return board
        hidden = hidden_from(deps, actor, not_public(session, ws))
        if OVERDUE in sections:
            late, total = home.overdue_actions(
                session, ws, user, now=now, today=today, limit=limit, hidden=hidden
            )
            board = replace(board, overdue=_items(late), overdue_total=total)
        if UPCOMING in sections:
            soon, total = home.upcoming_actions(
                session,
                ws,
                user,
                now=now,
                today=today,
                last_day=last_day,
                until=until,
                limit=limit,
                hidden=hidden,
            )
            board = replace(board, upcoming=_items(soon), upcoming_total=total)
        if RISKS in sections:
            statuses = _OPEN[Kind.RISK.value]
            risks, total = home.owned_risks(
                session, ws, user, statuses=statuses, limit=limit, hidden=hidden
            )
            board = replace(board, risks=_items(risks), risks_total=total)
        if PROJECTS in sections:
            members, total = home.member_projects(
                session, ws, user, open_statuses=_OPEN, limit=limit, hidden=hidden
            )
            projects = tuple(_status(project, update) for project, update in members)
            board = replace(board, projects=projects, projects_total=total)
        if DECISIONS in sections:
            since = today - timedelta(days=RECENT_DAYS)
            decisions, total = home.recent_decisions(
                session, ws, user, open_statuses=_OPEN, since=since, limit=limit, hidden=hidden
            )
            board = replace(board, decisions=_items(decisions), decisions_total=total)
    return board


def _items(rows: Sequence[tuple[ItemRow, Project]]) -> tuple[Item, ...]:
    return tuple(to_item(row, project_ref(project)) for row, project in rows)


def _status(project: Project, update: StatusUpdate | None) -> ProjectStatus:
    current = (
        None
        if update is None
        else StatusEntry(Rag(update.rag), update.reason, update.author_id, update.created_at)
    )
    return ProjectStatus(project_ref(project), current, (current,) if current else ())
