"""Times composing a weekly digest (queries and rendering) for a small project against a huge one.

Run from the repository root: `python -m benchmarks.digest_scale`. A project of 50 items is the
baseline; the big one has 5,000 risks and 5,000 actions. On SQLite (a temporary file) and, when
PMO_TEST_DATABASE_URL is set, on that PostgreSQL database (wiped first). Exits 0 when, on each
database, the big digest takes at most 5 times as long as the small one and costs exactly as
many SQL statements, else 1.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from benchmarks._common import count_statements
from bot.services.digest_content import compose
from handlers.blocks.digest import digest_parts, render_part
from storage.db import Database, make_engine
from storage.models import Project, Workspace
from storage.schema import upgrade
from tests.support.databases import migrated_postgres, postgres_url
from tests.support.digest_seed import seed_project

MAX_RATIO = 5.0
ROUNDS = 7
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
SIZES = {"small": (25, 25), "big": (5000, 5000)}  # (risks, actions)


def _composer(db: Database, team: str) -> Callable[[], int]:
    """Compose and render the team's digest; how many messages it made."""

    def run() -> int:
        with db.read() as session:
            stmt = select(Project).join(Workspace).where(Workspace.team_id == team)
            digest = compose(session, session.scalars(stmt).one(), team, NOW)
        return len([render_part(digest, part) for part in digest_parts(digest)])

    return run


def _measure(engine: Engine, name: str) -> tuple[dict[str, float], dict[str, int]]:
    db = Database(engine)
    runs = {}
    for size, (risks, actions) in SIZES.items():
        team = f"T{size.upper()}"
        seed_project(db, team=team, now=NOW, risks=risks, actions=actions)
        runs[size] = _composer(db, team)
    statements = {size: count_statements(engine, run) for size, run in runs.items()}
    for run in runs.values():  # warm up caches and compiled statements
        run()
    timings: dict[str, list[float]] = {size: [] for size in runs}
    for _ in range(ROUNDS):  # interleaved, so both see the same machine load
        for size, run in runs.items():
            start = time.perf_counter()
            run()
            timings[size].append((time.perf_counter() - start) * 1000)
    print(f"{name}: rounds {ROUNDS}; small = 50 items, big = 5,000 risks + 5,000 actions")
    return {size: statistics.median(ms) for size, ms in timings.items()}, statements


def _report(name: str, ms: dict[str, float], statements: dict[str, int]) -> list[str]:
    ratio = ms["big"] / ms["small"]
    print(f"{name} small digest: {ms['small']:.1f} ms")
    print(f"{name} big digest: {ms['big']:.1f} ms")
    print(f"{name} ratio big/small: {ratio:.2f} (bar: <= {MAX_RATIO})")
    print(f"{name} statements small: {statements['small']}")
    print(f"{name} statements big: {statements['big']} (bar: equal)")
    failures = []
    if ratio > MAX_RATIO:
        failures.append(f"{name} ratio {ratio:.2f} > {MAX_RATIO}")
    if statements["small"] != statements["big"]:
        failures.append(f"{name} statements {statements['small']} != {statements['big']}")
    return failures


def main() -> int:
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'digest.db'}")
        upgrade(engine)
        failures += _report("sqlite", *_measure(engine, "sqlite"))
        engine.dispose()
    url = postgres_url()
    if url is None:
        print("postgresql: skipped (set PMO_TEST_DATABASE_URL to a database it may wipe)")
    else:
        engine = migrated_postgres(url)
        failures += _report("postgresql", *_measure(engine, "postgresql"))
        engine.dispose()
    print(f"summary: FAIL ({'; '.join(failures)})" if failures else "summary: PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
