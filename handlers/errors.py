"""The one error handler: refusals become helpful replies, failures an apology, per payload type."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltContext, BoltResponse, Respond

from bot.errors import UserError
from handlers.blocks.projects import render_error
from handlers.blocks.reply import Reply, as_dicts, section
from storage.db import DatabaseUnavailable

log = logging.getLogger("pmo_bot.errors")

BUSY = Reply(
    ":hourglass: I can't reach my database right now, so nothing was saved. Try again in a moment."
)
BROKEN = Reply(
    ":face_with_head_bandage: Something went wrong on my side and nothing was saved. "
    "Try again; if it keeps happening, tell your Slack admin."
)


def reply_for(error: Exception, body: dict[str, Any]) -> Reply:
    """What to tell the person; failures that are not theirs are logged here."""
    if isinstance(error, UserError):
        return render_error(error)
    if isinstance(error, DatabaseUnavailable):
        log.warning("database unavailable for %s: %s", _what(body), error)
        return BUSY
    log.exception("failed to handle %s", _what(body), exc_info=error)
    return BROKEN


def handle_error(
    error: Exception,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    logger: logging.Logger,
) -> BoltResponse:
    reply = reply_for(error, body)
    kind = body.get("type")
    if "command" in body:
        return _json(reply.payload())
    event = body.get("event") or {}
    if kind == "event_callback" and event.get("channel") and event.get("ts"):
        # A mention that could not be logged: say why in its thread, as a reply would have.
        deps = context.get("deps")
        thread = event.get("thread_ts") or event["ts"]
        if deps is not None:
            deps.slack.post_message(event["channel"], reply.text, reply.blocks, thread_ts=thread)
        return BoltResponse(status=200, body="")
    if kind == "view_submission":
        # Keep the person's form: show the problem on top of it, one click from going back.
        return _json({"response_action": "push", "view": _error_view(reply)})
    if body.get("response_url"):
        respond(
            text=reply.text, blocks=reply.blocks, response_type="ephemeral", replace_original=False
        )
    elif kind == "block_actions" and (body.get("user") or {}).get("id"):
        # A control on the Home tab has nowhere to answer: tell the person in their DM with us.
        deps = context.get("deps")
        if deps is not None:
            deps.slack.post_message(body["user"]["id"], reply.text, reply.blocks)
    return BoltResponse(status=200, body="")


def _error_view(reply: Reply) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "PMO Bot"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": reply.blocks or as_dicts([section(reply.text)]),
    }


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def _what(body: dict[str, Any]) -> str:
    command = body.get("command") or body.get("type") or "request"
    return f"{command} team={body.get('team_id') or body.get('team', {}).get('id')}"
