"""A database made by the first release (revision 0001 only), holding that schema's data written
with plain SQL, upgraded to Alembic's head: every row and value still there and read by the
current services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from bot.clock import FixedClock
from bot.domain import Actor, Kind, Rag
from bot.services import items, projects, registers, settings
from storage.db import make_engine
from storage.schema import SchemaState, current_revision, head_revision, schema_state, upgrade
from tests.conftest import make_deps
from tests.support.databases import require_postgres, scratch_postgres
from tests.support.fakes import RecordingGateway

AT = datetime(2026, 10, 1, 8, 30, 15, 250000, tzinfo=UTC)
LATER = datetime(2026, 10, 2, 17, 45, tzinfo=UTC)
DUE_AT = datetime(2026, 11, 3, 16, 0, tzinfo=UTC)
MITIGATION = 'Second supplier, "warm"\nweekly calls <!channel>'
ALICE, BOB = "U0ALICE", "U0BOB"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def first_release(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database migrated to 0001 only."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'first.db'}"])
    else:
        urls = scratch_postgres(require_postgres(), f"upgrade_{os.getpid()}")
    for url in urls:
        engine = make_engine(url)
        upgrade(engine, "0001")
        yield engine
        engine.dispose()


def stamp(engine: Engine, at: datetime) -> Any:
    """A time as the first release stored it: naive UTC text on SQLite, timestamptz on PG."""
    if engine.dialect.name == "sqlite":
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return at


DECISIONS = (
    "decisions (workspace_id, project_id, number, owner_id, status, created_by, created_at, "
    "updated_at, title, rationale, alternatives, decided_on, review_on, superseded_by_id) VALUES "
)
ROWS: list[tuple[str, dict[str, Any]]] = [
    ("workspaces (team_id, enterprise_id, created_at) VALUES ('T1', 'E1', :at)", {}),
    (
        "projects (workspace_id, slug, name, channel_id, timezone, created_by, created_at) "
        "VALUES (:ws, 'apollo', 'Apollo', 'C1', 'Europe/London', :alice, :at), "
        "(:ws, 'hermes', 'Hermès', 'C2', 'America/New_York', :bob, :at)",
        {},
    ),
    ("id_counters (workspace_id, kind, last) VALUES (:ws, 'R', 13), (:ws, 'A', 9)", {}),
    ("id_counters (workspace_id, kind, last) VALUES (:ws, 'I', 3), (:ws, 'D', 5)", {}),
    (
        "risks (workspace_id, project_id, number, owner_id, status, created_by, created_at, "
        "updated_at, title, description, category, likelihood, impact, mitigation, review_on, "
        "closed_at, close_reason) VALUES "
        "(:ws, :apollo, 12, :bob, 'mitigating', :alice, :at, :later, 'Vendor may slip', "
        "'Late parts', 'supply', 4, 5, :mitigation, '2026-11-20', NULL, NULL), "
        "(:ws, :apollo, 13, :alice, 'occurred', :alice, :at, :later, 'Key person leaves', "
        "NULL, NULL, 3, 3, NULL, NULL, :later, 'she left')",
        {},
    ),
    (
        "actions (workspace_id, project_id, number, owner_id, status, created_by, created_at, "
        "updated_at, title, due_on, due_at, done_at, done_note, source_link) VALUES "
        "(:ws, :apollo, 7, :bob, 'open', :alice, :at, :at, 'Send the contract', '2026-11-02', "
        "NULL, NULL, NULL, NULL), "
        "(:ws, :apollo, 8, :alice, 'done', :alice, :at, :later, 'Book the room', '2026-10-02', "
        "NULL, :later, 'booked, room 4', NULL), "
        "(:ws, :hermes, 9, :bob, 'open', :bob, :at, :at, 'Call the vendor', '2026-11-03', :due_at, "
        "NULL, NULL, 'https://example.slack.com/archives/C2/p1')",
        {},
    ),
    (
        "issues (workspace_id, project_id, number, owner_id, status, created_by, created_at, "
        "updated_at, title, description, severity, due_on, due_at, resolved_at, resolution, "
        "risk_id) VALUES (:ws, :apollo, 3, :alice, 'open', :alice, :later, :later, "
        "'Key person leaves', NULL, 'medium', NULL, NULL, NULL, NULL, :r13)",
        {},
    ),
    (
        DECISIONS + "(:ws, :apollo, 5, :bob, 'active', :bob, :later, :later, 'Use vendor B', "
        "'faster', NULL, '2026-10-02', '2027-01-15', NULL)",
        {},
    ),
    (  # superseded by D-5, inserted first so its row id is known
        DECISIONS + "(:ws, :apollo, 4, :alice, 'superseded', :alice, :at, :later, "
        "'Use vendor A', 'cheaper', 'B, C', '2026-10-01', NULL, :d5)",
        {},
    ),
    (
        "status_updates (workspace_id, project_id, rag, reason, author_id, created_at) "
        "VALUES (:ws, :apollo, 'green', NULL, :alice, :at), "
        "(:ws, :apollo, 'red', 'vendor late, \"again\"', :bob, :later)",
        {},
    ),
    (
        "audit_events (workspace_id, project_id, item_kind, item_number, verb, actor_id, at, "
        "changes) VALUES (:ws, :apollo, 'R', 12, 'created', :alice, :at, :created), "
        "(:ws, :apollo, 'R', 12, 'updated', :bob, :later, :updated)",
        {
            "created": json.dumps({"title": [None, "Vendor may slip"], "impact": [None, "5"]}),
            "updated": json.dumps({"status": ["open", "mitigating"], "owner": [ALICE, BOB]}),
        },
    ),
    (
        "user_profiles (workspace_id, user_id, name, timezone, fetched_at) "
        "VALUES (:ws, :alice, 'alice', 'Europe/London', :at)",
        {},
    ),
]


LOOKUPS = {
    "ws": "SELECT id FROM workspaces WHERE team_id = 'T1'",
    "apollo": "SELECT id FROM projects WHERE slug = 'apollo'",
    "hermes": "SELECT id FROM projects WHERE slug = 'hermes'",
    "r13": "SELECT id FROM risks WHERE number = 13",
    "d5": "SELECT id FROM decisions WHERE number = 5",
}


def ids(conn: Connection) -> dict[str, Any]:
    return {name: conn.execute(text(sql)).scalar() for name, sql in LOOKUPS.items()}


def test_data_from_the_first_release_survives_every_migration(first_release: Engine) -> None:
    engine = first_release
    assert current_revision(engine) == "0001"
    common = {"at": stamp(engine, AT), "later": stamp(engine, LATER), "alice": ALICE, "bob": BOB}
    common |= {"due_at": stamp(engine, DUE_AT), "mitigation": MITIGATION}
    with engine.begin() as conn:  # row ids as the database hands them out, links by look-up
        for sql, extra in ROWS:
            conn.execute(text("INSERT INTO " + sql), common | extra)
            common |= ids(conn)

    upgrade(engine)

    assert current_revision(engine) == head_revision()
    assert schema_state(engine) is SchemaState.CURRENT
    deps = make_deps(
        engine, FixedClock(datetime(2026, 10, 5, 9, 0, tzinfo=UTC)), RecordingGateway()
    )
    alice = Actor("T1", ALICE, "C1", timezone="Europe/London")

    risks = registers.list_items(deps, alice, Kind.RISK, "all")
    assert [r.ref for r in risks.items] == ["R-12", "R-13"]
    r12 = registers.show_item(deps, alice, Kind.RISK, 12)
    assert (r12.title, r12.description, r12.category, r12.score) == (
        "Vendor may slip",
        "Late parts",
        "supply",
        20,
    )
    assert (r12.owner_id, r12.status, r12.mitigation) == (BOB, "mitigating", MITIGATION)
    assert (r12.review_on, r12.created_at, r12.updated_at) == (date(2026, 11, 20), AT, LATER)
    r13 = registers.show_item(deps, alice, Kind.RISK, 13)
    assert (r13.status, r13.closed_at, r13.note, r13.links) == (
        "occurred",
        LATER,
        "she left",
        ("I-3",),
    )

    a8 = registers.show_item(deps, alice, Kind.ACTION, 8)
    assert (a8.status, a8.closed_at, a8.note, a8.due_on) == (
        "done",
        LATER,
        "booked, room 4",
        date(2026, 10, 2),
    )
    a9 = registers.show_item(deps, alice, Kind.ACTION, 9)
    assert (a9.project.slug, a9.due_at, a9.source_link) == (
        "hermes",
        DUE_AT,
        "https://example.slack.com/archives/C2/p1",
    )
    i3 = registers.show_item(deps, alice, Kind.ISSUE, 3)
    assert (i3.severity, i3.links) == ("medium", ("R-13",))
    d4 = registers.show_item(deps, alice, Kind.DECISION, 4)
    assert (d4.status, d4.alternatives, d4.decided_on, d4.links) == (
        "superseded",
        "B, C",
        date(2026, 10, 1),
        ("D-5",),
    )

    _, trail = registers.item_history(deps, alice, Kind.RISK, 12)
    assert [(e.verb, e.actor_id, e.at) for e in trail] == [
        ("created", ALICE, AT),
        ("updated", BOB, LATER),
    ]
    assert trail[1].changes == {"status": ["open", "mitigating"], "owner": [ALICE, BOB]}
    status = projects.project_status(deps, alice, None)
    assert status.current is not None
    assert (status.current.rag, status.current.reason, status.current.at) == (
        Rag.RED,
        'vendor late, "again"',
        LATER,
    )
    assert [e.rag for e in status.history] == [Rag.RED, Rag.GREEN]
    reminders = settings.reminder_settings(deps, alice, None)  # columns added by 0003
    assert (reminders.enabled, reminders.at.isoformat(), reminders.escalation_days) == (
        True,
        "09:00:00",
        3,
    )
    # The counters carried over: new items continue the numbering.
    added = [items.add_item(deps, alice, k, {"title": "new"}, None).item.ref for k in Kind]
    assert added == ["R-14", "A-10", "I-4", "D-6"]
