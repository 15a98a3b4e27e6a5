"""One project's weekly digest composed from the database: a fixed number of statements whatever
the project's size (grouped counts and the first few of each list), inside the caller's session.

Overdue is judged in each owner's own zone at the digest's moment, as their reminders are
(`in_owner_zones`, which the portfolio shares).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.digest_domain import (
    TREND_WEEKS,
    WEEK_DAYS,
    Digest,
    Listed,
    OwnerLoad,
    StandupWeek,
    Turnout,
)
from bot.domain import Item, ProjectRef, Rag, StatusEntry
from bot.services.people import valid_zone
from bot.services.rows import to_item
from bot.services.scope import project_ref
from storage.models import Project, StatusUpdate
from storage.repositories import digests
from storage.repositories.items import ItemRow

TOP_RISKS = 10
LISTED = 5  # risks opened and closed, actions done and due, issues opened and resolved
OVERDUE_OWNERS = 6
OVERDUE_EACH = 3
DECISIONS = 6
STANDUP_PEOPLE = 15
PROMPT_PREFIX = "standup-prompt:"


def compose(session: Session, project: Project, team_id: str, ends_at: datetime) -> Digest:
    """The week to `ends_at` of `project` (of workspace `team_id`)."""
    ws, pid = project.workspace_id, project.id
    ref = project_ref(project)
    zone = ZoneInfo(project.timezone)
    starts_at = ends_at - timedelta(days=WEEK_DAYS)
    local_day = ends_at.astimezone(zone).date()
    next_week = (local_day + timedelta(days=1), local_day + timedelta(days=WEEK_DAYS))

    rag = digests.status_at(session, ws, pid, ends_at)
    last_week = digests.status_at(session, ws, pid, starts_at)
    opened, closed, open_risks = digests.risk_counts(session, ws, pid, starts_at, ends_at)
    top = digests.top_risks(session, ws, pid, TOP_RISKS)
    risks_opened = digests.risks_opened(session, ws, pid, starts_at, ends_at, LISTED)
    risks_closed = digests.risks_closed(session, ws, pid, starts_at, ends_at, LISTED)
    actions_opened, done, due = digests.action_counts(
        session, ws, pid, starts_at, ends_at, next_week
    )
    actions_done = digests.actions_done(session, ws, pid, starts_at, ends_at, LISTED)
    actions_due = digests.actions_due(session, ws, pid, next_week, LISTED)
    overdue, overdue_total, overdue_owners = _overdue(session, project, ref, ends_at)
    issues_opened, resolved, issues_open = digests.issue_counts(
        session, ws, pid, starts_at, ends_at
    )
    new_issues = digests.issues_opened(session, ws, pid, starts_at, ends_at, LISTED)
    resolved_issues = digests.issues_resolved(session, ws, pid, starts_at, ends_at, LISTED)
    decisions_total, decisions = digests.decisions_logged(
        session, ws, pid, starts_at, ends_at, DECISIONS
    )
    trend = _action_trend(session, project, local_day, ends_at)
    standup = _standup_week(session, project, team_id, local_day)

    def listed(rows: Sequence[ItemRow], total: int) -> Listed:
        return Listed(tuple(to_item(row, ref) for row in rows), total)

    digest = Digest(
        project=ref,
        team_id=team_id,
        starts_at=starts_at,
        ends_at=ends_at,
        local_day=local_day,
        mentions=project.digest_mentions,
        names={},
        rag=status_entry(rag),
        last_week=status_entry(last_week),
        risks_opened=listed(risks_opened, opened),
        risks_closed=listed(risks_closed, closed),
        top_risks=listed(top, open_risks),
        actions_opened=actions_opened,
        actions_done=listed(actions_done, done),
        overdue=overdue,
        overdue_total=overdue_total,
        overdue_owners=overdue_owners,
        due_next_week=listed(actions_due, due),
        issues_opened=listed(new_issues, issues_opened),
        issues_resolved=listed(resolved_issues, resolved),
        issues_open=issues_open,
        decisions=listed(decisions, decisions_total),
        standup=standup,
        heat_map=digests.heat_map(session, ws, pid),
        action_trend=trend,
    )
    return replace(digest, names=digests.display_names(session, ws, _people(digest)))


def status_entry(update: StatusUpdate | None) -> StatusEntry | None:
    if update is None:
        return None
    return StatusEntry(Rag(update.rag), update.reason, update.author_id, update.created_at)


def _overdue(
    session: Session, project: Project, ref: ProjectRef, ends_at: datetime
) -> tuple[tuple[OwnerLoad, ...], int, int]:
    """The owners with most overdue actions first, each with their oldest few; the total and
    how many owners have any. A day-only due is late from the day after, in the owner's zone."""
    utc_day = ends_at.date()
    sure, before = overdue_window(ends_at)
    groups = digests.overdue_groups(
        session, project.workspace_id, project.id, ends_at, sure, before
    )
    counts: dict[str | None, int] = defaultdict(int)
    todays: dict[str | None, date] = {}
    for _, owner, today, count in in_owner_zones(groups, ends_at, {project.id: project.timezone}):
        todays[owner] = today
        counts[owner] += count
    late = {owner: count for owner, count in counts.items() if count}
    ranked = sorted(late, key=lambda owner: (-late[owner], owner or ""))[:OVERDUE_OWNERS]
    firsts = digests.overdue_firsts(
        session, project.workspace_id, project.id, ends_at, before, ranked, OVERDUE_EACH
    )
    items: dict[str | None, list[Item]] = defaultdict(list)
    for row in firsts:
        item = to_item(row, ref)
        if item.is_overdue(ends_at, todays.get(item.owner_id, utc_day)):
            items[item.owner_id].append(item)
    loads = tuple(OwnerLoad(owner, late[owner], tuple(items[owner])) for owner in ranked)
    return loads, sum(late.values()), len(late)


def overdue_window(at: datetime) -> tuple[date, date]:
    """(sure, before) for `digests.overdue_groups`: every zone's today is within a day of UTC's,
    so day-only dues before `sure` are late everywhere and those from `before` nowhere."""
    return at.date() - timedelta(days=1), at.date() + timedelta(days=1)


def in_owner_zones(
    groups: Iterable[tuple[int, str | None, str | None, date | None, int]],
    at: datetime,
    project_zones: Mapping[int, str],
) -> list[tuple[int, str | None, date, int]]:
    """(project, owner, owner's today, overdue) for `digests.overdue_groups`' rows: a day-only
    due counts once its day is past in the owner's zone (the project's when theirs is unknown),
    as their reminders judge it."""
    judged = []
    for project_id, owner, zone, edge, count in groups:
        known = zone if zone and valid_zone(zone) else project_zones[project_id]
        today = at.astimezone(ZoneInfo(known)).date()
        judged.append((project_id, owner, today, count if edge is None or edge < today else 0))
    return judged


def _action_trend(
    session: Session, project: Project, local_day: date, ends_at: datetime
) -> tuple[tuple[date, int, int], ...]:
    """(week's Monday, opened, done) for the last TREND_WEEKS weeks, in the project's zone."""
    zone = ZoneInfo(project.timezone)
    this_monday = local_day - timedelta(days=local_day.weekday())
    mondays = [this_monday - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]
    starts = [datetime.combine(day, time(0), tzinfo=zone) for day in mondays]
    counts = digests.action_trend(session, project.workspace_id, project.id, starts, ends_at)
    opened, done = [0] * TREND_WEEKS, [0] * TREND_WEEKS
    for (week_opened, week_done), count in counts.items():
        if week_opened is not None:
            opened[week_opened] += count
        if week_done is not None:
            done[week_done] += count
    return tuple(zip(mondays, opened, done, strict=True))


def _standup_week(
    session: Session, project: Project, team_id: str, local_day: date
) -> StandupWeek | None:
    """Answers against prompts over the week's days, when the channel has a standup that ran."""
    standup = digests.channel_standup(session, project.workspace_id, project.channel_id)
    if standup is None:
        return None
    first = local_day - timedelta(days=WEEK_DAYS - 1)
    prefix = f"{PROMPT_PREFIX}{team_id}:{standup.id}:"
    prompted = digests.standup_prompts(session, prefix, first, local_day)
    answered = digests.standup_answers(session, standup.id, first, local_day)
    people = sorted(set(prompted) | set(answered))
    if not people:
        return None
    turnout = [Turnout(user, answered.get(user, 0), prompted.get(user, 0)) for user in people]
    turnout.sort(key=lambda t: (t.answered - t.prompted, t.user_id or ""))
    overall = Turnout(None, sum(t.answered for t in turnout), sum(t.prompted for t in turnout))
    return StandupWeek(tuple(turnout[:STANDUP_PEOPLE]), overall, len(people))


def _people(digest: Digest) -> set[str]:
    """Everyone the digest names: owners of the items it lists, standup members, the RAG's
    author."""
    lists: Iterable[Listed] = (
        digest.risks_opened,
        digest.risks_closed,
        digest.top_risks,
        digest.actions_done,
        digest.due_next_week,
        digest.issues_opened,
        digest.issues_resolved,
        digest.decisions,
    )
    people = {item.owner_id for listed in lists for item in listed.items}
    people |= {load.owner_id for load in digest.overdue}
    if digest.standup is not None:
        people |= {turnout.user_id for turnout in digest.standup.people}
    if digest.rag is not None:
        people.add(digest.rag.author_id)
    return {person for person in people if person}
