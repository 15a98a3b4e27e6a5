"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), clock, fakes, deps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import Deps
from bot.domain import Actor
from storage.db import Database
from tests.support.databases import (
    fresh_sqlite,
    migrated_postgres,
    require_postgres,
    sqlite_template,
    wipe,
)
from tests.support.fakes import RecordingGateway

# Thursday 19 November 2026, mid-afternoon in London.
START = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
TEAM = "T0001"
CHANNEL = "C0APOLLO"
ALICE = "U0ALICE"
BOB = "U0BOB"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    engine = migrated_postgres(require_postgres())
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = fresh_sqlite(_template, tmp_path / "pmo.db")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(_postgres_engine: Engine) -> Engine:
    wipe(_postgres_engine)
    return _postgres_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """Runs the test on SQLite and, when PMO_TEST_DATABASE_URL is set, on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway(zones={ALICE: "Europe/London", BOB: "America/New_York"})


def make_deps(engine: Engine, clock: FixedClock, gateway: RecordingGateway) -> Deps:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    return Deps(settings, clock, gateway, Database(engine))


@pytest.fixture
def deps(sqlite_engine: Engine, clock: FixedClock, gateway: RecordingGateway) -> Deps:
    return make_deps(sqlite_engine, clock, gateway)


@pytest.fixture
def any_deps(any_engine: Engine, clock: FixedClock, gateway: RecordingGateway) -> Deps:
    return make_deps(any_engine, clock, gateway)


@pytest.fixture
def alice() -> Actor:
    return Actor(team_id=TEAM, user_id=ALICE, channel_id=CHANNEL, timezone="Europe/London")
