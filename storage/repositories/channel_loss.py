"""Channels the bot can no longer post in, read from the deliveries ledger, and who to tell."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Delivery, PortfolioDigest, Project, Standup, Workspace

Pair = tuple[int, str]  # (workspace id, channel id)


@dataclass(frozen=True)
class LostChannel:
    """A channel whose scheduled posts are refused since `first_failure` (a delivery id) and
    none has gone through since: one loss episode, whoever set the channel up to be told."""

    workspace_id: int
    team_id: str
    channel_id: str
    first_failure: int
    local_day: date
    error: str
    owner_id: str
    project_name: str | None


def lost_channels(session: Session, since: datetime, errors: Collection[str]) -> list[LostChannel]:
    """Channels with a post refused for `errors` since `since` and no post sent after it.

    The episode starts at the first refusal after the channel's last sent post, so it keeps
    its id however long it lasts, and a post that goes through again ends it.
    """
    refused = (Delivery.status == "dropped", Delivery.last_error.in_(errors))
    recent = select(Delivery.workspace_id, Delivery.target).where(
        *refused, Delivery.claimed_at >= since
    )
    pairs: set[Pair] = {
        (row[0], row[1])
        for row in session.execute(recent.distinct())
        if not row[1].startswith(("U", "W"))  # a person's DM is not a channel someone runs
    }
    if not pairs:
        return []
    targets = {channel for _, channel in pairs}
    sent = (
        select(Delivery.workspace_id, Delivery.target, func.max(Delivery.sent_at))
        .where(Delivery.status == "sent", Delivery.target.in_(targets))
        .group_by(Delivery.workspace_id, Delivery.target)
    )
    last_sent: dict[Pair, datetime] = {(r[0], r[1]): r[2] for r in session.execute(sent) if r[2]}
    first: dict[Pair, Delivery] = {}
    failures = select(Delivery).where(*refused, Delivery.target.in_(targets))
    for row in session.scalars(failures.order_by(Delivery.claimed_at, Delivery.id)):
        pair = (row.workspace_id, row.target)
        ended, tried = last_sent.get(pair), row.claimed_at or row.created_at
        if pair in pairs and pair not in first and (ended is None or tried > ended):
            first[pair] = row
    return _with_owners(session, first)


def _with_owners(session: Session, first: dict[Pair, Delivery]) -> list[LostChannel]:
    """The project bound to the channel names its creator; else the channel's standup does;
    else whoever sent the weekly portfolio there."""
    workspace_ids = {ws for ws, _ in first}
    channels = {channel for _, channel in first}
    named = select(Workspace.id, Workspace.team_id).where(Workspace.id.in_(workspace_ids))
    teams = {row[0]: row[1] for row in session.execute(named)}
    owners: dict[Pair, tuple[str, str | None]] = {}
    portfolios = select(
        PortfolioDigest.workspace_id, PortfolioDigest.channel_id, PortfolioDigest.created_by
    ).where(
        PortfolioDigest.workspace_id.in_(workspace_ids), PortfolioDigest.channel_id.in_(channels)
    )
    for ws, channel, created_by in session.execute(portfolios):
        owners[(ws, channel)] = (created_by, None)
    standups = select(Standup.workspace_id, Standup.channel_id, Standup.created_by).where(
        Standup.workspace_id.in_(workspace_ids), Standup.channel_id.in_(channels)
    )
    for ws, channel, created_by in session.execute(standups):
        owners[(ws, channel)] = (created_by, None)
    projects = select(Project.workspace_id, Project.channel_id, Project.created_by, Project.name)
    projects = projects.where(
        Project.workspace_id.in_(workspace_ids), Project.channel_id.in_(channels)
    )
    for ws, channel, created_by, project_name in session.execute(projects):
        owners[(ws, channel)] = (created_by, project_name)
    found: list[LostChannel] = []
    for (ws, channel), row in sorted(first.items()):
        if (ws, channel) not in owners:
            continue  # nobody to tell: the channel's project and standup are gone
        owner, name = owners[(ws, channel)]
        error = row.last_error or "channel_not_found"
        found.append(LostChannel(ws, teams[ws], channel, row.id, row.local_day, error, owner, name))
    return found
