"""A fake Slack Web API on a loopback port that records, validates and answers the bot's calls."""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
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
CHANNEL = {"is_channel": True, "is_private": False, "is_archived": False, "is_member": True}


@dataclass(frozen=True)
class Call:
    """One Web API request: method, decoded params, lower-cased headers, whether it was failed."""

    method: str
    params: Json
    headers: dict[str, str]
    failed: bool = False


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


class FakeSlackWebAPI:
    """`with FakeSlackWebAPI() as fake:` (or start()/stop()); point WebClient at fake.base_url."""

    def __init__(self, team_id: str = "T0001") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.responses: list[ResponsePost] = []
        self.uploads: dict[str, bytes] = {}  # file_id -> bytes sent to the upload_url
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        self._responders: dict[str, Responder] = {}
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

    def fail_next(
        self,
        method: str,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail the next n calls of method: HTTP 200 {"ok": false, "error": error} when error is
        given, else HTTP status (429 with a Retry-After: retry_after header, or e.g. 500)."""
        with self._lock:
            self._faults[method].extend(_Fault(status, retry_after, error) for _ in range(n))

    def response_url(self, token: str) -> str:
        return f"{self.root_url}/response/{token}"

    def new_response_url(self) -> str:
        return self.response_url(f"R{next(self._serial):06d}")

    # -- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

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
                with self._lock:
                    self.uploads[name] = body
                reply = 200, {}, {"ok": True}
        except Exception as exc:  # record it; an exception here would only reach stderr
            with self._lock:
                self.violations.append(f"fake Slack crashed on {request.path}: {exc!r}")
            reply = 500, {}, {"ok": False, "error": "fake_crashed"}
        send_json(request, *reply)

    def _api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        params: Json = dict(parse_qsl(query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(json.loads(body or b"{}"))
        elif body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        problems = web_api_call_problems(method, params) if specs_available() else []
        if body and not content_type.startswith(("application/json", "application/x-www-form")):
            problems.append(f"{method}: unsupported Content-Type {content_type!r}")
        authed = headers.get("authorization", "").startswith("Bearer ") or "token" in params
        if not authed:
            problems.append(f"{method}: no token (expected an 'Authorization: Bearer …' header)")
        with self._lock:
            fault = self._faults[method].popleft() if self._faults[method] else None
            call = Call(method, params, headers, failed=fault is not None)
            self.calls.append(call)
            self.violations.extend(problems)
        if fault is not None and fault.error is not None:
            return 200, {}, {"ok": False, "error": fault.error}
        if fault is not None:
            retry = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
            return fault.status, retry, {"ok": False, "error": "ratelimited"}
        responder = self._responders.get(method)
        if responder is not None:
            return 200, {}, responder(call) if callable(responder) else responder
        if not authed:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if specs_available() and not is_web_api_method(method):
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, {"ok": True, **self._canned(call)}

    def _response(self, token: str, headers: dict[str, str], body: bytes) -> Reply:
        payload = json.loads(body or b"{}")
        try:
            validate_message_payload(payload)
            problems = []
        except AssertionError as exc:
            problems = [f"response_url {token}: {exc}"]
        with self._lock:
            self.responses.append(ResponsePost(token, payload, headers))
            self.violations.extend(problems)
        return 200, {}, {"ok": True}

    def _next_ts(self) -> str:
        micros = 100 * next(self._serial)
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _canned(self, call: Call) -> Json:
        p = call.params
        fields: Json = {k: p[k] for k in ("text", "thread_ts") if k in p}
        if "blocks" in p:
            fields["blocks"] = _decoded(p["blocks"])
        message = {"type": "message", "user": "UBOT", "bot_id": "BBOT", **fields}
        channel = self._channels.get(str(p.get("channel")), {})
        match call.method:
            case "auth.test":
                return AUTH_TEST | {"team_id": self.team_id, "bot_id": "BBOT"}
            case "users.info":
                return {"user": self._user(str(p.get("user")))}
            case "chat.postMessage":
                ts = self._next_ts()
                return {"channel": p.get("channel"), "ts": ts, "message": message | {"ts": ts}}
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
            case "files.completeUploadExternal":
                return {"files": _decoded(p.get("files", []))}
        return {}

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


def _decoded(value: Any) -> Any:
    """Form-encoded calls carry blocks, views and files as JSON strings."""
    return json.loads(value) if isinstance(value, str) else value


def serve_fake_slack(*, team_id: str = "T0001", check: bool = True) -> Iterator[FakeSlackWebAPI]:
    """For fixtures: `yield from serve_fake_slack()`; with check, teardown fails on violations."""
    with FakeSlackWebAPI(team_id=team_id) as fake:
        yield fake
    if check:
        fake.assert_no_violations()
