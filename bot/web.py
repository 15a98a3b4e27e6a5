"""HTTP mode: Slack's requests at POST /slack/events, GET /healthz, served by gunicorn's
asyncio worker through bot.asgi."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context

from bot import dates
from bot.app import create_app
from bot.asgi import BufferedFront
from bot.config import Settings
from bot.deps import Deps, build_deps
from bot.inbound import Refusal, SlackSignature, body_length, decoded, refused
from bot.logs import install, log_context, slack_request_id
from bot.manifest import EVENTS_PATH
from storage.schema import SchemaState, schema_state

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

# Where _dispatch leaves the checked body for _RequestHandler (a key only this module sets).
VERIFIED_BODY = "pmo_bot.verified_body"


class FormSafeRequest(BoltRequest):
    """A BoltRequest that reads a form body with the word "payload" anywhere in it right.

    Bolt (1.30) takes any form body containing "payload" for an interaction's `payload=…` and,
    finding no such field, reads it as empty: a slash command such as `/risk add payload may
    slip` would go unanswered (404). Such a body is read as the plain form it is.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        form = self.content_type in (None, "application/x-www-form-urlencoded")
        if self.mode == "http" and form and not self.body and "payload" in self.raw_body:
            fields = dict(parse_qsl(self.raw_body, keep_blank_values=True))
            if "payload" not in fields:
                self.body = fields
                self.context = build_context(self.context, fields)

    def to_copyable(self) -> BoltRequest:
        # Lazy listeners get a copy rebuilt from the raw body: it must be read the same way.
        return FormSafeRequest(
            body=self.raw_body if self.mode == "http" else self.body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )


class _RequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, given the body bot.web has already read and checked (VERIFIED_BODY):
    nothing reads the request's stream again, and a signed body Bolt cannot parse is a 400."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        body = request.environ.get(VERIFIED_BODY)
        if not isinstance(body, str):  # only bot.web calls this, and only with a checked body
            return _bad_request("body was not checked")
        try:
            bolt_request = FormSafeRequest(
                body=body, query=request.query_string, headers=request.get_headers()
            )
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            # Signed, so from Slack, yet not a form, JSON or payload=JSON Bolt can read.
            return _bad_request(f"signed body Bolt cannot parse ({type(error).__name__})")
        return self.app.dispatch(bolt_request)


def _bad_request(reason: str) -> BoltResponse:
    refused(Refusal(400, reason), EVENTS_PATH)
    return BoltResponse(status=400, body="", headers={"content-type": "text/plain"})


class WebApp:
    """The WSGI application: health checks here, everything else to Bolt."""

    def __init__(
        self,
        deps: Deps,
        *,
        listener_executor: Executor | None = None,
        wall: Callable[[], float] = time.time,
    ):
        """`wall`: seconds since the epoch, for the signature's five-minute window (Slack's
        clock, not the app's injected one, which tests move freely)."""
        self.deps = deps
        secret = deps.settings.slack_signing_secret
        if not secret:
            raise ValueError("serving Slack's requests needs SLACK_SIGNING_SECRET")
        self.signature = SlackSignature(secret, wall)
        self.slack = _RequestHandler(create_app(deps, listener_executor=listener_executor))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return self._dispatch(environ, start_response)
        started, statuses = time.monotonic(), list[str]()

        def recording(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            statuses.append(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        with log_context(request_id=_request_id(environ)):  # the middleware adds team, command
            answer = self._dispatch(environ, recording)
            elapsed = round((time.monotonic() - started) * 1000)
            status = statuses[-1] if statuses else "-"
            log.info("slack request", extra={"status": status, "duration_ms": elapsed})
            return answer

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            status, body = self.health()
            payload = json.dumps(body).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            start_response(status, headers)
            return [payload]
        if path != EVENTS_PATH:  # the OAuth pages (GET) and 404s: no body is ever read
            return self.slack(_without_body(environ), start_response)
        checked = self._checked_body(environ)
        if isinstance(checked, Refusal):
            refused(checked, EVENTS_PATH)
            headers = [("Content-Type", "text/plain"), ("Content-Length", "0")]
            if checked.status == 405:
                headers.append(("Allow", "POST"))
            start_response(checked.status_line, headers)
            return [b""]
        environ[VERIFIED_BODY] = checked
        return self.slack(environ, start_response)

    def _checked_body(self, environ: WSGIEnvironment) -> str | Refusal:
        """The body of a POST to /slack/events once it is known to be Slack's (bot.inbound)."""
        if environ.get("REQUEST_METHOD") != "POST":
            return Refusal(405, f"{environ.get('REQUEST_METHOD')} to {EVENTS_PATH}")
        length = body_length(environ.get("CONTENT_LENGTH"))
        if isinstance(length, Refusal):
            return length
        raw = environ["wsgi.input"].read(length) if length else b""
        if len(raw) != length:
            return Refusal(400, f"body ended after {len(raw)} of {length} bytes")
        refusal = self.signature.check(
            raw,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
        return refusal or decoded(raw)

    def health(self) -> tuple[str, dict[str, str]]:
        try:
            self.deps.db.ping()
            schema = schema_state(self.deps.db.engine)
        except Exception as error:  # any failure to reach the database is "unhealthy"
            log.warning("health check: database unreachable: %s", error)
            return "503 Service Unavailable", {"status": "error", "database": "unreachable"}
        if schema is not SchemaState.CURRENT:
            return "503 Service Unavailable", {
                "status": "error",
                "database": "ok",
                "schema": schema.value,
            }
        return "200 OK", {"status": "ok", "database": "ok", "schema": "current"}


def _without_body(environ: WSGIEnvironment) -> WSGIEnvironment:
    """The request as Bolt's OAuth pages see it: whatever body was sent is never read."""
    return {**environ, "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO(b"")}


def _request_id(environ: WSGIEnvironment) -> str:
    return slack_request_id(
        environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
    )


def serve_http(settings: Settings) -> None:
    """Run gunicorn in-process with WEB_CONCURRENCY workers, each building its own deps and
    warming them up before it takes its first request."""
    run_gunicorn(settings, lambda: WebApp(warm_up(build_deps(settings))))


def warm_up(deps: Deps) -> Deps:
    """Pay a process's one-off costs at boot rather than in the requests that would meet them
    first, inside Slack's 3 s: dateparser's language data (bot.dates.warm_up), the ORM's
    mappers and the first database connection (storage.db.Database.warm_up)."""
    started = time.monotonic()
    dates.warm_up()
    deps.db.warm_up()
    log.info("warmed up in %.0f ms", (time.monotonic() - started) * 1000)
    return deps


def run_gunicorn(settings: Settings, load_app: Callable[[], Callable[..., Any]]) -> None:
    """gunicorn as `serve` runs it: asyncio workers that read each request whole (bot.asgi)
    before a thread runs the WSGI app on it, so slow clients hold no thread; `load_app` builds
    each worker's WSGI app (benchmarks serve a no-op Bolt app through here, so both are served
    alike)."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    class StructuredLogger(Logger):  # type: ignore[misc]
        """gunicorn's own lines (booting, workers, signals) in our format too."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                install(handler, settings.log_format)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, object] = {
                "bind": f"0.0.0.0:{settings.port}",
                "workers": settings.web_concurrency,
                "worker_class": "asgi",  # gunicorn's own asyncio worker (pyproject: gunicorn >= 27)
                "worker_connections": 1000,
                "keepalive": 5,
                "timeout": 30,
                "graceful_timeout": 10,
                "accesslog": None,
                "loglevel": settings.log_level.lower(),
                "logger_class": StructuredLogger,
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 27: no shared socket
                options["control_socket_disable"] = True
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            return BufferedFront(load_app())

    Server().run()
