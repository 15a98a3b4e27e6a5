"""Schema versions: apply Alembic migrations and tell whether a database is up to date."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

import migrations


class SchemaState(Enum):
    EMPTY = "empty"
    BEHIND = "behind"
    CURRENT = "current"
    AHEAD = "ahead"


class SchemaOutOfDate(Exception):
    """The database needs `pmo-bot migrate` before the bot may use it."""


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_state(engine: Engine) -> SchemaState:
    current = current_revision(engine)
    if current is None:
        has_tables = bool(inspect(engine).get_table_names())
        return SchemaState.BEHIND if has_tables else SchemaState.EMPTY
    if current == head_revision():
        return SchemaState.CURRENT
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    return SchemaState.BEHIND if current in known else SchemaState.AHEAD


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # batch migrations copy tables; SQLite honours this only outside a transaction
            _sqlite_foreign_keys(conn, on=False)
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        finally:
            if sqlite:
                _sqlite_foreign_keys(conn, on=True)


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def ensure_current(engine: Engine, *, migrate_new_sqlite: bool = True) -> None:
    """Refuse to run on an out-of-date schema; a brand-new SQLite file is migrated in place."""
    state = schema_state(engine)
    if state is SchemaState.CURRENT:
        return
    if state is SchemaState.EMPTY and migrate_new_sqlite and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    if state is SchemaState.AHEAD:
        raise SchemaOutOfDate(
            f"The database schema ({current_revision(engine)}) is newer than this version of "
            "PMO Bot knows. Upgrade PMO Bot before running it against this database."
        )
    raise SchemaOutOfDate(
        f"The database schema is {state.value} (at {current_revision(engine) or 'no revision'}, "
        f"code expects {head_revision()}). Run `pmo-bot migrate` first."
    )
