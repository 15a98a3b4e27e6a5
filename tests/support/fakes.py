"""In-process fakes at Slack's edge: a gateway that records what the bot would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.slack import SendResult, SlackUser


@dataclass
class RecordingGateway:
    """Answers users.info from a table (zone per user) and records posts; can play "Slack down"."""

    zones: dict[str, str] = field(default_factory=dict)
    default_zone: str = "UTC"
    down: bool = False
    lookups: list[str] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # conversations.members: the members per channel id; a channel not listed is one Slack
    # won't tell us about (None), as when the bot isn't in a private channel.
    channels: dict[str, list[str]] = field(default_factory=dict)
    # conversations.info: the channels that are private; every other one is public.
    private: set[str] = field(default_factory=set)
    privacy_asked: list[str] = field(default_factory=list)
    history_reads: list[tuple[str, str | None]] = field(default_factory=list)  # sent_since's

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
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        comment: str,
        thread_ts: str | None = None,
    ) -> bool:
        sent = self._record(
            "file",
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            comment=comment,
            thread_ts=thread_ts,
        )
        return sent is not None

    def post_ephemeral(
        self,
        channel: str,
        user_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> bool:
        sent = self._record("ephemeral", channel=channel, user=user_id, text=text, blocks=blocks)
        return sent is not None

    def send(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        key: str,
        thread_ts: str | None = None,
    ) -> SendResult:
        """Scheduled sends; `refusals` (Slack error codes) answer the next sends, in order."""
        if self.down or self.refusals:
            error = self.refusals.pop(0) if self.refusals else "ratelimited"
            self.refused.append((key, error))
            return SendResult(ok=False, error=error)
        ts = self._record(
            "send", channel=channel, text=text, blocks=blocks, key=key, thread_ts=thread_ts
        )
        return SendResult(ok=True, channel=f"D{channel}", ts=ts)

    def channel_members(self, channel: str) -> list[str] | None:
        if self.down or channel not in self.channels:
            return None
        return list(self.channels[channel])

    def channel_is_private(self, channel: str) -> bool | None:
        self.privacy_asked.append(channel)
        if self.down:
            return None
        return channel in self.private

    def send_file(
        self, channel: str, filename: str, content: bytes, title: str, thread_ts: str | None
    ) -> SendResult:
        """Scheduled uploads (a digest's charts); `refusals` answer them too."""
        if self.down or self.refusals:
            error = self.refusals.pop(0) if self.refusals else "ratelimited"
            self.refused.append((filename, error))
            return SendResult(ok=False, error=error)
        shared = self.upload_file(channel, filename, content, title, title, thread_ts)
        return SendResult(ok=shared, channel=channel)

    def sent_since(
        self, channel: str, since: datetime, thread_ts: str | None = None
    ) -> dict[str, SendResult]:
        self.history_reads.append((channel, thread_ts))
        if self.down:
            raise LookupError("Slack is down")
        found: dict[str, SendResult] = {}
        for post in self.posts:
            if post.get("channel") != channel or post.get("thread_ts") != thread_ts:
                continue
            marker = post.get("key") or (f"file:{post['filename']}" if "filename" in post else None)
            if marker:
                found[marker] = SendResult(ok=True, channel=f"D{channel}", ts="found")
        return found

    def sent_keys(self) -> list[str]:
        return [post["key"] for post in self.posts if post["kind"] == "send"]

    def _record(self, kind: str, **call: Any) -> str | None:
        if self.down:
            return None
        self.posts.append({"kind": kind, **call})
        return f"{len(self.posts)}.000"
