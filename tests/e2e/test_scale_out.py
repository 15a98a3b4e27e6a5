"""Three workers at once on one PostgreSQL database: three `pmo-bot tick` processes over 300
people's reminders and the escalation of 100 late actions (one message, the project's) send each
exactly once, and the ledger holds them all."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.domain import Actor, Kind
from bot.services import items, projects
from tests.conftest import START, make_deps
from tests.e2e.conftest import bot_env, free_port
from tests.support.fakes import RecordingGateway
from tests.support.fleet import Fleet, assert_exactly_once, ledger
from tests.support.slack_api import FakeSlackWebAPI

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PEOPLE = 300
LATE = 100  # of them also own an action late enough to be escalated
MONDAY = "2026-11-23T09:05:00+00:00"
WORKERS = 3


def seed(engine: Engine) -> None:
    deps = make_deps(engine, FixedClock(START), RecordingGateway())
    lead = Actor("T0001", "U0LEAD", "C0APOLLO", timezone="UTC")
    projects.bind_project(deps, lead, "Apollo")
    for n in range(PEOPLE):
        values: dict[str, Any] = {"title": f"task {n}", "owner": f"U{n:04d}"}
        items.add_item(deps, lead, Kind.ACTION, values | {"due": date(2026, 11, 23)}, None)
        if n < LATE:  # due a week ago: five working days late on Monday
            items.add_item(deps, lead, Kind.ACTION, values | {"due": date(2026, 11, 16)}, None)


def test_three_workers_send_every_delivery_exactly_once(
    postgres_engine: Engine, fake: FakeSlackWebAPI, tmp_path: Path
) -> None:
    seed(postgres_engine)
    url = postgres_engine.url.render_as_string(hide_password=False)
    fleet = Fleet(bot_env(url, fake, free_port()), tmp_path)
    try:
        workers = fleet.passes(datetime.fromisoformat(MONDAY), WORKERS)
    finally:
        fleet.close()

    summaries = [summary(worker.log()) for worker in workers]
    sent_by_worker = [int(s.split("sent ", 1)[1].split(",")[0]) for s in summaries]
    keys = set(fake.posted_keys())
    reminders = {k for k in keys if k.startswith("reminder:")}
    escalations = {k for k in keys if k.startswith("escalation:")}
    assert (len(reminders), len(escalations)) == (PEOPLE, 1)  # the late 100 in one message
    assert_exactly_once(fake, postgres_engine, sorted(keys))
    assert set(ledger(postgres_engine)) == keys  # nothing claimed and left unsent
    # Every worker saw all 301 due and raced for them; each was sent by exactly one.
    assert all(s.startswith(f"due {PEOPLE + 1}, ") for s in summaries), summaries
    assert sum(sent_by_worker) == PEOPLE + 1, summaries
    fake.assert_no_violations()


def summary(log: str) -> str:
    """The pass's last line on stdout (`due N, sent N, …`), among its log lines."""
    return [line for line in log.splitlines() if line.startswith("due ")][-1]
