"""Scenario fixtures: the real WSGI app (health + Bolt) called in-process with signed requests."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import Deps
from bot.slack import WebApiGateway, make_web_client
from bot.web import WebApp
from storage.db import Database
from storage.models import Base
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.support.http import HttpAnswer as Response
from tests.support.signing import sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack
from tests.support.slack_specs import specs_available, validate_message_payload

SECRET = "scenario-signing-secret"
LAZY_TIMEOUT = 10.0
TOKEN = "xoxb-scenario"


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's lazy listeners run here, so a test can wait for the follow-ups it caused."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="lazy")
        self._futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def settle(self) -> None:
        """Wait until every follow-up started so far has finished (bounded by LAZY_TIMEOUT)."""
        _, pending = wait(list(self._futures), timeout=LAZY_TIMEOUT)
        assert not pending, f"{len(pending)} lazy listeners still running after {LAZY_TIMEOUT}s"


@dataclass
class SlackSide:
    """Plays Slack's part: signs slash commands and posts them to the WSGI app in-process."""

    web: WebApp
    executor: TrackingExecutor = field(default_factory=TrackingExecutor)  # the app's lazy work
    secret: str = SECRET
    replies: list[dict[str, Any]] = field(default_factory=list)

    def settle(self) -> None:
        """Wait for the work that runs after the answers (uploads, Home tab refreshes)."""
        self.executor.settle()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        path, _, query = path.partition("?")
        environ.update(
            {
                "REQUEST_METHOD": method,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            }
        )
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> Any:
            started.append((status, response_headers))
            return lambda data: None

        chunks = self.web(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        assert len(started) == 1, "the app must call start_response exactly once"
        status, response_headers = started[0]
        return Response(int(status.split()[0]), {k.lower(): v for k, v in response_headers}, data)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """A browser's GET (`path` may carry a query string)."""
        return self.request("GET", path, headers=headers)

    def command(
        self,
        command: str,
        text: str,
        *,
        user_id: str = ALICE,
        user_name: str = "alice",
        channel_id: str = CHANNEL,
        team_id: str = TEAM,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Response:
        """A slash command as Slack would send it now (real time: Bolt checks the signature's
        age against the system clock, not ours). Every 200 answer is checked against the spec."""
        body = slash_command_body(
            command,
            text,
            team_id=team_id,
            user_id=user_id,
            user_name=user_name,
            channel_id=channel_id,
        ).encode()
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(body, secret or self.secret, stamp),
        }
        response = self.request("POST", "/slack/events", body, headers)
        if response.status == 200:
            assert response.headers["content-type"].startswith("application/json")
            payload = response.json()
            if specs_available():
                validate_message_payload(payload)
            self.replies.append(payload)
        return response

    def reply(self, command: str, text: str, **options: Any) -> dict[str, Any]:
        """The JSON answer to a command that must succeed at the HTTP level."""
        response = self.command(command, text, **options)
        assert response.status == 200, response.body
        return response.json()


def reply_text(payload: dict[str, Any]) -> str:
    """The fallback text and every block's text, joined: what the person would read."""
    parts = [str(payload.get("text", ""))]
    for block in payload.get("blocks", []):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text", "")
            parts.append(text["text"] if isinstance(text, dict) else text)  # buttons' labels
    return "\n".join(parts)


def stored(engine: Engine, model: type[Base]) -> list[Any]:
    with Session(engine) as session:
        return list(session.scalars(select(model)))


def count(engine: Engine, model: type[Base]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def scenario_deps(engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
    )
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    return Deps(settings, clock, WebApiGateway(client), Database(engine))


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    """The fake Slack Web API; teardown fails if any call broke Slack's spec."""
    for server in serve_fake_slack():
        server.set_user(ALICE, "Europe/London", "alice")
        server.set_user(BOB, "America/New_York", "bob")
        yield server


@pytest.fixture
def app_deps(sqlite_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    return scenario_deps(sqlite_engine, clock, fake)


@pytest.fixture
def slack(app_deps: Deps) -> Iterator[SlackSide]:
    yield from serve_app(app_deps)


def serve_app(deps: Deps) -> Iterator[SlackSide]:
    """For fixtures: `yield from serve_app(deps)`; teardown waits for the app's lazy work."""
    executor = TrackingExecutor()
    yield SlackSide(WebApp(deps, listener_executor=executor), executor)
    executor.settle()
    executor.shutdown(wait=True)
