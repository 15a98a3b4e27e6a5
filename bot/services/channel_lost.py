"""A channel the bot was removed from: whoever set it up is told once by DM, per loss episode.

Slack's refusals that mean the channel is closed to the bot (`not_in_channel`,
`channel_not_found`, `is_archived`) are not retried: no retry can cure them and each would fail
again every pass. Instead the pass reads the episode from the deliveries ledger (the first
refusal since the last post that went through) and plans one DM under the key
`channel-lost:<team>:<channel>:<first refused delivery id>`, a delivery like any other: claimed
once, retried if Slack is briefly down, never repeated while the channel stays closed, and
planned afresh only if a later post goes through and the channel is then lost again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.deps import Deps
from bot.domain import ChannelLostDue, Due
from bot.slack import CHANNEL_GONE_ERRORS
from storage.repositories import channel_loss

PREFIX = "channel-lost"
LOOKBACK = timedelta(days=2)  # refusals older than this no longer ask for a notice


def channel_lost_dues(deps: Deps, now: datetime) -> dict[str, Due]:
    with deps.db.read() as session:
        lost = channel_loss.lost_channels(session, now - LOOKBACK, CHANNEL_GONE_ERRORS)
    dues: dict[str, Due] = {}
    for found in lost:
        key = f"{PREFIX}:{found.team_id}:{found.channel_id}:{found.first_failure}"
        dues[key] = ChannelLostDue(
            key=key,
            workspace_id=found.workspace_id,
            team_id=found.team_id,
            user_id=found.owner_id,
            channel_id=found.channel_id,
            local_day=found.local_day,
            error=found.error,
            project_name=found.project_name,
        )
    return dues
