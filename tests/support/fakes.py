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
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str | None:
        return self._record("post", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
    ) -> bool:
        return self._record("update", channel=channel, ts=ts, text=text, blocks=blocks) is not None

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        return self._record("view", trigger_id=trigger_id, view=view) is not None

    def update_view(self, view_id: str, view: dict[str, Any], hash: str | None = None) -> bool:
        return self._record("view_update", view_id=view_id, view=view, hash=hash) is not None

    def publish_home(self, user_id: str, view: dict[str, Any]) -> bool:
        return self._record("home", user_id=user_id, view=view) is not None

    def permalink(self, channel: str, ts: str) -> str | None:
        return (
            None
            if self.down
            else f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        )

    def upload_file(
        self, channel: str, filename: str, content: bytes, title: str, comment: str
    ) -> bool:
        sent = self._record(
            "file",
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            comment=comment,
        )
        return sent is not None

    def _record(self, kind: str, **call: Any) -> str | None:
        if self.down:
            return None
        self.posts.append({"kind": kind, **call})
        return f"{len(self.posts)}.000"
