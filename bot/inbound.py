"""What a request to /slack/events must be before anything acts on it: a size Slack sends, signed
by Slack within five minutes, and UTF-8. Checked on the raw bytes, before Bolt parses anything;
a request that fails is refused here (one log line) and no listener, reply or outbound call runs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("pmo_bot.inbound")

# Slack's largest real bodies are interaction payloads that carry a whole message or view:
# a message shortcut on a 40,000-character message repeats its text in the rich_text blocks,
# and form-encoding multiplies non-ASCII text up to nine times (a 3-byte character becomes
# %XX%XX%XX), so about 0.75 MB at worst; a modal's view_submission is bounded by our own
# views (well under 100 kB). 2 MiB leaves room for both and nothing larger is read.
MAX_BODY_BYTES = 2 * 1024 * 1024
# Slack's tolerance for a request's timestamp, either way (its signing documentation).
MAX_SKEW_SECONDS = 5 * 60
_SIGNATURE_PREFIX = "v0="


@dataclass(frozen=True)
class Refusal:
    """An HTTP status and the one-line reason logged (the person's text is never logged)."""

    status: int
    reason: str

    @property
    def status_line(self) -> str:
        return f"{self.status} {_PHRASES[self.status]}"


_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
}


def body_length(content_length: str | None) -> int | Refusal:
    """The promised body size, or why it can't be read: absent, not a number, or over the cap."""
    if content_length is None or content_length == "":
        return Refusal(411, "no Content-Length")
    text = content_length.strip()
    if not text.isascii() or not text.isdigit():
        return Refusal(400, "Content-Length is not a number")
    length = int(text)
    if length > MAX_BODY_BYTES:
        return Refusal(413, f"body of {length} bytes is over the {MAX_BODY_BYTES} byte cap")
    return length


class SlackSignature:
    """Slack's v0 request signature (HMAC-SHA256 of "v0:{timestamp}:{body}"), checked against
    wall time (`wall`, seconds since the epoch) for the timestamp's freshness."""

    def __init__(self, secret: str, wall: Callable[[], float]):
        self._key = secret.encode()
        self._wall = wall

    def check(self, body: bytes, timestamp: str | None, signature: str | None) -> Refusal | None:
        if not timestamp or not signature:
            return Refusal(401, "unsigned (no timestamp or signature header)")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return Refusal(401, "timestamp header is not a number of seconds")
        if abs(self._wall() - int(timestamp)) > MAX_SKEW_SECONDS:
            return Refusal(401, "timestamp is more than five minutes from now")
        if not signature.startswith(_SIGNATURE_PREFIX) or not signature.isascii():
            return Refusal(401, "signature is not a v0 signature")
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = _SIGNATURE_PREFIX + hmac.new(self._key, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return Refusal(401, "signature does not match the body")
        return None


def decoded(body: bytes) -> str | Refusal:
    """A signed body as text; Slack sends only UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")


def refused(refusal: Refusal, path: str) -> None:
    """The one line a refused request leaves: why, and where it was sent."""
    log.warning(
        "refused request: %s", refusal.reason, extra={"status": refusal.status, "path": path}
    )
