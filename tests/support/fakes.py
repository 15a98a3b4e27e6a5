"""In-process fakes at Slack's edge: a gateway that records what the bot would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.slack import SlackUser


@dataclass
class RecordingGateway:
    """Answers users.info from a table (zone per user) and records posts; can play "Slack down"."""

    zones: dict[str, str] = field(default_factory=dict)
    default_zone: str = "UTC"
    down: bool = False
    lookups: list[str] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)

    def user_info(self, user_id: str) -> SlackUser | None:
        self.lookups.append(user_id)
        if self.down:
            return None
        return SlackUser(user_id, user_id.lower(), self.zones.get(user_id, self.default_zone))

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> str | None:
        if self.down:
            return None
        self.posts.append({"channel": channel, "text": text, "blocks": blocks})
        return f"{len(self.posts)}.000"
