"""Pure rendering of the DM that tells a channel's owner the bot can no longer post there."""

from __future__ import annotations

from typing import Any

from bot.domain import ChannelLostDue
from handlers.blocks.reply import as_dicts, context, section
from handlers.blocks.text import escape

REASONS = {
    "not_in_channel": "I was removed from it",
    "channel_not_found": "Slack can't find it (deleted, or private and I'm not in it)",
    "is_archived": "it was archived",
}


def render_channel_lost(due: ChannelLostDue) -> tuple[str, list[dict[str, Any]]]:
    channel = f"<#{due.channel_id}>"
    what = f"*{escape(due.project_name)}*'s" if due.project_name else "its standup's"
    reason = REASONS.get(due.error, due.error)
    headline = (
        f":warning: I can't post in {channel} any more ({reason}), so {what} escalations and "
        "standup summaries there are not getting through."
    )
    fix = (
        "Invite me back with `/invite @PMO Bot` in that channel, or, if it is gone for good, "
        "turn its reminders off with `/pmo reminders off` and its standup with `/standup off`."
    )
    blocks = [section(headline), section(fix), context("I'll tell you this once.")]
    text = (
        f"I can't post in {channel} any more: invite me back with /invite @PMO Bot, "
        "or turn its reminders and standup off."
    )
    return text, as_dicts(blocks)
