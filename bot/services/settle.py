"""Settling attempts whose answer never came: was the message posted after all?

Every such row of one conversation (a channel, a person's DM, a digest's thread) is settled
by one read of what the bot sent there since the earliest of them (conversations.history, or
conversations.replies for a thread), found by the delivery key in each message's metadata (a
file by its name). Reads are rationed per workspace (PMO_HISTORY_PER_MINUTE a pass, ~a
minute): what Slack can't be asked now, or won't answer, is asked again on a later pass —
never sent again blind.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services.senders import Senders
from bot.slack import SendResult
from storage.models import Delivery

log = logging.getLogger("pmo_bot.tick")
SINCE_MARGIN = timedelta(minutes=1)  # Slack's ts and our clock may differ a little


@dataclass
class Settled:
    found: dict[int, SendResult] = field(default_factory=dict)  # row id → the message
    missing: list[Delivery] = field(default_factory=list)  # never reached Slack: send them
    unknown: list[Delivery] = field(default_factory=list)  # Slack can't say now: ask later


def settle(
    senders: Senders,
    rows: Sequence[Delivery],
    teams: dict[int, str],
    marker: Callable[[Delivery], str],
    reads_per_team: int,
) -> Settled:
    """Look for `rows` in Slack, one read per conversation; `marker(row)` is what the row's
    message carries (its key, or `file:<name>` for a shared file)."""
    settled = Settled()
    groups: dict[tuple[str, str, str | None], list[Delivery]] = defaultdict(list)
    for row in rows:
        groups[(teams[row.workspace_id], row.target, row.thread_ts)].append(row)
    reads: dict[str, int] = defaultdict(int)
    for (team, target, thread_ts), waiting in sorted(groups.items(), key=lambda g: g[0][:2]):
        slack = senders.for_team(team)
        if slack is None or reads[team] >= reads_per_team:
            settled.unknown += waiting
            continue
        reads[team] += 1
        since = min(row.created_at for row in waiting) - SINCE_MARGIN
        try:
            sent = slack.sent_since(target, since, thread_ts)
        except LookupError as error:
            log.warning("cannot settle %d sends to %s yet: %s", len(waiting), target, error)
            settled.unknown += waiting
            continue
        for row in waiting:
            found = sent.get(marker(row))
            if found is None:
                settled.missing.append(row)
            else:
                settled.found[row.id] = found
    return settled


def found_sent(found: SendResult, now: datetime) -> dict[str, object]:
    """The ledger values of a delivery whose message was found in Slack."""
    return {"status": "sent", "sent_at": now, "channel_id": found.channel, "message_ts": found.ts}
