"""The digest part of a scheduler pass: which projects' weekly digests are due, and which of
their parts (the parent, then its thread replies and charts once the parent is posted).

A digest is due from its moment (the project's weekday and time in its zone) for 24 hours, so
one missed while no worker ran still goes out once; after that it is dropped with a log line
(`still_due`, which the weekly portfolio digest shares).
Its parts are keyed `digest:<team>:<project id>:<local day>[:<part>]` in the deliveries ledger;
a digest is composed only when some part of it is still owed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.digest_domain import PARENT, RISKS, STANDUP, ChartFile, Digest
from bot.domain import DigestDue, Due
from bot.services.digest import moment_on_or_before
from bot.services.digest_charts import CHART_FILES, charts_available, digest_charts
from bot.services.digest_content import compose
from storage.models import Delivery, Project
from storage.repositories import digests

log = logging.getLogger("pmo_bot.tick")
PREFIX = "digest:"
CATCH_UP = timedelta(hours=24)
REPLY_PARTS = ("1-risks", "2-actions", "3-issues", "4-standup")  # sorted keys post in order
CHART_PARTS = {
    f"{5 + i}-chart-{name.removesuffix('.png')}": name for i, name in enumerate(CHART_FILES)
}
SETTLED = frozenset({"sent", "sending", "dropped"})


def digest_key(team_id: str, project: Project, moment: datetime) -> str:
    return f"{PREFIX}{team_id}:{project.id}:{moment.date().isoformat()}"


def reply_part(part: str) -> str:
    """The key suffix of a reply (`risks` → `1-risks`), so replies post in reading order."""
    return next(name for name in REPLY_PARTS if name.endswith(f"-{part}"))


def digest_dues(
    deps: Deps,
    now: datetime,
    last_pass: datetime | None,
    *,
    dry_run: bool = False,
    composed: Mapping[str, Digest] | None = None,
) -> dict[str, Due]:
    """The digest parts owed now. A dry run also lists the replies of parents not yet posted,
    as they would follow; a real pass offers replies only once the parent's ts is recorded.
    `composed`: digests this pass has composed already, by their parent's key (its replies
    say what its parent said, and nothing is composed twice)."""
    with_charts = charts_available()
    dues: dict[str, Due] = {}
    with deps.db.read() as session:
        projects = digests.digest_projects(session)
        standup_channels = digests.standup_channels(session)
        ledger = digests.ledger(session, PREFIX, now.date() - timedelta(days=9))
        for project, team_id in projects:
            moment = moment_on_or_before(project, now)
            key = digest_key(team_id, project, moment)
            if not still_due(key, moment, project.created_at, now, last_pass, ledger, dry_run):
                continue
            has_standup = (project.workspace_id, project.channel_id) in standup_channels
            parts = _parts_owed(key, ledger, has_standup, with_charts, dry_run=dry_run)
            if not parts:
                continue
            digest = (composed or {}).get(key) or compose(session, project, team_id, moment)
            charts = _charts(digest, parts)
            for part, thread_ts in parts:
                due = _due(key, project, team_id, digest, part, thread_ts, charts)
                if due is not None:
                    dues[due.key] = due
    return dues


def still_due(
    key: str,
    moment: datetime,
    created_at: datetime,
    now: datetime,
    last_pass: datetime | None,
    ledger: dict[str, Delivery],
    dry_run: bool,
) -> bool:
    """Whether a weekly send at `moment` may still go out: for CATCH_UP from its moment, and
    only if its subject existed by then (one made later starts the week after). Past the
    window it is dropped, logged once: by the first pass after a stop that spanned it."""
    if now - moment >= CATCH_UP:
        missed = last_pass is not None and last_pass < moment + CATCH_UP
        if key not in ledger and missed and not dry_run:
            log.info("dropped %s: more than 24 hours late, as no worker ran", key)
        return False
    return moment >= created_at


def _parts_owed(
    key: str,
    ledger: dict[str, Delivery],
    has_standup: bool,
    with_charts: bool,
    *,
    dry_run: bool,
) -> list[tuple[str, str | None]]:
    """(part, parent ts) of the parts not yet sent, nor being sent, nor dropped."""
    parent = ledger.get(key)
    followers = [reply_part(part) for part in (RISKS, "actions", "issues")]
    if has_standup:
        followers.append(reply_part(STANDUP))
    if with_charts:
        followers += list(CHART_PARTS)
    if parent is None or parent.status == "failed":
        later = [(part, None) for part in followers] if dry_run else []
        return [(PARENT, None), *later]
    if parent.status != "sent" or not parent.message_ts:
        return []  # being sent, or dropped: its replies go nowhere
    return [
        (part, parent.message_ts)
        for part in followers
        if (found := ledger.get(f"{key}:{part}")) is None or found.status not in SETTLED
    ]


def _charts(digest: Digest, parts: Sequence[tuple[str, str | None]]) -> dict[str, ChartFile]:
    if not any(part in CHART_PARTS for part, _ in parts):
        return {}
    files = {chart.filename: chart for chart in digest_charts(digest)}
    return {part: files[name] for part, name in CHART_PARTS.items() if name in files}


def _due(
    key: str,
    project: Project,
    team_id: str,
    digest: Digest,
    part: str,
    thread_ts: str | None,
    charts: dict[str, ChartFile],
) -> DigestDue | None:
    if part in CHART_PARTS and part not in charts:
        return None  # the charts extra stopped drawing since the pass began
    return DigestDue(
        key=key if part == PARENT else f"{key}:{part}",
        workspace_id=project.workspace_id,
        team_id=team_id,
        local_day=digest.local_day,
        digest=digest,
        part=part.split("-", 1)[1] if part[0].isdigit() else part,
        parent_key=None if part == PARENT else key,
        thread_ts=thread_ts,
        chart=charts.get(part),
    )
