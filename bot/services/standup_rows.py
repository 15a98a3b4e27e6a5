"""Standup rows as domain values, shared by the commands, the answers and the scheduler."""

from __future__ import annotations

from datetime import time

from bot.domain import WEEKDAYS, StandupConfig
from storage.models import Standup


def to_config(row: Standup, team_id: str) -> StandupConfig:
    hours, _, minutes = row.at_time.partition(":")
    days = tuple(WEEKDAYS.index(day) for day in row.days.split(",") if day in WEEKDAYS)
    return StandupConfig(
        id=row.id,
        workspace_id=row.workspace_id,
        team_id=team_id,
        channel_id=row.channel_id,
        enabled=row.enabled,
        at_time=time(int(hours), int(minutes or 0)),
        days=days,
        questions=tuple(row.questions),
        members_mode=row.members_mode,
        members=tuple(row.members),
        nudge_minutes=row.nudge_minutes,
        cutoff_minutes=row.cutoff_minutes,
        timezone=row.timezone,
        run_now_on=row.run_now_on,
    )


def days_text(days: tuple[int, ...]) -> str:
    """`mon,tue,wed,thu,fri` as stored."""
    return ",".join(WEEKDAYS[day] for day in sorted(days))
