"""`/pmo portfolio` and its weekly digest: every project's RAG, trend, risks by score band,
overdue actions and open issues in a fixed number of queries, and where the digest goes.

Overdue is judged in each owner's own zone (the project's when theirs is unknown), as the
project digest and the reminders judge it; the trend compares the RAG now with the RAG the
project had 7 days before.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.digest_domain import WEEK_DAYS, next_weekly_moment
from bot.domain import Actor, PortfolioRow, Rag, ScoreBand
from bot.errors import NotFound, UserError
from bot.portfolio_domain import (
    DEFAULT_DAY,
    DEFAULT_TIME,
    PortfolioDigestChange,
    PortfolioDigestSettings,
)
from bot.services.access import hidden_from
from bot.services.digest import weekly_changes
from bot.services.digest_content import in_owner_zones, overdue_window, status_entry
from bot.services.scope import project_ref, workspace_id
from storage.models import PortfolioDigest, Project
from storage.repositories import digests, portfolio, projects, workspaces

SEVERITY = {Rag.RED: 0, Rag.AMBER: 1, None: 2, Rag.GREEN: 3}


def portfolio_view(deps: Deps, actor: Actor) -> tuple[PortfolioRow, ...]:
    """`/pmo portfolio`: every project of the actor's workspace, red first."""
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return ()
        candidates = projects.all_projects(session, ws)
        hidden = hidden_from(deps, actor, candidates)
        shown = [project for project in candidates if project.id not in hidden]
        return portfolio_rows(session, ws, deps.clock.now(), shown)


def portfolio_rows(
    session: Session, ws: int, now: datetime, all_projects: Sequence[Project]
) -> tuple[PortfolioRow, ...]:
    """The workspace's projects given (those the reader may see), as they stand at `now`: red,
    amber, unset, green; within each, most overdue first. Six statements however many."""
    current = portfolio.statuses_at(session, ws, now)
    week_ago = portfolio.statuses_at(session, ws, now - timedelta(days=WEEK_DAYS))
    scores = portfolio.open_risk_scores(session, ws)
    sure, before = overdue_window(now)
    groups = digests.overdue_groups(session, ws, None, now, sure, before)
    issues = projects.open_issue_counts(session, ws)
    zones = {project.id: project.timezone for project in all_projects}
    overdue: Counter[int] = Counter()
    groups = [group for group in groups if group[0] in zones]  # the projects shown
    for project_id, _, _, late in in_owner_zones(groups, now, zones):
        overdue[project_id] += late
    bands: dict[int, Counter[ScoreBand]] = defaultdict(Counter)
    top: dict[int, int] = {}
    for project_id, score, count in scores:
        bands[project_id][ScoreBand.of(score)] += count
        top[project_id] = max(score, top.get(project_id, 0))
    rows = [
        PortfolioRow(
            project=project_ref(project),
            status=status_entry(current.get(project.id)),
            week_ago=Rag(week_ago[project.id].rag) if project.id in week_ago else None,
            open_risks=sum(bands[project.id].values()),
            top_risk_score=top.get(project.id),
            overdue_actions=overdue[project.id],
            open_issues=issues.get(project.id, 0),
            bands=dict(bands[project.id]),
        )
        for project in all_projects
    ]
    rows.sort(key=lambda r: (SEVERITY[r.status.rag if r.status else None], -r.overdue_actions))
    return tuple(rows)


# -- the weekly portfolio digest's settings ------------------------------------------------------


def settings_of(digest: PortfolioDigest, now: datetime) -> PortfolioDigestSettings:
    at = time.fromisoformat(digest.time)
    return PortfolioDigestSettings(
        channel_id=digest.channel_id,
        day=digest.day,
        at=at,
        timezone=digest.timezone,
        created_by=digest.created_by,
        next_at=next_weekly_moment(digest.day, at, digest.timezone, now),
    )


def portfolio_digests(deps: Deps, actor: Actor) -> tuple[PortfolioDigestSettings, ...]:
    """`/pmo portfolio digest`: the workspace's weekly portfolio digests, oldest first."""
    now = deps.clock.now()
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return ()
        return tuple(settings_of(digest, now) for digest in portfolio.digests_of(session, ws))


def set_portfolio_digest(
    deps: Deps, actor: Actor, channel_id: str, day: int | None, at: time | None
) -> PortfolioDigestChange:
    """Post the portfolio in `channel_id` weekly, at `day` and `at` in the actor's zone (a
    new one defaults to Friday 16:00; an existing one keeps what isn't given)."""
    if day is not None and not 0 <= day < WEEK_DAYS:
        raise UserError("The digest's day is a day of the week, Monday to Sunday.")
    now = deps.clock.now()
    try:
        with deps.db.write() as session:
            ws = workspace_id(session, actor, now)
            digest = portfolio.digest_in(session, ws, channel_id)
            if digest is None:
                digest = PortfolioDigest(
                    workspace_id=ws,
                    channel_id=channel_id,
                    day=DEFAULT_DAY if day is None else day,
                    time=(at or DEFAULT_TIME).strftime("%H:%M"),
                    timezone=actor.timezone,
                    created_by=actor.user_id,
                    created_at=now,
                )
                session.add(digest)
                session.flush()
                return PortfolioDigestChange(settings_of(digest, now), actor.user_id, created=True)
            changes = _change(digest, actor, day, at)
            session.flush()
            return PortfolioDigestChange(settings_of(digest, now), actor.user_id, changes=changes)
    except IntegrityError:
        # Someone set this channel's digest a moment ago: change theirs, as if we were second.
        return set_portfolio_digest(deps, actor, channel_id, day, at)


def _change(
    digest: PortfolioDigest, actor: Actor, day: int | None, at: time | None
) -> dict[str, list[str]]:
    changes = weekly_changes(digest.day, digest.time, day, at)
    if day is not None:
        digest.day = day
    if at is not None:
        digest.time = at.strftime("%H:%M")
    if (day is not None or at is not None) and actor.timezone != digest.timezone:
        changes["zone"] = [digest.timezone, actor.timezone]  # the time given is the caller's
        digest.timezone = actor.timezone
    return changes


def stop_portfolio_digest(
    deps: Deps, actor: Actor, channel_id: str | None
) -> PortfolioDigestChange:
    """Stop the weekly portfolio in `channel_id`; without one, in the actor's channel, or the
    workspace's only one."""
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspaces.find(session, actor.team_id)
        found: Sequence[PortfolioDigest] = () if ws is None else portfolio.digests_of(session, ws)
        chosen = channel_id or actor.channel_id
        digest = next((d for d in found if d.channel_id == chosen), None)
        if digest is None and channel_id is None and len(found) == 1:
            digest = found[0]
        if digest is None:
            raise NotFound(_not_found(chosen, found))
        settings = settings_of(digest, now)
        session.delete(digest)
        return PortfolioDigestChange(settings, actor.user_id, stopped=True)


def _not_found(channel_id: str, found: Sequence[PortfolioDigest]) -> str:
    if not found:
        return "No weekly portfolio digest is set in this workspace, so there is none to stop."
    channels = ", ".join(f"<#{digest.channel_id}>" for digest in found[:20])
    return (
        f"<#{channel_id}> has no weekly portfolio digest. It goes to {channels}: "
        "name the one to stop, as in `/pmo portfolio digest off #channel`."
    )
