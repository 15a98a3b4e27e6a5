"""A fake Slack Web API on a loopback port that records, validates and answers the bot's calls."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.support.http import send_json
from tests.support.slack_specs import (
    is_web_api_method,
    specs_available,
    validate_message_payload,
    web_api_call_problems,
)

Json = dict[str, Any]
Responder = Json | Callable[["Call"], Json]
Reply = tuple[int, dict[str, str], Json]  # HTTP status, extra headers, JSON body
TZ_REFERENCE = datetime(2024, 1, 15, 12, tzinfo=UTC)  # users.info tz_offset/tz_label are taken here
AUTH_TEST = {"url": "https://acme.slack.com/", "team": "Acme", "user": "pmobot", "user_id": "UBOT"}
TOKEN_LIFETIME = 43_200  # seconds: a rotating token lasts 12 hours
CHANNEL = {"is_channel": True, "is_private": False, "is_archived": False, "is_member": True}
HISTORY_PAGE = 100  # conversations.history / .replies: Slack's default `limit`
HISTORY_PAGE_MAX = 999  # and the most it answers in one page
RESET: Reply = (0, {}, {})  # not an answer: the connection is dropped without one
AfterPost = Literal["500", "reset"]


@dataclass(frozen=True)
class Call:
    """One Web API request: method, decoded params, lower-cased headers, whether it was answered
    with a failure (`failed`: a fault was injected, even one that let the call take effect),
    and when it arrived (`at`, time.monotonic())."""

    method: str
    params: Json
    headers: dict[str, str]
    failed: bool = False
    at: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url: its token (last path segment), JSON payload and headers."""

    token: str
    payload: Json
    headers: dict[str, str]


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int
    error: str | None
    channel: str | None = None  # only calls with this `channel` param, else any
    stall: float = 0.0  # answer normally (the call takes effect) but only after this long
    after: AfterPost | None = None  # the call takes effect, then HTTP 500 or a dropped socket
    key: str | None = None  # only the send carrying this delivery key in its metadata

    def applies(self, params: Json) -> bool:
        if self.channel is not None and self.channel != params.get("channel"):
            return False
        return self.key is None or self.key == _key_of(_decoded(params.get("metadata") or {}))


class FakeSlackWebAPI:
    """`with FakeSlackWebAPI() as fake:` (or start()/stop()); point WebClient at fake.base_url."""

    def __init__(
        self, team_id: str = "T0001", *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.team_id = team_id
        self._clock = clock
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.responses: list[ResponsePost] = []
        self.uploads: dict[str, bytes] = {}  # file_id -> bytes sent to the upload_url
        self.history: dict[str, list[Json]] = defaultdict(list)  # channel -> posted messages
        self._posted_at: dict[str, list[float]] = defaultdict(list)  # channel -> arrival times
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._last_micros = 0
        self._upload_faults: deque[int] = deque()  # HTTP statuses for the next upload POSTs
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        self._responders: dict[str, Responder] = {}
        self._installs: dict[str, _Install] = {}  # OAuth codes not yet exchanged
        self._teams_by_token: dict[str, str] = {}  # bot tokens oauth.v2.access handed out
        self._refreshable: dict[str, _Install] = {}  # refresh tokens not yet used
        self._slow: dict[str, float] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle and configuration ---------------------------------------------------------

    def start(self) -> FakeSlackWebAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)  # quick stop()
        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> FakeSlackWebAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        assert self._server is not None, "FakeSlackWebAPI is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/"

    def set_user(
        self, user_id: str, tz: str = "UTC", name: str | None = None, **extra: Any
    ) -> None:
        """What users.info answers for user_id (extra keys, e.g. real_name, go into the user)."""
        self._users[user_id] = {"tz": tz, "name": name or user_id.lower(), **extra}

    def set_channel(
        self, channel_id: str, name: str, members: Iterable[str] = (), **extra: Any
    ) -> None:
        """What conversations.info / conversations.members answer for channel_id."""
        self._channels[channel_id] = {"name": name, "members": list(members), **extra}

    def set_response(self, method: str, response: Responder) -> None:
        """Answer method with this JSON, or with response(call), instead of the canned reply."""
        self._responders[method] = response

    def clear_response(self, method: str) -> None:
        """Back to the canned reply for method."""
        self._responders.pop(method, None)

    def fail_next(
        self,
        method: str,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Fail the next n calls of method (to `channel` only, when given): HTTP 200
        {"ok": false, "error": error} when error is given (e.g. not_in_channel), else HTTP
        status (429 with a Retry-After: retry_after header, or e.g. 500)."""
        fault = _Fault(status, retry_after, error, channel)
        with self._lock:
            self._faults[method].extend(fault for _ in range(n))

    def stall_next(
        self, method: str, n: int = 1, *, seconds: float, channel: str | None = None
    ) -> None:
        """The next n calls of method (to `channel`, if given) take effect (a message is
        posted) but are answered only after `seconds`: longer than the client waits, it
        sees a timeout for a call that did happen, as when Slack is slow."""
        with self._lock:
            fault = _Fault(200, 0, None, channel, seconds)
            self._faults[method].extend(fault for _ in range(n))

    def fail_after_post(
        self,
        method: str,
        n: int = 1,
        *,
        mode: AfterPost = "500",
        channel: str | None = None,
        key: str | None = None,
    ) -> None:
        """The next n calls of method (to `channel`, and with the delivery `key` in their
        metadata, if given) take effect (a message is posted, with its metadata) and then
        fail: HTTP 500 (`mode="500"`), or the connection is dropped without an answer
        (`mode="reset"`), as when Slack or the network breaks after the work is done. The
        caller cannot tell whether it happened."""
        with self._lock:
            fault = _Fault(500, 0, None, channel, after=mode, key=key)
            self._faults[method].extend(fault for _ in range(n))

    def fail_uploads(self, n: int = 1, *, status: int = 500) -> None:
        """The next n file uploads (the POST to an upload_url) are answered with `status`."""
        with self._lock:
            self._upload_faults.extend(status for _ in range(n))

    def set_clock(self, clock: Callable[[], datetime] | None) -> None:
        """What Slack's clock reads: message ts follow it from now on (never going back) and
        conversations.history honours `oldest`/`latest`. Without one (the default) ts are a
        serial count from 1700000000 that is no clock's, and `oldest`/`latest` are ignored."""
        with self._lock:
            self._clock = clock

    def clear_faults(self, method: str | None = None) -> None:
        """Forget the faults not yet used (of one method, or all): Slack is well again."""
        with self._lock:
            for name in [method] if method else list(self._faults):
                self._faults[name].clear()
            if method is None:
                self._upload_faults.clear()

    def messages(self) -> list[Json]:
        """Every message posted, in every channel (thread replies and file shares too), in ts
        order, with its metadata."""
        with self._lock:
            posts = [m for posts in self.history.values() for m in posts]
        return sorted(posts, key=lambda m: float(m["ts"]))

    def posted_keys(self) -> list[str]:
        """The delivery keys (message metadata) of every message that was posted, in order."""
        keys = [_key_of(m.get("metadata") or {}) for m in self.messages()]
        return [key for key in keys if key is not None]

    def add_install(
        self,
        code: str,
        team_id: str,
        *,
        team_name: str = "Acme",
        installer: str = "U0ALICE",
        rotating: bool = False,
        expires_in: int = TOKEN_LIFETIME,
    ) -> None:
        """Slack's side of "Add to Slack": oauth.v2.access exchanges `code` (once) for a bot
        token of `team_id`; with `rotating`, a refresh token and an expiry (`expires_in`; a
        refreshed token lasts Slack's 12 hours), as apps with token rotation get them."""
        install = _Install(team_id, team_name, installer, rotating, expires_in)
        with self._lock:
            self._installs[code] = install

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds`: a slow Slack, to hold a race window open
        (e.g. so concurrent callers overlap a token refresh unless something serialises them)."""
        self._slow[method] = seconds

    def team_of(self, token: str) -> str | None:
        """The team a bot token handed out by oauth.v2.access belongs to."""
        with self._lock:
            return self._teams_by_token.get(token)

    def response_url(self, token: str) -> str:
        return f"{self.root_url}/response/{token}"

    def new_response_url(self) -> str:
        return self.response_url(f"R{next(self._serial):06d}")

    # -- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def post_times(self) -> dict[str, list[float]]:
        """Channel (a user id for a DM) → when each request that put a message there arrived
        (time.monotonic(), in order): posts and file shares, failed answers included if the
        message was posted all the same."""
        with self._lock:
            return {channel: sorted(times) for channel, times in self._posted_at.items()}

    def assert_no_violations(self) -> None:
        with self._lock:
            problems = list(self.violations)
        assert not problems, "calls to the fake Slack broke Slack's spec:\n  " + "\n  ".join(
            problems
        )

    # -- the server side (runs in the server's threads) --------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.rfile.read(int(headers.get("content-length", 0)))
        kind, _, name = url.path.lstrip("/").partition("/")
        reply: Reply = 404, {}, {"ok": False, "error": "not_found"}
        try:
            if kind == "api":
                reply = self._api(name, url.query, headers, body)
            elif kind == "response":
                reply = self._response(name, headers, body)
            elif kind == "upload":
                reply = self._upload(name, body)
        except Exception as exc:  # record it; an exception here would only reach stderr
            with self._lock:
                self.violations.append(f"fake Slack crashed on {request.path}: {exc!r}")
            reply = 500, {}, {"ok": False, "error": "fake_crashed"}
        if reply is RESET:
            _drop(request)
            return
        with contextlib.suppress(OSError):  # the client gave up on a stalled answer: fine
            send_json(request, *reply)

    def _upload(self, file_id: str, body: bytes) -> Reply:
        with self._lock:
            status = self._upload_faults.popleft() if self._upload_faults else 200
            if status == 200:
                self.uploads[file_id] = body
        return status, {}, {"ok": status == 200}

    def _api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        params: Json = dict(parse_qsl(query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(json.loads(body or b"{}"))
        elif body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        problems = web_api_call_problems(method, params) if specs_available() else []
        if method == "oauth.v2.access":
            problems = _oauth_problems(params, headers, problems)
        if body and not content_type.startswith(("application/json", "application/x-www-form")):
            problems.append(f"{method}: unsupported Content-Type {content_type!r}")
        authed = headers.get("authorization", "").startswith("Bearer ") or "token" in params
        authed |= method == "oauth.v2.access"  # the app's client id and secret: checked above
        if not authed:
            problems.append(f"{method}: no token (expected an 'Authorization: Bearer …' header)")
        arrived = time.monotonic()
        with self._lock:
            fault = next((f for f in self._faults[method] if f.applies(params)), None)
            if fault is not None:
                self._faults[method].remove(fault)
            stalled = fault is not None and fault.stall > 0
            failed = fault is not None and not stalled
            call = Call(method, params, headers, failed=failed, at=arrived)
            self.calls.append(call)
            self.violations.extend(problems)
        if fault is not None and stalled:
            answer = self._answer(call, authed)
            time.sleep(fault.stall)
            return answer
        if fault is not None and fault.after is not None:
            self._answer(call, authed)  # it happened; the caller is not told so
            return RESET if fault.after == "reset" else (500, {}, {"ok": False})
        if fault is not None and fault.error is not None:
            return 200, {}, {"ok": False, "error": fault.error}
        if fault is not None:
            retry = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
            return fault.status, retry, {"ok": False, "error": "ratelimited"}
        return self._answer(call, authed)

    def _answer(self, call: Call, authed: bool) -> Reply:
        method = call.method
        responder = self._responders.get(method)
        if responder is not None:
            return 200, {}, responder(call) if callable(responder) else responder
        if not authed:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if method in self._slow:
            time.sleep(self._slow[method])
        if method == "oauth.v2.access":
            return 200, {}, self._oauth_access(call.params)
        if specs_available() and not is_web_api_method(method):
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, {"ok": True, **self._canned(call)}

    def _response(self, token: str, headers: dict[str, str], body: bytes) -> Reply:
        payload = json.loads(body or b"{}")
        problems: list[str] = []
        try:
            if specs_available():  # without the specs, checks are skipped (and said so), not failed
                validate_message_payload(payload)
        except AssertionError as exc:
            problems = [f"response_url {token}: {exc}"]
        with self._lock:
            self.responses.append(ResponsePost(token, payload, headers))
            self.violations.extend(problems)
        return 200, {}, {"ok": True}

    def _next_ts(self) -> str:
        with self._lock:
            if self._clock is None:
                micros = 1_700_000_000_000_000 + 100 * next(self._serial)
            else:
                now = self._clock() - datetime(1970, 1, 1, tzinfo=UTC)
                micros = max(now // timedelta(microseconds=1), self._last_micros + 1)
            self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _post(self, call: Call, channel: str, message: Json) -> Json:
        """Put `message` in `channel`'s history, stamped with a new ts; the stored message."""
        posted = message | {"ts": self._next_ts()}
        with self._lock:
            self.history[channel].append(posted)
            self._posted_at[channel].append(call.at)
        return posted

    def _read(self, p: Json, messages: list[Json], *, newest_first: bool) -> Json:
        """A page of conversations.history / .replies: `oldest`/`latest` (exclusive unless
        `inclusive`; only with a clock, see set_clock), `limit`, `cursor`; the metadata only
        with `include_all_metadata`, as Slack answers."""
        if self._clock is not None:
            inclusive = _true(p.get("inclusive"))
            oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or "inf")
            messages = [
                m
                for m in messages
                if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
                and (float(m["ts"]) <= latest if inclusive else float(m["ts"]) < latest)
            ]
        if newest_first:
            messages = messages[::-1]
        start = int(str(p.get("cursor") or "0").removeprefix("page:"))
        limit = min(int(p.get("limit") or HISTORY_PAGE), HISTORY_PAGE_MAX)
        page = messages[start : start + limit]
        if not _true(p.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        cursor = f"page:{start + limit}" if more else ""
        return {"messages": page, "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def _canned(self, call: Call) -> Json:
        p = call.params
        fields: Json = {k: p[k] for k in ("text", "thread_ts") if k in p}
        if "blocks" in p:
            fields["blocks"] = _decoded(p["blocks"])
        message = {"type": "message", "user": "UBOT", "bot_id": "BBOT", **fields}
        channel = self._channels.get(str(p.get("channel")), {})
        match call.method:
            case "auth.test":
                token = call.headers.get("authorization", "").removeprefix("Bearer ")
                team = self._teams_by_token.get(token) or self.team_id
                return AUTH_TEST | {"team_id": team, "bot_id": "BBOT"}
            case "users.info":
                return {"user": self._user(str(p.get("user")))}
            case "chat.postMessage":
                extra = {"metadata": _decoded(p["metadata"])} if "metadata" in p else {}
                posted = self._post(call, str(p.get("channel")), message | extra)
                ts = posted["ts"]
                return {"channel": p.get("channel"), "ts": ts, "message": message | {"ts": ts}}
            case "conversations.open":  # a person's DM is kept under their user id here
                return {"channel": {"id": str(p.get("users", "")).split(",")[0]}}
            case "conversations.history":  # a channel's messages, not the replies in threads
                with self._lock:
                    posts = list(self.history[str(p.get("channel"))])
                top = [m for m in posts if m.get("thread_ts", m["ts"]) == m["ts"]]
                return self._read(p, top, newest_first=True)
            case "conversations.replies":  # a thread: its parent, then its replies, oldest first
                with self._lock:
                    posts = list(self.history[str(p.get("channel"))])
                ts = str(p.get("ts"))
                thread = [m for m in posts if ts in (m["ts"], m.get("thread_ts"))]
                return self._read(p, thread, newest_first=False)
            case "chat.postEphemeral":
                return {"message_ts": self._next_ts()}
            case "chat.update":
                return {"channel": p.get("channel"), "ts": p.get("ts"), "message": message}
            case "views.open" | "views.publish" | "views.update" | "views.push":
                view = {"id": f"V{next(self._serial):08d}", "team_id": self.team_id}
                return {"view": view | _decoded(p.get("view", {}))}
            case "conversations.info":
                info = {"id": p.get("channel"), "name": str(p.get("channel")).lower(), **CHANNEL}
                return {"channel": info | {k: v for k, v in channel.items() if k != "members"}}
            case "conversations.members":
                members = channel.get("members", [])
                return {"members": members, "response_metadata": {"next_cursor": ""}}
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._serial):08d}"
                return {"file_id": file_id, "upload_url": f"{self.root_url}/upload/{file_id}"}
            case "files.completeUploadExternal":  # a file share: a message in the channel
                files = _decoded(p.get("files", []))
                if p.get("channel_id"):
                    share: Json = {"type": "message", "subtype": "file_share", "files": files}
                    if p.get("thread_ts"):
                        share["thread_ts"] = p["thread_ts"]
                    self._post(call, str(p["channel_id"]), share)
                return {"files": files}
        return {}

    def _oauth_access(self, params: Json) -> Json:
        """oauth.v2.access as Slack answers it: a code (once) or a refresh token (once) for
        a bot token; anything else is `invalid_code` / `invalid_refresh_token`."""
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                install = self._refreshable.pop(str(params.get("refresh_token")), None)
                if install is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                install = replace(install, expires_in=TOKEN_LIFETIME)
            else:
                install = self._installs.pop(str(params.get("code")), None)
                if install is None:
                    return {"ok": False, "error": "invalid_code"}
            serial = next(self._serial)
            token = f"xoxb-{install.team_id}-{serial}"
            self._teams_by_token[token] = install.team_id
            answer: Json = {
                "ok": True,
                "app_id": "A0PMOBOT",
                "authed_user": {"id": install.installer},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": token,
                "bot_user_id": "UBOT",
                "team": {"id": install.team_id, "name": install.team_name},
                "enterprise": None,
                "is_enterprise_install": False,
            }
            if install.rotating:
                refresh = f"xoxe-1-{install.team_id}-{serial}"
                self._refreshable[refresh] = install
                answer |= {"refresh_token": refresh, "expires_in": install.expires_in}
            return answer

    def _user(self, user_id: str) -> Json:
        config = dict(self._users.get(user_id, {"tz": "UTC", "name": user_id.lower()}))
        name, zone = config.pop("name"), ZoneInfo(config["tz"])
        real_name = config.pop("real_name", name.title())
        offset = zone.utcoffset(TZ_REFERENCE)
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "is_bot": False,
            "deleted": False,
            "tz_label": TZ_REFERENCE.astimezone(zone).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {"display_name": name, "real_name": real_name},
            **config,
        }


@dataclass(frozen=True)
class _Install:
    team_id: str
    team_name: str
    installer: str
    rotating: bool
    expires_in: int


def _oauth_problems(params: Json, headers: dict[str, str], problems: list[str]) -> list[str]:
    """oauth.v2.access authenticates the app (client id and secret, HTTP Basic or in the
    body), not a token; the October 2020 spec predates token rotation, where a refresh
    (grant_type=refresh_token) carries a refresh_token instead of the code."""
    basic = headers.get("authorization", "").startswith("Basic ")
    if not basic and not (params.get("client_id") and params.get("client_secret")):
        problems = [*problems, "oauth.v2.access: no client_id/client_secret"]
    if params.get("grant_type") == "refresh_token":
        problems = [p for p in problems if "'code'" not in p]
        if not params.get("refresh_token"):
            problems.append("oauth.v2.access: grant_type=refresh_token without refresh_token")
    return problems


def _drop(request: BaseHTTPRequestHandler) -> None:
    """Close the request's connection without an answer: nothing is written, and the close is
    an abort (SO_LINGER 0: a reset), as when a proxy or Slack's edge drops it."""
    request.close_connection = True
    with contextlib.suppress(OSError):
        request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _key_of(metadata: Json) -> str | None:
    """The delivery key a scheduled send carries in its message metadata."""
    key = (metadata.get("event_payload") or {}).get("key")
    return None if key is None else str(key)


def _true(value: Any) -> bool:
    """A boolean Web API argument as slack_sdk sends it (1/0), or as JSON or text."""
    return value is True or str(value).lower() in ("1", "true")


def _decoded(value: Any) -> Any:
    """Form-encoded calls carry blocks, views and files as JSON strings."""
    return json.loads(value) if isinstance(value, str) else value


def serve_fake_slack(
    *, team_id: str = "T0001", check: bool = True, clock: Callable[[], datetime] | None = None
) -> Iterator[FakeSlackWebAPI]:
    """For fixtures: `yield from serve_fake_slack()`; with check, teardown fails on violations."""
    with FakeSlackWebAPI(team_id=team_id, clock=clock) as fake:
        yield fake
    if check:
        fake.assert_no_violations()
