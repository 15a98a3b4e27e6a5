"""People's time zones, from Slack's users.info (asked in the background) and cached in the
database for a day."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.domain import Actor
from bot.services.scope import workspace_id
from storage.db import DatabaseUnavailable
from storage.repositories import people, projects, workspaces

log = logging.getLogger(__name__)
PROFILE_TTL = timedelta(hours=24)
# How long a process trusts the zone it last read before reading the database again: a served
# request then costs no query for it, and a zone Slack pushed to another worker (user_change)
# is picked up here within this while.
MEMO_TTL = timedelta(minutes=1)
FALLBACK_TZ = "UTC"
# Seconds a request waits for Slack's answer about a person before it goes on without it
# (users.info usually answers in a tenth of that); the look-up itself carries on after.
LOOKUP_WAIT = 0.5


def timezone_of(deps: Deps, actor: Actor, user_id: str | None = None) -> str:
    """The IANA zone of `user_id` (default: the actor): cached, refreshed daily from Slack.

    Nothing here waits on Slack for more than LOOKUP_WAIT. A person not looked up today is
    looked up in the background (one look-up per person at a time, by the patient client that
    waits out 429s); until Slack answers they get the zone last known for them, else the one
    the request carries (the actor's own, when set), else the workspace's (see
    `usual_zone`), else UTC, so a command never waits or fails for want of a profile.
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
        if cached is not None:
            fallback = cached.timezone
        elif user_id == actor.user_id and actor.timezone != FALLBACK_TZ:
            fallback = actor.timezone
        else:
            usual = projects.usual_zone(session, ws, actor.channel_id) if ws is not None else None
            fallback = usual or FALLBACK_TZ
    later = deps.after_answer()
    looking = deps.background.once(key, lambda: _look_up(later, actor, user_id))
    return _answer_within(looking, LOOKUP_WAIT) or fallback


def _answer_within(looking: Future[str | None] | None, seconds: float) -> str | None:
    if looking is None:
        return None
    try:
        return looking.result(timeout=seconds)
    except TimeoutError:
        return None  # still asking Slack: the look-up finishes after the answer


def _look_up(deps: Deps, actor: Actor, user_id: str) -> str | None:
    """Ask Slack for the person's zone and cache it; their zone, or None when Slack can't say.
    Runs in the background: failures are logged here, since nobody else sees them."""
    try:
        fetched = deps.slack.user_info(user_id)
        if fetched is None:
            return None
        if not remember_profile(deps, actor, user_id, fetched.name, fetched.timezone):
            log.warning("users.info gave %s an unknown zone %r", user_id, fetched.timezone)
            return None
        return fetched.timezone
    except DatabaseUnavailable as error:  # asked again at their next command
        log.warning("could not cache the zone of %s: %s", user_id, error)
    except Exception:
        log.exception("looking up the zone of %s in %s failed", user_id, actor.team_id)
    return None


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
