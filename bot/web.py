"""HTTP mode: Slack's requests at POST /slack/events, GET /healthz, served by gunicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import create_app
from bot.config import Settings
from bot.deps import Deps, build_deps
from storage.schema import SchemaState, schema_state

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)


class WebApp:
    """The WSGI application: health checks here, everything else to Bolt."""

    def __init__(self, deps: Deps, *, listener_executor: Executor | None = None):
        self.deps = deps
        self.slack = SlackRequestHandler(create_app(deps, listener_executor=listener_executor))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
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


def serve_http(settings: Settings) -> None:
    """Run gunicorn in-process with WEB_CONCURRENCY workers, each building its own deps."""
    run_gunicorn(settings, lambda: WebApp(build_deps(settings)))


def run_gunicorn(settings: Settings, load_app: Callable[[], Callable[..., Any]]) -> None:
    """gunicorn as `serve` runs it (gthread workers); `load_app` builds each worker's WSGI app
    (benchmarks serve a no-op Bolt app through here, so both are served alike)."""
    from gunicorn.app.base import BaseApplication

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
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 27: no shared socket
                options["control_socket_disable"] = True
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            return load_app()

    Server().run()
