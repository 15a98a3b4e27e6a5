"""What a request's log lines say about it: its workspace, its command word or event type, and
its request id; never the person's text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.logs import bind, slack_request_id
from handlers.commands.context import workspace_of
from handlers.usage import ITEM_USAGE, PMO_USAGE, STANDUP_USAGE

# A command's first word is logged only when it is one of these (else it is the person's text).
SUBCOMMANDS = frozenset(
    {word for usage in ITEM_USAGE.values() for word in usage}
    | set(PMO_USAGE)
    | set(STANDUP_USAGE)
    | {"help", "done", "resolve", "supersede", "on", "off", "now", "report", "away", "holiday"}
)


def request_id(headers: Mapping[str, str | Sequence[str]]) -> str:
    return slack_request_id(
        _header(headers, "x-slack-request-timestamp"), _header(headers, "x-slack-signature")
    )


def retry_num(headers: Mapping[str, str | Sequence[str]]) -> str | None:
    return _header(headers, "x-slack-retry-num")


def _header(headers: Mapping[str, str | Sequence[str]], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, str) or value is None:
        return value or None
    return value[0] if value else None


def describe(body: dict[str, Any]) -> dict[str, str | None]:
    """team plus one of command (`/risk add`), event (`app_mention`) or action
    (`block_actions:item_done`, `view_submission:raid_add`)."""
    team, enterprise = workspace_of(body)  # the acting workspace, as for every listener
    fields: dict[str, str | None] = {"team": team, "enterprise": enterprise}
    if "command" in body:
        word = str(body.get("text") or "").strip().split(" ", 1)[0].lower()
        name = str(body["command"])
        fields["command"] = f"{name} {word}" if word in SUBCOMMANDS else name
    elif body.get("type") == "event_callback":
        event = body.get("event") or {}
        fields["event"] = str(event.get("type") or "unknown")
        fields["event_id"] = body.get("event_id")
    elif "type" in body:
        fields["action"] = _action(body)
    return fields


def _action(body: Mapping[str, Any]) -> str:
    kind = str(body["type"])
    actions = body.get("actions") or [{}]
    detail = (
        actions[0].get("action_id")
        or _get(body, "view", "callback_id")
        or body.get("callback_id")
        or ""
    )
    return f"{kind}:{detail}" if detail else kind


def _get(body: Mapping[str, Any], outer: str, inner: str) -> str | None:
    value = body.get(outer)
    return value.get(inner) if isinstance(value, Mapping) else None


def bind_log_fields(body: dict[str, Any], headers: Mapping[str, str | Sequence[str]]) -> None:
    """Every line logged while this request is handled (and by the lazy listeners it starts)
    carries these fields; called by the app's one middleware (bot.app)."""
    bind(  # over HTTP, the same request id bot.web derived from the same headers
        request_id=request_id(headers),
        retry=retry_num(headers),
        **describe(body),
    )
