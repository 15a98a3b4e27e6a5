"""Times a `/risk list` (the use-case and its rendering, in process) on registers of 100, 1,000
and 5,000 risks.

Run from the repository root: `python -m benchmarks.list_scale [--pg URL]`. Each size is its own
workspace in one database, timed in interleaved rounds so all see the same machine load. On
SQLite (a temporary file) and, when --pg or PMO_TEST_DATABASE_URL names a server, PostgreSQL (a
scratch database beside it, dropped afterwards). Exits 0 when, on each database, a list of 5,000
risks takes at most 1.5 times as long as one of 100 and costs as many SQL statements, else 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from benchmarks._common import count_statements, databases, summary
from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services.registers import list_items
from handlers.blocks.items import render_page
from handlers.blocks.text import Viewer
from storage.db import Database, make_engine
from storage.schema import upgrade
from tests.support.digest_seed import seed_project
from tests.support.fakes import RecordingGateway

MAX_RATIO = 1.5
ROUNDS = 15
CALLS = 20  # lists per timing, so one timing is well above the clock's resolution
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
SIZES = (100, 1000, 5000)


def _lister(deps: Deps, team: str) -> Callable[[], int]:
    """List the team's open risks and render the page; how many blocks it drew."""
    actor = Actor(team_id=team, user_id="U0ALICE", channel_id="C0APOLLO", timezone="UTC")
    viewer = Viewer(NOW, "UTC")

    def run() -> int:
        return len(render_page(list_items(deps, actor, Kind.RISK, "open"), viewer).blocks)

    return run


def _measure(engine: Engine, name: str) -> tuple[dict[int, float], dict[int, int]]:
    db = Database(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    deps = Deps(settings, FixedClock(NOW), RecordingGateway(), db)
    runs = {}
    for size in SIZES:
        team = f"TLIST{size}"
        seed_project(db, team=team, now=NOW, risks=size, actions=0)
        runs[size] = _lister(deps, team)
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of bulk inserts: the planner's statistics, and
        # the visibility map that lets the count read the index alone, as on a live server.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    statements = {size: count_statements(engine, run) for size, run in runs.items()}
    for run in runs.values():  # warm up caches and compiled statements
        run()
    timings: dict[int, list[float]] = {size: [] for size in runs}
    for _ in range(ROUNDS):
        for size, run in runs.items():
            start = time.perf_counter()
            for _ in range(CALLS):
                run()
            timings[size].append((time.perf_counter() - start) * 1000 / CALLS)
    print(f"{name}: rounds {ROUNDS} of {CALLS} lists; registers of {', '.join(map(str, SIZES))}")
    return {size: statistics.median(ms) for size, ms in timings.items()}, statements


def _report(name: str, ms: dict[int, float], statements: dict[int, int]) -> list[str]:
    small, big = SIZES[0], SIZES[-1]
    for size in SIZES:
        print(f"{name} list of {size:,} risks: {ms[size]:.2f} ms, {statements[size]} statements")
    ratio = ms[big] / ms[small]
    print(f"{name} ratio {big:,}/{small:,}: {ratio:.2f} (bar: <= {MAX_RATIO})")
    failures = []
    if ratio > MAX_RATIO:
        failures.append(f"{name} ratio {ratio:.2f} > {MAX_RATIO}")
    if len(set(statements.values())) != 1:
        failures.append(f"{name} statements differ by size: {statements}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: $PMO_TEST_DATABASE_URL)")
    args = parser.parse_args()
    failures: list[str] = []
    with databases(args.pg, "lists") as found:
        for name, url in found:
            engine = make_engine(url)
            upgrade(engine)
            failures += _report(name, *_measure(engine, name))
            engine.dispose()
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
