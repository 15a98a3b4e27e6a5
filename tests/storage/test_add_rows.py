"""What an add stores and answers, pinned: every column of the item, its audit row, the counters
and the reply JSON, for each kind and the fields an add may set, on SQLite and PostgreSQL.

`add_rows.json` was recorded from the ORM implementation the prebuilt Core statements replaced
(bot.services.items.add_item); the rewrite must store and answer exactly the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from sqlalchemy import select

from bot.app import create_app
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.fields import Value
from bot.logs import log_context
from bot.services import items, people, projects
from bot.services.submissions import ViewKey
from storage.models import (
    Action,
    AuditEvent,
    Base,
    Decision,
    IdCounter,
    Issue,
    Risk,
    ViewSubmission,
)
from tests.conftest import ALICE, BOB, CHANNEL, TEAM

GOLDEN = Path(__file__).with_name("add_rows.json")
LINK = "https://example.slack.com/archives/C0APOLLO/p1700000000000100"
COMMANDS: list[tuple[str, str, str]] = [
    ("/risk", "add Vendor may slip impact:high likelihood:3", ALICE),
    (
        "/risk",
        f'add Budget overrun desc:"Q3 spend" cat:finance mit:"weekly review" review:friday '
        f"owner:<@{BOB}> link:{LINK}",
        ALICE,
    ),
    ("/risk", "add Closed before it started status:closed", BOB),
    ("/action", f'add Send the deck due:"friday 17:00" owner:<@{BOB}>', BOB),
    ("/action", "add Book the room by:tomorrow", ALICE),
    ("/issue", 'add Build broken sev:critical due:monday fix:"revert it"', ALICE),
    ("/issue", "add Flaky tests status:resolved", BOB),
    ("/decision", 'add Use PostgreSQL why:"it scales" alts:"MySQL" review:"next month"', BOB),
    ("/decision", f"add Ship on Tuesdays by:<@{BOB}>", ALICE),
]
TABLES = (Risk, Action, Issue, Decision, AuditEvent, IdCounter, ViewSubmission)


def _command(command: str, text: str, user: str) -> BoltRequest:
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": "http://127.0.0.1:9/unused",
        }
    )
    return BoltRequest(body=body, headers={"content-type": "application/x-www-form-urlencoded"})


def stored(deps: Deps) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables an add writes, column by column, in insertion order (the
    columns it writes: those the database computes are tests/storage/test_list_order.py's)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with deps.db.read() as session:
        for model in TABLES:
            table = Base.metadata.tables[model.__tablename__]
            written = [column for column in table.columns if column.computed is None]
            stmt = select(*written).order_by(*table.primary_key)
            rows = session.execute(stmt).mappings()
            found[table.name] = [dict(row) for row in rows]
    return found


def recorded(deps: Deps, alice: Actor) -> dict[str, Any]:
    for user, zone in ((ALICE, "Europe/London"), (BOB, "America/New_York")):
        people.remember_profile(deps, alice, user, user.lower(), zone)
    projects.bind_project(deps, alice, "Apollo")
    app = create_app(deps, offline=True)
    answers = []
    for command, text, user in COMMANDS:
        with log_context():  # as the WSGI layer wraps each request (Bolt binds its fields)
            response = app.dispatch(_command(command, text, user))
        assert response.status == 200, response.body
        answers.append(json.loads(response.body))
    view = ViewKey(TEAM, "V0FORM")
    values: dict[str, Value] = {"title": "From the form", "severity": "high"}
    first = items.add_item(deps, alice, Kind.ISSUE, values, None, view=view)
    again = items.add_item(deps, alice, Kind.ISSUE, values, None, view=view)
    assert first is not None
    assert again is None  # the same submission delivered twice: stored once
    return {"answers": answers, "form": repr(first), "rows": stored(deps)}


def as_json(value: Any) -> Any:
    """Types each database reads back alike (aware datetimes, dates, dicts) as JSON text."""
    return json.loads(json.dumps(value, default=str))


def test_adds_store_and_answer_exactly_what_they_did(any_deps: Deps, alice: Actor) -> None:
    got = as_json(recorded(any_deps, alice))
    assert all(answer["response_type"] == "in_channel" for answer in got["answers"])
    golden = json.loads(GOLDEN.read_text())
    assert got == golden
    # In the same order too: the audit's `changes` are stored as JSON text, keys in field order.
    assert json.dumps(got) == json.dumps(golden)
