"""The portfolio part of a scheduler pass: which channels' weekly portfolios are due.

Each is due from its moment (its weekday and time in the zone of whoever set it) for 24 hours,
so one missed while no worker ran still goes out once; later it is dropped with a log line (the
project digest's `still_due`). Its key is `portfolio:<team>:<channel>:<local day>`; the rows
are read only for a digest still owed, as they stand at its moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from bot.deps import Deps
from bot.digest_domain import weekly_moment
from bot.domain import Due, PortfolioDue
from bot.services.digest_tick import still_due
from bot.services.portfolio import portfolio_rows
from storage.models import Project
from storage.repositories import digests, portfolio, projects

PREFIX = "portfolio:"


def open_to(channel_id: str, project: Project, privacy: Mapping[int, bool]) -> bool:
    """Whether a portfolio posted in `channel_id` may show `project`: a private project (or
    one Slack has not yet described: not stored, nor in `privacy`, what this pass was told)
    only in its own channel, since the channel's readers may not be its members."""
    private = privacy.get(project.id) if project.private is None else project.private
    return private is False or project.channel_id == channel_id


def portfolio_dues(
    deps: Deps,
    now: datetime,
    last_pass: datetime | None,
    *,
    dry_run: bool = False,
    privacy: Mapping[int, bool] | None = None,
) -> dict[str, Due]:
    """The weekly portfolios owed now: not yet sent, nor being sent, nor dropped (a failed one
    is offered again, for the ledger's retry to find it)."""
    dues: dict[str, Due] = {}
    with deps.db.read() as session:
        found = portfolio.all_digests(session)
        ledger = digests.ledger(session, PREFIX, now.date() - timedelta(days=9))
        for digest, team_id in found:
            moment = weekly_moment(
                digest.day, time.fromisoformat(digest.time), digest.timezone, now
            )
            key = f"{PREFIX}{team_id}:{digest.channel_id}:{moment.date().isoformat()}"
            if not still_due(key, moment, digest.created_at, now, last_pass, ledger, dry_run):
                continue
            if key in ledger and ledger[key].status != "failed":
                continue
            listed = projects.all_projects(session, digest.workspace_id)
            if not listed:
                continue  # no projects yet: nothing to say
            shown = [p for p in listed if open_to(digest.channel_id, p, privacy or {})]
            rows = portfolio_rows(session, digest.workspace_id, moment, shown)
            dues[key] = PortfolioDue(
                key=key,
                workspace_id=digest.workspace_id,
                team_id=team_id,
                channel_id=digest.channel_id,
                local_day=moment.date(),
                rows=rows,
                left_out=len(listed) - len(shown),
            )
    return dues
