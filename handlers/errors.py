"""The one error handler: refusals become helpful ephemeral replies, failures an apology."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse

from bot.errors import UserError
from handlers.blocks.projects import render_error
from handlers.blocks.reply import Reply
from storage.db import DatabaseUnavailable

log = logging.getLogger("pmo_bot.errors")

BUSY = Reply(
    ":hourglass: I can't reach my database right now, so nothing was saved. Try again in a moment."
)
BROKEN = Reply(
    ":face_with_head_bandage: Something went wrong on my side and nothing was saved. "
    "Try again; if it keeps happening, tell your Slack admin."
)


def handle_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> BoltResponse:
    if isinstance(error, UserError):
        reply = render_error(error)
    elif isinstance(error, DatabaseUnavailable):
        log.warning("database unavailable for %s: %s", _what(body), error)
        reply = BUSY
    else:
        log.exception("failed to handle %s", _what(body), exc_info=error)
        reply = BROKEN
    return BoltResponse(
        status=200,
        body=json.dumps(reply.payload()),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def _what(body: dict[str, Any]) -> str:
    command = body.get("command") or body.get("type") or "request"
    return f"{command} team={body.get('team_id') or body.get('team', {}).get('id')}"
