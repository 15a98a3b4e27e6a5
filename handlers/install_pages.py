"""The pages at the end of an OAuth install: done, or what went wrong and what to do now."""

from __future__ import annotations

import html
import logging

from slack_bolt.oauth.callback_options import FailureArgs, SuccessArgs
from slack_bolt.response import BoltResponse

from bot.config import INSTALL_PATH

log = logging.getLogger("pmo_bot.install")

# Bolt's failure reasons, in words for the person who clicked "Add to Slack".
FAILURES = {
    "access_denied": "The install was cancelled in Slack, so PMO Bot was not added.",
    "invalid_browser": (
        "This install link was opened in a different browser (or with cookies blocked) from "
        "the one that started it."
    ),
    "invalid_state": "This install link has expired or was already used.",
    "missing_code": "Slack did not send the approval code this page needs.",
    "invalid_code": "Slack did not accept the approval code; it may have expired.",
    "storage_error": "PMO Bot could not save the install. Nothing was changed; please retry.",
}
UNKNOWN_FAILURE = "The install did not complete."


def install_succeeded(args: SuccessArgs) -> BoltResponse:
    """Bolt's own success page: it thanks the person and opens the app in Slack."""
    installation = args.installation
    log.info("install completed for team %s by %s", installation.team_id, installation.user_id)
    return args.default.success(args)


def install_failed(args: FailureArgs) -> BoltResponse:
    """A plain page saying what went wrong and offering a fresh start, never a stack trace."""
    reason = FAILURES.get(args.reason, UNKNOWN_FAILURE)
    log.info("install refused: %s", args.reason)
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>PMO Bot: not installed</title>'
        "</head><body><h1>PMO Bot was not installed</h1>"
        f"<p>{html.escape(reason)}</p>"
        f'<p><a href="{html.escape(INSTALL_PATH)}">Start the install again</a>; it only '
        "takes a minute.</p></body></html>"
    )
    return BoltResponse(
        status=args.suggested_status_code,
        body=page,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
