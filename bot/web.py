"""HTTP mode: Slack's requests at POST /slack/events, GET /healthz, served by gunicorn."""

from __future__ import annotations

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

from bot.app import create_app
from bot.config import Settings
from bot.deps import Deps, build_deps
from bot.logs import install, log_context, slack_request_id
from storage.schema import SchemaState, schema_state

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)


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
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            FormSafeRequest(
                body=request.get_body(),
                query=request.query_string,
                headers=request.get_headers(),
            )
        )


class WebApp:
    """The WSGI application: health checks here, everything else to Bolt."""

    def __init__(self, deps: Deps, *, listener_executor: Executor | None = None):
        self.deps = deps
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
        if environ.get("PATH_INFO") == "/healthz":
            status, body = self.health()
            payload = json.dumps(body).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            start_response(status, headers)
            return [payload]
        return self.slack(environ, start_response)

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


def _request_id(environ: WSGIEnvironment) -> str:
    return slack_request_id(
        environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
    )


def serve_http(settings: Settings) -> None:
    """Run gunicorn in-process with WEB_CONCURRENCY workers, each building its own deps."""
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
                "worker_class": "gthread",
                "threads": 4,
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
            return WebApp(build_deps(settings))

    Server().run()
