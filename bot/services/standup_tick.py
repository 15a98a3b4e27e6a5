"""The standup part of a scheduler pass: refresh channel members once a day, read what the
planner needs in a few queries, and hand back the prompts, nudges and summaries due now."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.domain import Due
from bot.services.senders import Senders
from bot.services.standup_rows import to_config
from bot.services.standup_schedule import SUMMARY_LOOKBACK_DAYS, StandupSnapshot, plan_standups
from storage.repositories import schedules

log = logging.getLogger("pmo_bot.tick")
PROMPT_PREFIX = "standup-prompt:"


def standup_dues(deps: Deps, now: datetime, senders: Senders, *, refresh: bool) -> dict[str, Due]:
    if refresh:
        refresh_channel_members(deps, now, senders)
    planned = plan_standups(load_standups(deps, now))
    dues: dict[str, Due] = {p.key: p for p in planned.prompts}
    dues |= {n.key: n for n in planned.nudges}
    dues |= {s.key: s for s in planned.summaries}
    return dues


def refresh_channel_members(deps: Deps, now: datetime, senders: Senders) -> None:
    """Standups of "the channel's members" read the members once a day (one Slack call each),
    the day being the standup's own, as `/standup` records it."""
    with deps.db.read() as session:
        stale = []
        for row, team_id in schedules.standups(session):
            today = now.astimezone(ZoneInfo(row.timezone)).date()
            if row.members_mode == "channel" and row.members_read_on != today:
                stale.append((row.id, team_id, row.channel_id, today))
    for standup_id, team_id, channel, today in stale:
        slack = senders.for_team(team_id)
        if slack is None:
            continue  # uninstalled: its standups are skipped as well
        members = slack.channel_members(channel)
        if members is None:
            log.warning("cannot read the members of %s; keeping the last list", channel)
            continue
        with deps.db.write() as session:
            schedules.save_standup_members(session, standup_id, members, today)


def load_standups(deps: Deps, now: datetime) -> StandupSnapshot:
    start = now.date() - timedelta(days=SUMMARY_LOOKBACK_DAYS + 1)
    end = now.date() + timedelta(days=1)
    with deps.db.read() as session:
        rows = schedules.standups(session)
        configs = tuple(to_config(row, team_id) for row, team_id in rows)
        ids = [c.id for c in configs]
        workspace_ids = {c.workspace_id for c in configs}
        zones = schedules.profiles(session, workspace_ids)
        holidays, away = schedules.calendars(session, start, end)
        answered = schedules.standup_answers(session, ids, start, end)
        prompts = schedules.sent_since(session, PROMPT_PREFIX, start)
        threads = schedules.standup_threads(session, ids, start)
        channel_projects = schedules.channel_projects(session, workspace_ids)
    prompted_at = {}
    for delivery in prompts:
        standup_id = int(delivery.key.split(":")[2])
        if delivery.sent_at is not None:
            prompted_at[(standup_id, delivery.target, delivery.local_day)] = delivery.sent_at
    return StandupSnapshot(
        now=now,
        standups=configs,
        zones=zones,
        holidays=holidays,
        channel_projects=channel_projects,
        away=away,
        answered=frozenset(answered),
        prompted_at=prompted_at,
        threads=threads,
    )
