"""Build the bodies Slack sends to the bot (slash commands, events, interactions) and sign them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any
from urllib.parse import urlencode

API_APP_ID = "A0PMOBOT"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated by Slack; Bolt ignores it
# Where responses go when a test gives no response_url: a closed loopback port, so a stray
# respond() fails at once instead of reaching the internet. Pass fake.new_response_url() instead.
UNUSED_RESPONSE_URL = "http://127.0.0.1:9/response/no-response-url-given"

_event_ids = itertools.count(1)
_view_ids = itertools.count(1)


def new_view_id() -> str:
    """A view id Slack has not given before: each form opened is a new view, submitted once."""
    return f"V0FORM{next(_view_ids):04d}"


def sign(body: str | bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The X-Slack-Request-Timestamp and X-Slack-Signature headers (v0, HMAC-SHA256 of
    "v0:{timestamp}:{body}" keyed by the signing secret) that Slack sends with `body`."""
    raw = body if isinstance(body, bytes) else body.encode()
    base = f"v0:{timestamp}:".encode() + raw
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    command: str,
    text: str,
    *,
    team_id: str = "T0001",
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    channel_id: str = "C0APOLLO",
    channel_name: str = "apollo",
    response_url: str | None = None,
    trigger_id: str = "1.2.3",
    enterprise_id: str | None = None,
) -> str:
    """The application/x-www-form-urlencoded body of a slash command, e.g. ("/pmo", "raid list")."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": "acme",
        **({"enterprise_id": enterprise_id} if enterprise_id else {}),
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or UNUSED_RESPONSE_URL,
        "trigger_id": trigger_id,
    }
    return urlencode(fields)


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    event_time: int | None = None,
    authed_users: list[str] | None = None,
) -> str:
    """The JSON body of an Events API event_callback wrapping `event` (event_ts is filled in
    from ts, else "1700000000.000100", when missing; event_id defaults to a fresh Ev… id)."""
    inner = {"event_ts": event.get("ts", "1700000000.000100"), **event}
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": event_time if event_time is not None else int(float(inner["event_ts"])),
        "authed_users": authed_users or ["UBOT"],
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope)


def interaction_body(payload: dict[str, Any]) -> str:
    """The form body of an interaction (block_actions, view_submission…): payload=<JSON>."""
    return urlencode({"payload": json.dumps(payload)})
