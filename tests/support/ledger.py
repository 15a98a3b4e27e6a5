"""The deliveries ledger as the scheduler's tests read it, and the mark of its last pass."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.deps import Deps
from storage.models import Delivery, WorkerMark


def ledger(deps: Deps, kind: str) -> dict[str, str]:
    """Key → status of the deliveries of one kind (`digest`, `portfolio`, ...)."""
    with deps.db.read() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == kind))
        return {row.key: row.status for row in rows}


def last_pass_at(deps: Deps, when: datetime) -> None:
    """As if a worker last completed a pass at `when`, then stopped."""
    with deps.db.write() as session:
        session.execute(insert(WorkerMark).values(name="tick", at=when))


def passes_after_a_stop(
    deps: Deps,
    run_at: Callable[[datetime], object],
    moment: datetime,
    late: timedelta,
    caplog: pytest.LogCaptureFixture,
) -> list[str]:
    """Two passes `late` after a weekly send's `moment` (and a minute later), the worker having
    stopped an hour before it; the "more than 24 hours late" lines they logged."""
    last_pass_at(deps, moment - timedelta(hours=1))
    with caplog.at_level(logging.INFO, logger="pmo_bot.tick"):
        run_at(moment + late)
        run_at(moment + late + timedelta(minutes=1))
    return [r.getMessage() for r in caplog.records if "more than 24 hours late" in r.getMessage()]
