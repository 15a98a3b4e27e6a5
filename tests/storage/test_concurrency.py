"""Many commands at once: human ids stay unique and nothing is lost, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from sqlalchemy import func, select

from bot.app import create_app
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, projects
from storage.models import AuditEvent, Risk
from tests.conftest import CHANNEL, TEAM

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

    assert all(r["response_type"] == "in_channel" for r in replies), replies[0]
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
