"""SQLite's writers in one process take turns on a lock (storage.db.WriteQueue), not in SQLite's
busy handler, and a request's write still gives up within its budget with nothing stored."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from storage.db import Database, DatabaseUnavailable, make_engine
from storage.models import Workspace
from tests.conftest import START
from tests.support.databases import fresh_sqlite

HOLD = 0.3  # seconds the first writer keeps its transaction open


@pytest.fixture
def path(_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "queued.db"
    fresh_sqlite(_template, target).dispose()
    return target


def engine_on(path: Path, budget: float | None = None) -> Engine:
    return make_engine(f"sqlite:///{path}", budget=budget)


def begins(engine: Engine) -> list[float]:
    """When each BEGIN IMMEDIATE was sent on `engine` (monotonic seconds)."""
    sent: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            sent.append(time.monotonic())

    return sent


def add_workspace(db: Database, team: str, *, hold: float = 0.0) -> float:
    """Store a workspace, keeping the transaction open `hold` seconds; when it committed."""
    with db.write() as session:
        session.add(Workspace(team_id=team, created_at=START))
        session.flush()
        time.sleep(hold)
    return time.monotonic()


def stored(engine: Engine) -> int:
    with Database(engine).read() as session:
        return session.scalar(select(func.count()).select_from(Workspace)) or 0


@contextmanager
def held(turn: Callable[[], AbstractContextManager[Any]], seconds: float) -> Iterator[list[float]]:
    """Another thread holds `turn()` for `seconds`; entered once it does. Yields a list that
    gets the moment it let go."""
    holding = threading.Event()
    released: list[float] = []

    def hold() -> None:
        with turn():
            holding.set()
            time.sleep(seconds)
        released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    try:
        yield released
    finally:
        holder.join()


def test_a_second_writer_waits_for_its_turn_and_starts_when_the_first_commits(
    path: Path,
) -> None:
    first, second = Database(engine_on(path)), Database(engine_on(path, budget=2.0))
    sent = begins(second.engine)
    with held(first.write, HOLD) as committed:
        add_workspace(second, "T0SECOND")

    # It never knocked on SQLite's lock while the other engine's writer held it (one lock for
    # the file, whichever engine), and went in at once after: no busy-handler sleep of up to
    # 100 ms between tries.
    assert len(sent) == 1
    assert sent[0] >= committed[0]
    assert sent[0] - committed[0] < 0.05
    assert stored(first.engine) == 1


OTHER_PROCESS = """
import sys, time
from sqlalchemy import text
from storage.db import Database, make_engine
db = Database(make_engine(f"sqlite:///{sys.argv[1]}"))
with db.write() as session:
    session.execute(text("UPDATE workspaces SET team_id = team_id"))
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
print(time.time(), flush=True)
"""


def test_a_writer_of_another_process_is_waited_for_on_the_turn_not_in_sqlites_busy_handler(
    path: Path,
) -> None:
    """The worker or another serve worker holds a write: ours waits on the turn between
    processes (storage.db._FileTurn) and starts as it commits, without knocking on SQLite's
    lock in between (its busy handler sleeps up to 100 ms between knocks)."""
    with subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, str(path), str(HOLD)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as other:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "holding"
        web = Database(engine_on(path, budget=2.0))
        sent = begins(web.engine)
        add_workspace(web, "T0WAITED")
        committed = float(other.stdout.readline())
        assert other.wait(10) == 0

    # One BEGIN IMMEDIATE, sent once the other had committed (it prints the moment after its
    # commit, which may come a little after ours began): not HOLD before, to wait in SQLite.
    assert len(sent) == 1
    began = time.time() - (time.monotonic() - sent[0])
    assert began > committed - HOLD / 3
    assert stored(web.engine) == 1


def test_a_write_that_gets_no_turn_within_its_budget_fails_and_stores_nothing(
    path: Path,
) -> None:
    background, web = Database(engine_on(path)), Database(engine_on(path, budget=0.4))
    with held(background.write, 1.0):
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="locked"):
            add_workspace(web, "T0LATE")
        waited = time.monotonic() - started

    assert 0.3 < waited < 0.8
    assert stored(web.engine) == 0


def test_the_turn_and_sqlites_own_lock_share_one_budget(path: Path) -> None:
    """Queued behind this process's writer, then blocked by another process's (a raw
    connection here), a write gives up when its budget is spent in all, not budget twice."""
    web = Database(engine_on(path, budget=0.8))
    queue = web._queue
    assert queue is not None
    other_process = engine_on(path).raw_connection()
    other_process.cursor().execute("BEGIN IMMEDIATE")
    try:
        with held(lambda: queue.lock, 0.4):  # this process's other writer: 0.4 s
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable):
                add_workspace(web, "T0LATE")
            waited = time.monotonic() - started
    finally:
        other_process.rollback()
        other_process.close()

    assert 0.7 < waited < 1.1  # 0.4 s queued, the 0.4 s left at SQLite's lock
    assert add_workspace(web, "T0AGAIN")  # the next transaction has the whole budget again
    assert stored(web.engine) == 1


@pytest.mark.postgres
def test_postgresql_has_no_queue(postgres_engine: Engine) -> None:
    assert Database(postgres_engine)._queue is None
