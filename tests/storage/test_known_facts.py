"""What a process remembers from the database (storage.db recall/learn): only facts a
committed transaction read or wrote, never a row a rolled-back one created."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event

from storage.db import Database
from storage.repositories import workspaces

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)


def statements_during(engine: Engine, run: object) -> list[str]:
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert callable(run)
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return [s for s in seen if "workspaces" in s]


def test_a_workspace_id_is_read_once_a_process_after_it_committed(any_engine: Engine) -> None:
    db = Database(any_engine)
    with db.write() as session:
        created = workspaces.ensure(session, "T0FACTS", None, NOW)

    def find() -> None:
        with db.read() as session:
            assert workspaces.find(session, "T0FACTS") == created

    assert statements_during(any_engine, find) == []  # ensure's transaction committed it
    assert statements_during(any_engine, find) == []
    other = Database(any_engine)  # another process (or a test's fresh one) reads it itself

    def find_there() -> None:
        with other.read() as session:
            assert workspaces.find(session, "T0FACTS") == created

    assert len(statements_during(any_engine, find_there)) == 1
    assert statements_during(any_engine, find_there) == []


def test_a_workspace_created_in_a_rolled_back_transaction_is_not_remembered(
    any_engine: Engine,
) -> None:
    db = Database(any_engine)

    def fail_after_creating() -> None:
        with db.write() as session:
            assert workspaces.ensure(session, "T0GONE", None, NOW) is not None
            raise RuntimeError("the use-case failed after creating the workspace")

    with pytest.raises(RuntimeError):
        fail_after_creating()
    with db.read() as session:
        assert workspaces.find(session, "T0GONE") is None
