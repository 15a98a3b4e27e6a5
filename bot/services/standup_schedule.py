"""Standups for the scheduler, pure: who is prompted now (at the standup time in their own zone),
who is nudged, and which standup days are over and owe their summary.

A member's standup day is their own local date. A day's cutoff is the latest expected prompt
among its members plus the standup's cutoff; then the summary lists who answered, who was
away and who is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import StandupConfig, StandupPromptDue, StandupSummaryDue
from bot.services.calendar import is_away

SUMMARY_LOOKBACK_DAYS = 2  # a day's summary may fall due after midnight, even the next day


@dataclass(frozen=True)
class StandupSnapshot:
    now: datetime
    standups: tuple[StandupConfig, ...]
    zones: Mapping[tuple[int, str], str] = field(default_factory=dict)
    # workspace → project id (None: the whole workspace) → holidays
    holidays: Mapping[int, Mapping[int | None, frozenset[date]]] = field(default_factory=dict)
    channel_projects: Mapping[tuple[int, str], int] = field(default_factory=dict)
    away: Mapping[tuple[int, str], tuple[tuple[date, date], ...]] = field(default_factory=dict)
    answered: frozenset[tuple[int, str, date]] = frozenset()  # (standup, user, day)
    prompted_at: Mapping[tuple[int, str, date], datetime] = field(default_factory=dict)
    threads: Mapping[tuple[int, date], str] = field(default_factory=dict)  # parent ts


@dataclass(frozen=True)
class StandupPlan:
    prompts: tuple[StandupPromptDue, ...] = ()
    nudges: tuple[StandupPromptDue, ...] = ()
    summaries: tuple[StandupSummaryDue, ...] = ()


def prompt_key(standup: StandupConfig, user_id: str, day: date) -> str:
    return f"standup-prompt:{standup.team_id}:{standup.id}:{user_id}:{day.isoformat()}"


def nudge_key(standup: StandupConfig, user_id: str, day: date) -> str:
    return f"standup-nudge:{standup.team_id}:{standup.id}:{user_id}:{day.isoformat()}"


def summary_key(standup: StandupConfig, day: date) -> str:
    return f"standup-summary:{standup.team_id}:{standup.id}:{day.isoformat()}"


def plan_standups(snapshot: StandupSnapshot) -> StandupPlan:
    prompts: list[StandupPromptDue] = []
    nudges: list[StandupPromptDue] = []
    summaries: list[StandupSummaryDue] = []
    for standup in snapshot.standups:
        if not standup.enabled:
            continue
        for user_id in standup.members:
            zone = snapshot.zones.get((standup.workspace_id, user_id)) or standup.timezone
            local = snapshot.now.astimezone(ZoneInfo(zone))
            day = local.date()
            moment = _prompt_moment(snapshot, standup, user_id, zone, day)
            if moment is None or snapshot.now < moment:
                continue
            due = StandupPromptDue(
                key=prompt_key(standup, user_id, day),
                workspace_id=standup.workspace_id,
                team_id=standup.team_id,
                standup=standup,
                user_id=user_id,
                local_day=day,
                timezone=zone,
            )
            prompts.append(due)
            sent = snapshot.prompted_at.get((standup.id, user_id, day))
            answered = (standup.id, user_id, day) in snapshot.answered
            if sent and not answered and snapshot.now >= sent + _minutes(standup.nudge_minutes):
                key = nudge_key(standup, user_id, day)
                nudges.append(StandupPromptDue(**{**due.__dict__, "key": key, "nudge": True}))
        summaries.extend(_summaries(snapshot, standup))
    return StandupPlan(tuple(prompts), tuple(nudges), tuple(summaries))


def _prompt_moment(
    snapshot: StandupSnapshot, standup: StandupConfig, user_id: str, zone: str, day: date
) -> datetime | None:
    """When `user_id` is to be prompted on their local `day`, or None if not that day."""
    if _excused(snapshot, standup, user_id, day) is not None:
        return None
    if standup.run_now_on == day:  # `/standup now`: everyone, at once, that day
        return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone))
    if day.weekday() not in standup.days:
        return None
    return datetime.combine(day, standup.at_time, tzinfo=ZoneInfo(zone))


def _excused(
    snapshot: StandupSnapshot, standup: StandupConfig, user_id: str, day: date
) -> str | None:
    """ "away" or "holiday" when the member is not to be asked on `day`."""
    if is_away(day, snapshot.away.get((standup.workspace_id, user_id), ())):
        return "away"
    calendar = snapshot.holidays.get(standup.workspace_id, {})
    project = snapshot.channel_projects.get((standup.workspace_id, standup.channel_id))
    days_off = calendar.get(None, frozenset()) | calendar.get(project, frozenset())
    return "holiday" if day in days_off else None


def _summaries(snapshot: StandupSnapshot, standup: StandupConfig) -> list[StandupSummaryDue]:
    """Standup days whose cutoff has passed: who answered, who was away, who is missing."""
    found = []
    today = snapshot.now.astimezone(ZoneInfo(standup.timezone)).date()
    for back in range(SUMMARY_LOOKBACK_DAYS, -1, -1):
        day = today - timedelta(days=back)
        expected: dict[str, datetime] = {}
        away: list[str] = []
        for user_id in standup.members:
            zone = snapshot.zones.get((standup.workspace_id, user_id)) or standup.timezone
            moment = _prompt_moment(snapshot, standup, user_id, zone, day)
            if moment is not None:
                expected[user_id] = snapshot.prompted_at.get((standup.id, user_id, day), moment)
            elif _excused(snapshot, standup, user_id, day) == "away":
                away.append(user_id)
        if not any((standup.id, user, day) in snapshot.prompted_at for user in expected):
            continue  # no prompt went out that day (before the standup began, say): no summary
        cutoff = max(expected.values()) + _minutes(standup.cutoff_minutes)
        if snapshot.now < cutoff:
            continue
        answered = [u for u in standup.members if (standup.id, u, day) in snapshot.answered]
        missing = [u for u in expected if u not in answered]
        found.append(
            StandupSummaryDue(
                key=summary_key(standup, day),
                workspace_id=standup.workspace_id,
                team_id=standup.team_id,
                standup=standup,
                local_day=day,
                answered=tuple(answered),
                away=tuple(away),
                missing=tuple(missing),
                thread_ts=snapshot.threads.get((standup.id, day)),
            )
        )
    return found


def _minutes(count: int) -> timedelta:
    return timedelta(minutes=count)
