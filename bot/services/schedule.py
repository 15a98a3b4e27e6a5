"""The scheduler's judgement, pure: given everything falling due and the calendars, who gets a
reminder now and which reminders downtime made us miss (escalations: escalation_schedule).

Times are read in each person's own zone (reminders) or the project's (escalations), through
zoneinfo on every pass, so a DST change moves nothing off its local time and skips no day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Item, Kind, ProjectRef, ProjectSection, ReminderDue
from bot.services.calendar import is_away, is_working_day

DEFAULT_REMINDER_TIME = time(9, 0)
MISSED_LOOKBACK_DAYS = 7  # how far back downtime is reported, day by day


@dataclass(frozen=True)
class Rules:
    """A project's scheduling settings."""

    project_id: int
    timezone: str
    reminder_time: time = DEFAULT_REMINDER_TIME
    escalation_days: int = 3


@dataclass(frozen=True)
class Tracked:
    """An item that may fall due, with where it lives."""

    workspace_id: int
    team_id: str
    rules: Rules
    item: Item


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    items: tuple[Tracked, ...]
    zones: Mapping[tuple[int, str], str] = field(default_factory=dict)
    # workspace → project id (None: the whole workspace) → days
    holidays: Mapping[int, Mapping[int | None, frozenset[date]]] = field(default_factory=dict)
    away: Mapping[tuple[int, str], tuple[tuple[date, date], ...]] = field(default_factory=dict)
    last_pass: datetime | None = None


@dataclass(frozen=True)
class Plan:
    reminders: tuple[ReminderDue, ...] = ()
    missed: tuple[str, ...] = ()  # keys of reminders whose day passed while we were down
    waiting: int = 0  # people whose reminder time has not come yet today
    quiet: int = 0  # people not reminded today: weekend, holiday or away


def reminder_key(team_id: str, user_id: str, day: date) -> str:
    return f"reminder:{team_id}:{user_id}:{day.isoformat()}"


def plan(snapshot: Snapshot) -> Plan:
    """Everything due at `snapshot.now`; the ledger (already sent?) is the caller's business."""
    reminders: list[ReminderDue] = []
    missed: list[str] = []
    waiting = quiet = 0
    by_person: dict[tuple[int, str, str], list[Tracked]] = defaultdict(list)
    for entry in snapshot.items:
        if entry.item.owner_id:
            key = (entry.workspace_id, entry.team_id, entry.item.owner_id)
            by_person[key].append(entry)
    for (workspace_id, team_id, user_id), tracked in sorted(by_person.items()):
        zone = snapshot.zones.get((workspace_id, user_id)) or tracked[0].rules.timezone
        outcome = _remind(snapshot, workspace_id, team_id, user_id, zone, tracked)
        if isinstance(outcome, ReminderDue):
            reminders.append(outcome)
        elif outcome == "waiting":
            waiting += 1
        elif outcome == "quiet":
            quiet += 1
        missed.extend(_missed(snapshot, workspace_id, team_id, user_id, zone, tracked))
    return Plan(tuple(reminders), tuple(missed), waiting, quiet)


def _remind(
    snapshot: Snapshot,
    workspace_id: int,
    team_id: str,
    user_id: str,
    zone: str,
    tracked: list[Tracked],
) -> ReminderDue | str | None:
    local = snapshot.now.astimezone(ZoneInfo(zone))
    today = local.date()
    if not _person_works(snapshot, workspace_id, user_id, today):
        return "quiet"
    working = _working_projects(snapshot, workspace_id, tracked, today)
    if not working:
        return "quiet"  # every project of theirs is on holiday today
    sections = _sections(
        snapshot, [t for t in tracked if t.rules.project_id in working], today, zone
    )
    if not sections:
        return None
    if local.time() < _earliest_time(tracked, {s.project for s in sections}):
        return "waiting"
    return ReminderDue(
        key=reminder_key(team_id, user_id, today),
        workspace_id=workspace_id,
        team_id=team_id,
        user_id=user_id,
        local_day=today,
        timezone=zone,
        sections=tuple(sections),
    )


def _person_works(snapshot: Snapshot, workspace_id: int, user_id: str, day: date) -> bool:
    everywhere = snapshot.holidays.get(workspace_id, {}).get(None, frozenset())
    away = snapshot.away.get((workspace_id, user_id), ())
    return is_working_day(day, everywhere) and not is_away(day, away)


def _working_projects(
    snapshot: Snapshot, workspace_id: int, tracked: list[Tracked], day: date
) -> set[int]:
    """The ids of the person's projects that are not on holiday on `day`."""
    calendar = snapshot.holidays.get(workspace_id, {})
    ids = {entry.rules.project_id for entry in tracked}
    return {pid for pid in ids if day not in calendar.get(pid, frozenset())}


def _sections(
    snapshot: Snapshot, tracked: list[Tracked], today: date, zone: str
) -> list[ProjectSection]:
    """The person's due items, by project."""
    grouped: dict[ProjectRef, dict[str, list[Item]]] = {}
    for entry in tracked:
        bucket = _bucket(entry.item, snapshot.now, today, zone)
        if bucket is not None:
            lists = grouped.setdefault(entry.item.project, defaultdict(list))
            lists[bucket].append(entry.item)
    sections = []
    for project, lists in sorted(grouped.items(), key=lambda pair: pair[0].name.lower()):
        sections.append(
            ProjectSection(
                project=project,
                overdue=_ordered(lists["overdue"]),
                today=_ordered(lists["today"]),
                tomorrow=_ordered(lists["tomorrow"]),
                reviews=_ordered(lists["reviews"]),
            )
        )
    return sections


def _bucket(item: Item, now: datetime, today: date, zone: str) -> str | None:
    if item.kind is Kind.RISK:
        return "reviews" if item.review_on is not None and item.review_on <= today else None
    if item.due_at is not None:
        if item.due_at < now:
            return "overdue"
        day = item.due_at.astimezone(ZoneInfo(zone)).date()
    elif item.due_on is not None:
        day = item.due_on
    else:
        return None
    if day < today:
        return "overdue"
    if day == today:
        return "today"
    return "tomorrow" if day == today + timedelta(days=1) else None


def _ordered(items: list[Item]) -> tuple[Item, ...]:
    return tuple(sorted(items, key=lambda i: (i.due_on or i.review_on or date.max, i.ref)))


def _earliest_time(tracked: list[Tracked], included: set[ProjectRef]) -> time:
    times = [t.rules.reminder_time for t in tracked if t.item.project in included]
    return min(times, default=DEFAULT_REMINDER_TIME)


def _missed(
    snapshot: Snapshot,
    workspace_id: int,
    team_id: str,
    user_id: str,
    zone: str,
    tracked: list[Tracked],
) -> Iterable[str]:
    """Reminders whose moment fell while no pass ran, on days already over: dropped, not sent
    late (a reminder is about its own day). Only reported for people with items due now."""
    if snapshot.last_pass is None:
        return []
    tz = ZoneInfo(zone)
    today = snapshot.now.astimezone(tz).date()
    start = max(snapshot.last_pass.astimezone(tz).date(), today - timedelta(MISSED_LOOKBACK_DAYS))
    keys = []
    day = start
    while day < today:
        working = _working_projects(snapshot, workspace_id, tracked, day)
        included = {t.item.project for t in tracked if t.rules.project_id in working}
        if working and _person_works(snapshot, workspace_id, user_id, day):
            moment = datetime.combine(day, _earliest_time(tracked, included), tzinfo=tz)
            if snapshot.last_pass < moment:
                keys.append(reminder_key(team_id, user_id, day))
        day += timedelta(days=1)
    return keys
