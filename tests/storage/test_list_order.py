"""Lists read from their index: the stored order columns stay right through every write path,
the migration fills them in, and every list sends Slack exactly what the old sorted query did."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, case, func, select, text
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import OPEN_STATUSES, Actor, ItemPage, Kind
from bot.services import items, registers
from bot.services.bundle import export_bundle, import_bundle
from bot.services.registers import PAGE_SIZE, SCOPE_STATUSES, TOP_SIZE
from bot.services.rows import to_item
from bot.services.scope import project_ref
from handlers.blocks.items import render_page
from handlers.blocks.text import Viewer
from storage import models
from storage.db import Database
from storage.models import Action, Decision, Issue, Project, Risk, Workspace
from storage.repositories.items import MODELS, ItemRow
from storage.repositories.projects import overdue
from storage.schema import upgrade
from tests.conftest import make_deps
from tests.support.databases import fresh_sqlite, undo_register_versions
from tests.support.digest_seed import seed_project
from tests.support.fakes import RecordingGateway

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # a Friday afternoon in London
TEAM = "TLISTS"
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def actor(zone: str = "Europe/London", user: str = "U0BOB") -> Actor:
    return Actor(team_id=TEAM, user_id=user, channel_id="C0APOLLO", timezone=zone)


@pytest.fixture
def lists(any_engine: Engine) -> Deps:
    deps = make_deps(any_engine, FixedClock(NOW), RecordingGateway())
    seed_project(deps.db, team=TEAM, now=NOW, risks=0, actions=0, issues=0, decisions=0)
    return deps


def stored_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every item's stored order columns beside what they derive from, as one list."""
    out: list[tuple[Any, ...]] = []
    with Session(engine) as session:
        for kind, model in MODELS.items():
            found = cast(Sequence[ItemRow], session.scalars(select(model).order_by(model.id)).all())
            for row in found:
                out.append((kind, row.number, row.status, row.is_open, *_derived(row)))
    return out


def _derived(row: ItemRow) -> tuple[Any, ...]:
    if isinstance(row, Risk):
        return (row.likelihood * row.impact, row.score)
    if isinstance(row, Issue):
        return (SEVERITY_RANK.get(row.severity, 0), row.severity_rank)
    return ()


def assert_stored_right(engine: Engine) -> None:
    rows = stored_rows(engine)
    assert rows
    for kind, number, status, is_open, *pair in rows:
        assert is_open is (status in OPEN_STATUSES[Kind(kind)]), (kind, number, status)
        if pair:
            assert pair[0] == pair[1], (kind, number, pair)


def add(deps: Deps, kind: Kind, **values: Any) -> int:
    return items.add_item(deps, actor(), kind, values, None).item.number


def _add_every_kind(deps: Deps) -> None:
    add(deps, Kind.RISK, title="r", likelihood=2, impact=5)
    add(deps, Kind.ACTION, title="a", due=date(2026, 11, 30))
    add(deps, Kind.ISSUE, title="i", severity="critical")
    add(deps, Kind.DECISION, title="d")


def _update_levels(deps: Deps) -> None:
    number = add(deps, Kind.RISK, title="r")
    items.update_item(deps, actor(), Kind.RISK, number, {"impact": 5}, "updated")
    items.update_item(deps, actor(), Kind.RISK, number, {"likelihood": 1}, "updated")
    issue = add(deps, Kind.ISSUE, title="i")
    items.update_item(deps, actor(), Kind.ISSUE, issue, {"severity": "low"}, "updated")


def _status_field(deps: Deps) -> None:
    number = add(deps, Kind.RISK, title="r")
    items.update_item(deps, actor(), Kind.RISK, number, {"status": "mitigating"}, "updated")


def _close_each_kind(deps: Deps) -> None:
    for kind in (Kind.RISK, Kind.ACTION, Kind.ISSUE):
        items.close_item(deps, actor(), kind, add(deps, kind, title="x"), "done with")


def _occurred(deps: Deps) -> None:
    number = add(deps, Kind.RISK, title="r", impact=5)
    items.close_item(deps, actor(), Kind.RISK, number, None, occurred=True)


def _reopen_each_kind(deps: Deps) -> None:
    for kind in (Kind.RISK, Kind.ACTION, Kind.ISSUE):
        number = add(deps, kind, title="x")
        items.close_item(deps, actor(), kind, number, None)
        items.reopen_item(deps, actor(), kind, number)


def _supersede(deps: Deps) -> None:
    old, new = add(deps, Kind.DECISION, title="old"), add(deps, Kind.DECISION, title="new")
    items.supersede_decision(deps, actor(), old, new)


WRITES: dict[str, Callable[[Deps], None]] = {
    "add": _add_every_kind,
    "update-levels": _update_levels,
    "update-status": _status_field,
    "close": _close_each_kind,
    "occurred": _occurred,
    "reopen": _reopen_each_kind,
    "supersede": _supersede,
}


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_each_write_path_keeps_the_order_columns_right(lists: Deps, write: Any) -> None:
    write(lists)
    assert_stored_right(lists.db.engine)


def test_bulk_inserts_and_a_bundle_restore_compute_them_too(
    any_engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = Database(any_engine)
    seed_project(source, team=TEAM, now=NOW, risks=40, actions=40, issues=12, decisions=6)
    assert_stored_right(any_engine)
    export_bundle(source, tmp_path / "backup.json")
    assert "is_open" not in (tmp_path / "backup.json").read_text()
    target = fresh_sqlite(request.getfixturevalue("_template"), tmp_path / "target.db")
    import_bundle(Database(target), tmp_path / "backup.json")
    assert_stored_right(target)
    assert stored_rows(target) == stored_rows(any_engine)
    target.dispose()


def test_the_migration_fills_them_in_for_rows_already_there(any_engine: Engine) -> None:
    with any_engine.begin() as conn:  # back to 0011, then a register written before 0012
        conn.execute(text("DELETE FROM alembic_version"))
        undo_register_versions(conn)
        for table in ("risks", "actions", "issues", "decisions"):
            conn.execute(text(f"DROP INDEX ix_{table}_page"))
            for column in ("is_open", "score", "severity_rank"):
                if column in {c.name for c in models.Base.metadata.tables[table].c}:
                    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0011')"))
    seed_project(Database(any_engine), team=TEAM, now=NOW, risks=30, actions=8, issues=8)
    upgrade(any_engine)
    assert_stored_right(any_engine)
    with any_engine.connect() as conn:
        scores = conn.execute(text("SELECT sum(score) FROM risks WHERE is_open")).scalar()
        assert scores == sum((1 + n % 5) * (1 + (n // 5) % 5) for n in range(1, 31) if n % 5 != 0)


def test_open_risks_are_read_in_order_from_the_index_on_sqlite(deps: Deps) -> None:
    seed_project(deps.db, team=TEAM, now=NOW, risks=300, actions=0)
    with deps.db.engine.connect() as conn:
        plan = conn.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT number FROM risks WHERE workspace_id = 1 AND "
                "project_id = 1 AND is_open = 1 ORDER BY is_open DESC, score DESC, number "
                "LIMIT 20"
            )
        ).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_risks_page" in details
    assert "TEMP B-TREE" not in details


def test_the_stored_open_statuses_are_the_domains() -> None:
    assert {Kind(k): frozenset(v) for k, v in models.OPEN_STATUSES.items()} == OPEN_STATUSES
    assert models.SEVERITY_RANK == SEVERITY_RANK


# --- The lists send what they did before ------------------------------------------------------


def old_page(
    session: Session, ws: int, kind: str, project_id: int, statuses: Sequence[str] | None,
    owner_id: str | None, overdue_only: bool, now: datetime, today: date, offset: int,
    limit: int,
) -> tuple[list[ItemRow], int]:  # fmt: skip
    """The page query before the order was stored: every matching row sorted by computed keys."""
    model = MODELS[kind]
    where: list[Any] = [model.workspace_id == ws, model.project_id == project_id]
    if statuses is not None:
        where.append(model.status.in_(statuses))
    if owner_id is not None:
        where.append(model.owner_id == owner_id)
    if overdue_only:
        where.append(overdue(now, today))
    stmt = select(model).where(*where).order_by(*old_order(kind, now, today))
    found = list(session.scalars(stmt.offset(offset).limit(limit)))
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return found, total  # type: ignore[return-value]


def old_order(kind: str, now: datetime, today: date) -> list[Any]:
    if kind == "R":
        open_first = case((Risk.status.in_(("open", "mitigating")), 0), else_=1)
        return [open_first, (Risk.likelihood * Risk.impact).desc(), Risk.number]
    if kind == "A":
        late = case((Action.status != "open", 2), (overdue(now, today), 0), else_=1)
        return [late, Action.due_on.asc().nulls_last(), Action.number]
    if kind == "I":
        rank = case(SEVERITY_RANK, value=Issue.severity, else_=0)
        open_first = case((Issue.status == "open", 0), else_=1)
        return [open_first, rank.desc(), Issue.due_on.asc().nulls_last(), Issue.number]
    active_first = case((Decision.status == "active", 0), else_=1)
    return [active_first, Decision.number.desc()]


def old_list(deps: Deps, who: Actor, kind: Kind, scope: str, page: int) -> ItemPage:
    """registers.list_items as it was, over the old query."""
    now = deps.clock.now()
    today = now.astimezone(ZoneInfo(who.timezone)).date()
    statuses: tuple[str, ...] | None = tuple(OPEN_STATUSES[kind])
    if scope in SCOPE_STATUSES:
        statuses = SCOPE_STATUSES[scope]
    elif scope == "all":
        statuses = None
    owner_id = who.user_id if scope == "mine" else None
    size = TOP_SIZE if scope == "top" else PAGE_SIZE
    page = 1 if scope == "top" else page
    with deps.db.read() as session:
        ws = session.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
        project = session.scalars(select(Project).where(Project.workspace_id == ws)).one()
        assert ws is not None
        rows, total = old_page(
            session, ws, kind.value, project.id, statuses, owner_id, scope == "overdue",
            now, today, (page - 1) * size, size,
        )  # fmt: skip
        ref = project_ref(project)
        found = tuple(to_item(row, ref) for row in rows)
    return ItemPage(kind, ref, scope, found, total, page, size, owner_id)


def varied_register(deps: Deps) -> None:
    """Ties on every order key, every state, due days and times either side of now in several
    zones, missing dues, every kind; bulk-inserted rows and ones written by the use-cases."""
    seed_project(deps.db, team=TEAM, now=NOW, risks=70, actions=0, issues=0, decisions=0)
    with deps.db.write() as session:  # the bulk rows took
        ws = session.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
        session.add(models.IdCounter(workspace_id=ws, kind="R", last=70))
    for n in range(1, 50):
        due: date | datetime | None = None
        if n % 4 == 1:
            due = NOW.date() + timedelta(days=n % 9 - 4)
        elif n % 4 == 2:  # a time today or tomorrow, before or after now
            due = (NOW + timedelta(hours=(n % 13) * 3 - 18)).astimezone(ZoneInfo("Asia/Tokyo"))
        owner = ("U0BOB", "U0DAN")[n % 2]
        values: dict[str, Any] = {"title": f"action {n}", "owner": owner}
        if due is not None:
            values["due"] = due
        number = add(deps, Kind.ACTION, **values)
        if n % 5 == 0:
            items.close_item(deps, actor(), Kind.ACTION, number, None)
    for n in range(1, 30):
        severity = ("low", "medium", "high", "critical")[n % 4]
        values = {"title": f"issue {n}", "severity": severity}
        if n % 3:
            values["due"] = NOW.date() + timedelta(days=n % 4)
        number = add(deps, Kind.ISSUE, **values)
        if n % 4 == 0:
            items.close_item(deps, actor(), Kind.ISSUE, number, "fixed")
    for n in range(1, 27):
        add(deps, Kind.DECISION, title=f"decision {n}")
    for old, new in ((1, 2), (3, 4), (7, 11), (12, 26), (20, 21)):
        items.supersede_decision(deps, actor(), old, new)
    for number in (3, 14, 31):  # use-case writes among the bulk-inserted risks
        items.update_item(deps, actor(), Kind.RISK, number, {"impact": 5}, "updated")
    items.close_item(deps, actor(), Kind.RISK, 8, None, occurred=True)
    items.reopen_item(deps, actor(), Kind.RISK, 10)
    items.update_item(deps, actor(), Kind.RISK, 12, {"status": "mitigating"}, "updated")


SCOPES = {
    Kind.RISK: ("open", "top", "mine", "all", "closed"),
    Kind.ACTION: ("open", "mine", "overdue", "all", "done"),
    Kind.ISSUE: ("open", "mine", "all", "resolved"),
    Kind.DECISION: ("active", "all", "superseded"),
}


@pytest.mark.parametrize("kind", list(SCOPES), ids=[kind.name for kind in SCOPES])
def test_every_list_sends_slack_what_the_old_query_did(any_engine: Engine, kind: Kind) -> None:
    lists = make_deps(any_engine, FixedClock(NOW), RecordingGateway())
    varied_register(lists)
    assert old_list(lists, actor(), kind, "all", 1).total > PAGE_SIZE  # pages really are cut
    for scope in SCOPES[kind]:
        for zone in ("Europe/London", "Asia/Tokyo", "America/Los_Angeles"):
            who = actor(zone, "U0DAN" if zone == "Asia/Tokyo" else "U0BOB")
            viewer = Viewer(NOW, zone)
            for page in (1, 2, 3, 9):
                old = old_list(lists, who, kind, scope, page)
                new = registers.list_items(lists, who, kind, scope, page=page)
                assert new == old, (scope, zone, page)
                sent = json.dumps(render_page(new, viewer).payload(), sort_keys=True)
                assert sent == json.dumps(render_page(old, viewer).payload(), sort_keys=True)
