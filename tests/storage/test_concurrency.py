"""Many commands at once: human ids stay unique and gap-free and nothing is lost, on SQLite and
PostgreSQL; numbering one kind holds up no other."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, projects
from storage.models import AuditEvent, Risk
from storage.repositories import workspaces
from tests.conftest import CHANNEL, TEAM, make_deps
from tests.support.fakes import RecordingGateway

CONCURRENT = 50


def _command(app_text: str, user: str) -> BoltRequest:
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": user,
            "command": "/risk",
            "text": app_text,
            "response_url": "http://127.0.0.1:9/unused",
        }
    )
    return BoltRequest(body=body, headers={"content-type": "application/x-www-form-urlencoded"})


def test_fifty_concurrent_risk_adds_get_fifty_distinct_ids(any_deps: Deps, alice: Actor) -> None:
    projects.bind_project(any_deps, alice, "Apollo")
    app = create_app(any_deps, offline=True)
    start = threading.Barrier(CONCURRENT)

    def add(i: int) -> dict[str, str]:
        request = _command(f"add Risk number {i} impact:high", f"U{i:04d}")
        start.wait()
        response = app.dispatch(request)
        assert response.status == 200, response.body
        payload: dict[str, str] = json.loads(response.body)
        return payload

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        replies = list(pool.map(add, range(CONCURRENT)))

    assert all(r["response_type"] == "in_channel" for r in replies), [
        r for r in replies if r["response_type"] != "in_channel"
    ][:1]
    with any_deps.db.read() as session:
        numbers = session.scalars(select(Risk.number)).all()
        titles = set(session.scalars(select(Risk.title)))
        audits = session.scalar(select(func.count()).select_from(AuditEvent))
    assert sorted(numbers) == list(range(1, CONCURRENT + 1))
    assert titles == {f"Risk number {i}" for i in range(CONCURRENT)}
    assert audits == CONCURRENT
    announced = sorted(int(r["text"].split("R-")[1].split(":")[0]) for r in replies)
    assert announced == list(range(1, CONCURRENT + 1))


def test_ids_are_per_workspace_and_kind(any_deps: Deps, alice: Actor) -> None:
    other = Actor(team_id="T0OTHER", user_id="U0ZED", channel_id="C0ZEUS")
    projects.bind_project(any_deps, alice, "Apollo")
    projects.bind_project(any_deps, other, "Zeus")
    first = items.add_item(any_deps, alice, Kind.RISK, {"title": "a"}, None).item
    second = items.add_item(any_deps, alice, Kind.RISK, {"title": "b"}, None).item
    action = items.add_item(any_deps, alice, Kind.ACTION, {"title": "c"}, None).item
    elsewhere = items.add_item(any_deps, other, Kind.RISK, {"title": "d"}, None).item
    assert [first.ref, second.ref, action.ref, elsewhere.ref] == ["R-1", "R-2", "A-1", "R-1"]


def test_risks_and_actions_added_at_once_are_each_numbered_without_gaps(
    any_deps: Deps, alice: Actor
) -> None:
    projects.bind_project(any_deps, alice, "Apollo")
    kinds = [Kind.RISK, Kind.ACTION] * 10
    start = threading.Barrier(len(kinds))

    def add(job: tuple[int, Kind]) -> str:
        n, kind = job
        start.wait()
        return items.add_item(any_deps, alice, kind, {"title": f"thing {n}"}, None).item.ref

    with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
        refs = set(pool.map(add, enumerate(kinds)))

    assert refs == {f"{letter}-{n}" for letter in "RA" for n in range(1, 11)}
    with any_deps.db.read() as session:
        audited = session.execute(select(AuditEvent.item_kind, AuditEvent.item_number)).all()
    assert sorted(f"{kind}-{number}" for kind, number in audited) == sorted(refs)


def test_the_counter_is_taken_last_so_only_the_inserts_wait_behind_it(
    any_deps: Deps, alice: Actor
) -> None:
    """From the numbering upsert to the commit an add sends its two inserts and nothing else:
    on PostgreSQL that is how long the counter's row lock keeps the next add of the kind
    waiting."""
    projects.bind_project(any_deps, alice, "Apollo")
    sent: list[str] = []

    @event.listens_for(any_deps.db.engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split("(")[0].strip())

    @event.listens_for(any_deps.db.engine, "commit")
    def _committed(_conn: Any) -> None:
        sent.append("COMMIT")

    items.add_item(any_deps, alice, Kind.RISK, {"title": "a", "link": "https://x.test/p1"}, None)
    event.remove(any_deps.db.engine, "before_cursor_execute", _record)
    event.remove(any_deps.db.engine, "commit", _committed)

    numbering = next(n for n, s in enumerate(sent) if s.startswith("INSERT INTO id_counters"))
    assert sent[numbering + 1 :] == ["INSERT INTO risks", "INSERT INTO audit_events", "COMMIT"]


@pytest.mark.postgres
def test_an_add_waiting_on_its_kinds_counter_does_not_hold_up_other_kinds(
    postgres_engine: Engine, clock: FixedClock, gateway: RecordingGateway, alice: Actor
) -> None:
    deps = make_deps(postgres_engine, clock, gateway)
    projects.bind_project(deps, alice, "Apollo")
    with deps.db.read() as session:
        ws = workspaces.find(session, alice.team_id)
    assert ws is not None
    with Session(postgres_engine) as numbering, ThreadPoolExecutor(max_workers=1) as pool:
        numbering.begin()
        assert workspaces.next_number(numbering, ws, "R") == 1  # R's counter locked, for now
        risk = pool.submit(lambda: items.add_item(deps, alice, Kind.RISK, {"title": "r"}, None))
        started = time.monotonic()
        action = items.add_item(deps, alice, Kind.ACTION, {"title": "a"}, None)
        assert time.monotonic() - started < 1.0
        assert action.item.ref == "A-1"
        with pytest.raises(FutureTimeout):
            risk.result(timeout=0.3)  # the same kind waits for the counter
        numbering.rollback()  # nothing was inserted with that number: it is handed out again
        assert risk.result(timeout=5).item.ref == "R-1"
