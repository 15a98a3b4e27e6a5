"""Test databases: a migrated SQLite file per test, and the shared PostgreSQL wiped per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.models import Base
from storage.schema import upgrade

PG_ENV = "PMO_TEST_DATABASE_URL"
PG_SKIP = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/pmo_test)"


def postgres_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or None


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file, made once per run and copied for each test."""
    template = directory / "template.db"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
    return template


def fresh_sqlite(template: Path, target: Path) -> Engine:
    shutil.copy(template, target)
    return make_engine(f"sqlite:///{target}")


def migrated_postgres(url: str) -> Engine:
    """The PostgreSQL test database, rebuilt from the migrations once per run."""
    engine = make_engine(url, pool_size=20, max_overflow=40)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def wipe(engine: Engine) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(PG_SKIP)
    return url


def scratch_postgres(base: str, suffix: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database of a test's own (other tests wipe the shared one),
    named `<base name>_<suffix>` and dropped afterwards; yields its URL."""
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop)


def undo_register_versions(conn: Connection) -> None:
    """Back past migration 0013 by hand (for tests that rebuild an older schema): its
    triggers, PostgreSQL's trigger function, and the table."""
    sqlite = conn.dialect.name == "sqlite"
    for table in ("risks", "actions", "issues", "decisions"):
        for operation in ("insert", "update", "delete"):
            on = "" if sqlite else f" ON {table}"
            conn.execute(text(f"DROP TRIGGER {table}_version_{operation}{on}"))
    if not sqlite:
        conn.execute(text("DROP FUNCTION bump_register_versions()"))
    conn.execute(text("DROP TABLE register_versions"))
