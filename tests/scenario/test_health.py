"""GET /healthz: what a load balancer asks before sending Slack's traffic to this process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.web import WebApp
from storage.db import make_engine
from tests.scenario.conftest import SlackSide, scenario_deps
from tests.support.slack_api import FakeSlackWebAPI


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def unreachable_engine() -> Iterator[Engine]:
    url = f"postgresql+psycopg://pmo@127.0.0.1:{closed_port()}/pmo?connect_timeout=2"
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    yield engine
    engine.dispose()


def test_healthz_answers_ok_when_the_database_is_reachable_and_current(slack: SlackSide) -> None:
    response = slack.get("/healthz")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "schema": "current"}


def test_healthz_is_503_when_the_database_cannot_be_reached(
    unreachable_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    slack = SlackSide(WebApp(scenario_deps(unreachable_engine, clock, fake)))

    response = slack.get("/healthz")

    assert response.status == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_healthz_is_503_when_the_schema_needs_migrating(
    empty_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    slack = SlackSide(WebApp(scenario_deps(empty_engine, clock, fake)))

    response = slack.get("/healthz")

    assert response.status == 503
    assert response.json() == {"status": "error", "database": "ok", "schema": "empty"}


def test_other_paths_are_not_found(slack: SlackSide) -> None:
    assert slack.get("/slack/events").status == 405  # Slack only POSTs there
    assert slack.request("POST", "/elsewhere", b"{}").status == 404
