"""The one WebClient, behind the narrow gateway the rest of the bot uses to reach Slack."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str | None
    timezone: str | None


class SlackGateway(Protocol):
    def user_info(self, user_id: str) -> SlackUser | None:
        """The person's profile, or None when Slack can't tell us right now."""
        ...

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> str | None:
        """Post to a channel or DM; the message ts, or None when Slack refused it."""
        ...


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient that waits out 429s (Retry-After) and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
    )


class WebApiGateway:
    def __init__(self, client: WebClient):
        self.client = client

    def user_info(self, user_id: str) -> SlackUser | None:
        try:
            response = self.client.users_info(user=user_id)
        except (SlackApiError, OSError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return None
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name")
        return SlackUser(user_id, name or None, user.get("tz") or None)

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> str | None:
        try:
            response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except (SlackApiError, OSError) as error:
            log.warning("chat.postMessage to %s failed: %s", channel, error)
            return None
        ts = response.get("ts")
        return str(ts) if ts else None
