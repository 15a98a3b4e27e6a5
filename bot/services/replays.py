"""The replay ledgers swept by the worker's tick, so they hold about a day of deliveries
rather than growing with every event and form ever handled."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.deps import Deps
from storage.repositories import replays

log = logging.getLogger("pmo_bot.replays")
# How long an event or form submission is remembered as handled. Slack retries an event within
# minutes (at once, then after about 1 and 5 minutes) and a double-submitted form arrives within
# seconds, so a day outlasts every replay Slack makes by far.
REPLAY_KEEP = timedelta(days=1)
# Rows one pass deletes at most: a short transaction however large a backlog; the next passes
# take the rest.
SWEEP_LIMIT = 1000


def sweep_replays(deps: Deps, now: datetime) -> int:
    """Forget deliveries handled more than REPLAY_KEEP ago, up to SWEEP_LIMIT; how many went."""
    with deps.db.write() as session:
        swept = replays.sweep(session, now - REPLAY_KEEP, SWEEP_LIMIT)
    if swept:
        log.info("swept %d handled deliveries older than %s", swept, REPLAY_KEEP)
    return swept
