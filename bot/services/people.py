"""People's time zones, from Slack's users.info and cached in the database for a day."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.domain import Actor
from bot.services.scope import workspace_id
from storage.repositories import people, workspaces

log = logging.getLogger(__name__)
PROFILE_TTL = timedelta(hours=24)
# How long a process trusts the zone it last read before reading the database again: a served
# request then costs no query for it, and a zone Slack pushed to another worker (user_change)
# is picked up here within this while.
MEMO_TTL = timedelta(minutes=1)
FALLBACK_TZ = "UTC"


def timezone_of(deps: Deps, actor: Actor, user_id: str | None = None) -> str:
    """The IANA zone of `user_id` (default: the actor): cached, refreshed daily from Slack.

    When Slack can't be reached the last known zone is used, then UTC, so a command never
    fails for want of a profile.
    """
    user_id = user_id or actor.user_id
    now = deps.clock.now()
    key = ("zone", actor.team_id, user_id)
    remembered = deps.memo.get(key, now, MEMO_TTL)
    if remembered is not None and now - remembered[1] < PROFILE_TTL:
        return str(remembered[0])
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        cached = people.get(session, ws, user_id) if ws is not None else None
        if cached is not None and now - cached.fetched_at < PROFILE_TTL:
            deps.memo.put(key, (cached.timezone, cached.fetched_at), now)
            return cached.timezone
    fetched = deps.slack.user_info(user_id)
    if fetched is None or not valid_zone(fetched.timezone):
        if fetched is not None:
            log.warning("users.info gave %s an unknown zone %r", user_id, fetched.timezone)
        return cached.timezone if cached is not None else FALLBACK_TZ
    zone = fetched.timezone or FALLBACK_TZ
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        people.save(session, ws, user_id, name=fetched.name, timezone=zone, at=now)
    deps.memo.put(key, (zone, now), now)
    return zone


def valid_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def remember_profile(
    deps: Deps, actor: Actor, user_id: str, name: str | None, timezone: str | None
) -> bool:
    """Store a profile Slack pushed to us (user_change); False when its zone is unusable."""
    if not valid_zone(timezone):
        return False
    assert timezone is not None
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        people.save(session, ws, user_id, name=name, timezone=timezone, at=now)
    deps.memo.put(("zone", actor.team_id, user_id), (timezone, now), now)
    return True
