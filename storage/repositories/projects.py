"""Projects, their RAG status history, and the portfolio's per-project counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Action, Issue, Project, StatusUpdate, Workspace

# Built once: every command looks its project up by one of these.
_IN_WORKSPACE = Project.workspace_id == bindparam("ws")
_BY_CHANNEL = select(Project).where(_IN_WORKSPACE, Project.channel_id == bindparam("key"))
_BY_SLUG = select(Project).where(_IN_WORKSPACE, Project.slug == bindparam("key"))


def by_channel(session: Session, workspace_id: int, channel_id: str) -> Project | None:
    return session.scalar(_BY_CHANNEL, {"ws": workspace_id, "key": channel_id})


def usual_zone(session: Session, workspace_id: int, channel_id: str) -> str | None:
    """The zone of the channel's project, else the one most of the workspace's projects keep
    (the first by name on a tie); None when the workspace has no project."""
    here = func.max(case((Project.channel_id == channel_id, 1), else_=0))
    return session.scalar(
        select(Project.timezone)
        .where(Project.workspace_id == workspace_id)
        .group_by(Project.timezone)
        .order_by(here.desc(), func.count().desc(), Project.timezone)
        .limit(1)
    )


def by_slug(session: Session, workspace_id: int, slug: str) -> Project | None:
    return session.scalar(_BY_SLUG, {"ws": workspace_id, "key": slug})


def by_id(session: Session, workspace_id: int, project_id: int) -> Project | None:
    return session.scalar(
        select(Project).where(Project.workspace_id == workspace_id, Project.id == project_id)
    )


def open_slugs(session: Session, workspace_id: int, channel_id: str) -> list[str]:
    """The slugs anyone may be shown: public projects' and the channel's own."""
    stmt = (
        select(Project.slug)
        .where(
            Project.workspace_id == workspace_id,
            or_(Project.private.is_(False), Project.channel_id == channel_id),
        )
        .order_by(Project.slug)
    )
    return list(session.scalars(stmt))


def not_public(session: Session, workspace_id: int) -> Sequence[Project]:
    """The projects Slack has said are private, or has not described yet."""
    stmt = select(Project).where(
        Project.workspace_id == workspace_id,
        or_(Project.private.is_(None), Project.private.is_(True)),
    )
    return session.scalars(stmt).all()


def record_privacy(session: Session, answers: Mapping[int, bool]) -> None:
    """Record what Slack said of projects' channels, by project id (bot.services.access): at
    most two statements however many."""
    for private in (True, False):
        ids = [project_id for project_id, said in answers.items() if said is private]
        if ids:
            session.execute(update(Project).where(Project.id.in_(ids)).values(private=private))


def privacy_unknown(session: Session, limit: int) -> list[tuple[str, Project]]:
    """Up to `limit` projects whose channel Slack has not yet described, with their team."""
    stmt = (
        select(Workspace.team_id, Project)
        .join(Workspace, Workspace.id == Project.workspace_id)
        .where(Project.private.is_(None), Workspace.uninstalled_at.is_(None))
        .order_by(Project.id)
        .limit(limit)
    )
    return [(team, project) for team, project in session.execute(stmt)]


def all_projects(session: Session, workspace_id: int) -> Sequence[Project]:
    stmt = select(Project).where(Project.workspace_id == workspace_id).order_by(Project.name)
    return session.scalars(stmt).all()


def recent_statuses(
    session: Session, workspace_id: int, project_id: int, limit: int
) -> Sequence[StatusUpdate]:
    stmt = (
        select(StatusUpdate)
        .where(StatusUpdate.workspace_id == workspace_id, StatusUpdate.project_id == project_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def open_issue_counts(session: Session, workspace_id: int) -> dict[int, int]:
    stmt = (
        select(Issue.project_id, func.count())
        .where(Issue.workspace_id == workspace_id, Issue.status == "open")
        .group_by(Issue.project_id)
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


def overdue(now: datetime, today: date) -> ColumnElement[bool]:
    """SQL for "an open action past its due": a time, or a day before the reader's today."""
    return or_(Action.due_at < now, and_(Action.due_at.is_(None), Action.due_on < today))
