"""Migrations and models agree, and the bot refuses an out-of-date schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text

from storage.db import make_engine
from storage.models import Base, Workspace
from storage.schema import (
    SchemaOutOfDate,
    SchemaState,
    ensure_current,
    head_revision,
    schema_state,
    upgrade,
)


def test_migrations_build_exactly_the_models(any_engine: Engine) -> None:
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert schema_state(any_engine) is SchemaState.CURRENT


def test_new_sqlite_file_is_migrated_on_first_run(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert schema_state(engine) is SchemaState.EMPTY
    ensure_current(engine)
    assert schema_state(engine) is SchemaState.CURRENT
    engine.dispose()


def test_behind_schema_is_refused_with_migrate_hint(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'base0000'"))
    with pytest.raises(SchemaOutOfDate, match="newer"):
        ensure_current(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(SchemaOutOfDate, match="pmo-bot migrate"):
        ensure_current(engine)
    engine.dispose()


def test_empty_postgres_is_not_migrated_implicitly(postgres_engine: Engine) -> None:
    with postgres_engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    try:
        with pytest.raises(SchemaOutOfDate, match="pmo-bot migrate"):
            ensure_current(postgres_engine)
    finally:
        with postgres_engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head_revision()})


def test_timestamps_refuse_naive_and_read_back_aware(any_engine: Engine) -> None:
    from storage.db import Database

    db = Database(any_engine)
    naive = Workspace(team_id="TNAIVE", created_at=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(Exception, match="naive datetime"), db.write() as session:
        session.add(naive)
    with db.write() as session:
        session.add(Workspace(team_id="TAWARE", created_at=datetime(2026, 1, 1, 12, tzinfo=UTC)))
    with db.read() as session:
        stored = session.scalars(select(Workspace).where(Workspace.team_id == "TAWARE")).one()
    assert stored.created_at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert stored.created_at.tzinfo is not None
