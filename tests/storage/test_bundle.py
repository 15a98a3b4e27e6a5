"""Backups: a rich workspace exported, imported into a fresh database (SQLite or PostgreSQL,
either way), exported again — the same bytes; numbers, counters, times and the trail kept."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind, Rag
from bot.services import items, portfolio, projects, registers, settings, standups
from bot.services.bundle import export_bundle, import_bundle
from bot.services.bundle_files import BundleError
from storage.db import Database, make_engine
from storage.models import AuditEvent, Base, Standup, StandupAnswer, StandupThread, Workspace
from storage.repositories.bundle import NOT_EXPORTED, SPECS
from storage.schema import upgrade
from tests.conftest import ALICE, BOB, CHANNEL, TEAM, make_deps
from tests.support.databases import fresh_sqlite, require_postgres, scratch_postgres
from tests.support.fakes import RecordingGateway

HOSTILE = 'Vendor <!channel> may "slip", <@U0BOB> & co; résumé ✓ 日本'
MULTILINE = 'weekly calls,\n"escalate" to <https://x.test|VP>\r\nthen, maybe, 50% off'
OTHER_TEAM = "T0002"
VENDOR_TEAM = "T0VENDOR"  # a Slack Connect member's own workspace


def seed(deps: Deps, clock: FixedClock) -> None:
    """Every kind of row a workspace can hold, made through the services."""
    alice = Actor(TEAM, ALICE, CHANNEL, timezone="Europe/London")
    bob = Actor(TEAM, BOB, "C0HERMES", timezone="America/New_York")
    clock.set(datetime(2026, 11, 19, 15, 0, 0, 123456, tzinfo=UTC))

    def step() -> None:
        clock.advance(timedelta(minutes=7, microseconds=1))

    def add(actor: Actor, kind: Kind, **values: Any) -> None:
        items.add_item(deps, actor, kind, values, None)
        step()

    projects.bind_project(deps, alice, "Apollo")
    projects.bind_project(deps, bob, 'Hermès "<b>ops</b>"')
    add(alice, Kind.RISK, title=HOSTILE, likelihood=4, impact=5, owner=BOB, mitigation=MULTILINE)
    add(
        alice,
        Kind.RISK,
        title="\\\\server\\share is down",
        category="infra",
        review=date(2026, 12, 1),
    )
    add(alice, Kind.RISK, title="Key person leaves", description=MULTILINE)
    add(bob, Kind.RISK, title="=cmd|' /C calc'!A0")
    items.update_item(deps, alice, Kind.RISK, 1, {"impact": 3, "owner": ALICE}, "updated")
    step()
    vendor = Actor(TEAM, "U0VENDOR", CHANNEL, home_team=VENDOR_TEAM)
    items.update_item(deps, vendor, Kind.RISK, 1, {"category": "supply"}, "updated")
    step()
    items.close_item(deps, alice, Kind.RISK, 2, "fixed, for good")
    step()
    items.close_item(deps, alice, Kind.RISK, 3, "she left", occurred=True)  # raises I-1
    step()
    add(alice, Kind.ACTION, title="send the contract", owner=BOB, due=date(2026, 11, 23))
    due_at = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    add(alice, Kind.ACTION, title="call <!here>", due=due_at)
    add(bob, Kind.ACTION, title="no due date")
    items.close_item(deps, alice, Kind.ACTION, 2, 'done, "finally"')
    step()
    items.close_item(deps, bob, Kind.ACTION, 3, None)
    step()
    items.reopen_item(deps, bob, Kind.ACTION, 3)
    step()
    add(alice, Kind.ISSUE, title="Build broken", severity="high", due=date(2026, 11, 30))
    items.close_item(deps, alice, Kind.ISSUE, 2, MULTILINE)
    step()
    add(alice, Kind.DECISION, title="Use vendor A", rationale="cheaper", alternatives="B, C")
    add(alice, Kind.DECISION, title="Use vendor B", by=BOB, review=date(2027, 1, 15))
    items.supersede_decision(deps, alice, 1, 2)
    step()
    for rag, reason in ((Rag.GREEN, None), (Rag.AMBER, MULTILINE), (Rag.RED, HOSTILE)):
        projects.set_status(deps, alice, rag, reason, None)
        step()
    settings.change_reminders(deps, bob, None, enabled=False, at=time(8, 30), escalation_days=5)
    settings.add_holiday(deps, alice, date(2026, 12, 25), "Christmas", workspace_wide=True)
    settings.add_holiday(deps, bob, date(2026, 12, 28), None)
    settings.set_away(deps, alice, date(2026, 12, 21), date(2027, 1, 2))
    step()
    standups.configure(
        deps, alice, at=time(9, 30), questions=["Hier ?", "Aujourd'hui ?", 'Bloqué, "vraiment" ?']
    )
    with deps.db.write() as session:  # an answered day: its thread and an answer
        workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
        standup_id = session.scalar(select(Standup.id))
        day, now = date(2026, 11, 20), clock.now()
        thread = StandupThread(
            standup_id=standup_id, day=day, channel_id=CHANNEL, parent_ts="1.2", claimed_at=now
        )
        answer = StandupAnswer(
            workspace_id=workspace_id,
            standup_id=standup_id,
            user_id=BOB,
            day=day,
            answers=["", "ship it", MULTILINE],
            source="dm",
            posted_ts="1763600001.000200",
            created_at=now,
            updated_at=now,
        )
        session.add_all([thread, answer])
    portfolio.set_portfolio_digest(deps, alice, "C0PMO", 0, time(9, 0))
    other = Actor(OTHER_TEAM, "U0CAROL", "C0ZEUS", enterprise_id="E0001", timezone="Asia/Tokyo")
    projects.bind_project(deps, other, "Zeus")
    add(other, Kind.RISK, title="another workspace's risk")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, _template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A second, brand-new database to import into."""
    if request.param == "sqlite":
        engine = fresh_sqlite(_template, tmp_path / "target.db")
        yield engine
        engine.dispose()
        return
    for url in scratch_postgres(require_postgres(), f"bundle_{os.getpid()}"):
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def contents(path: Path) -> dict[str, bytes]:
    """A bundle's files by name (a zip's members; its own timestamps left out)."""
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in sorted(archive.namelist())}
    return {path.name: path.read_bytes()}


OUTS = {"json": "backup.json", "csv": "backup.zip", "csv-folder": "backup"}


@pytest.mark.parametrize("shape", list(OUTS))
def test_export_import_export_gives_the_same_bundle(
    any_deps: Deps, target: Engine, clock: FixedClock, tmp_path: Path, shape: str
) -> None:
    seed(any_deps, clock)
    fmt = shape.split("-")[0]
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()

    exported = export_bundle(any_deps.db, first / OUTS[shape], fmt=fmt)
    imported = import_bundle(Database(target), first / OUTS[shape])
    export_bundle(Database(target), second / OUTS[shape], fmt=fmt)

    assert exported.teams == imported.teams == [TEAM, OTHER_TEAM]
    assert exported.rows == imported.rows
    assert exported.rows["risks"] == 5
    assert exported.rows["audit_events"] == 21
    assert exported.rows["portfolio_digests"] == 1
    assert contents(first / OUTS[shape]) == contents(second / OUTS[shape])
    assert actor_teams(target) == [(ALICE, None), ("U0VENDOR", VENDOR_TEAM)]
    assert readable_alike(any_deps, make_deps(target, clock, RecordingGateway()))


def actor_teams(engine: Engine) -> list[tuple[str, str | None]]:
    """Who changed R-1 in the first workspace, with the actor's own workspace when not ours."""
    stmt = (
        select(AuditEvent.actor_id, AuditEvent.actor_team)
        .join(Workspace, Workspace.id == AuditEvent.workspace_id)
        .where(Workspace.team_id == TEAM, AuditEvent.item_kind == "R", AuditEvent.item_number == 1)
        .distinct()
        .order_by(AuditEvent.actor_id)
    )
    with engine.connect() as conn:
        return [(actor, team) for actor, team in conn.execute(stmt)]


def test_a_bundle_from_before_the_connect_audit_team_still_loads(
    any_deps: Deps, target: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    """Bundles written before audit_events had actor_team load, the column left empty."""
    seed(any_deps, clock)
    path = tmp_path / "old.json"
    export_bundle(any_deps.db, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    for workspace in document["workspaces"]:
        for row in workspace["tables"]["audit_events"]:
            del row["actor_team"]
    path.write_text(json.dumps(document), encoding="utf-8")

    imported = import_bundle(Database(target), path)

    assert imported.rows["audit_events"] == 21
    assert actor_teams(target) == [(ALICE, None), ("U0VENDOR", None)]


def readable_alike(source: Deps, copy: Deps) -> bool:
    """The services read the same registers, trails and statuses from both databases, and the
    next numbers continue where the source's would."""
    alice = Actor(TEAM, ALICE, CHANNEL, timezone="Europe/London")
    for kind in Kind:
        assert registers.list_items(source, alice, kind, "all") == registers.list_items(
            copy, alice, kind, "all"
        )
        for number in (1, 2):
            assert registers.item_history(source, alice, kind, number) == registers.item_history(
                copy, alice, kind, number
            )
    assert projects.project_status(source, alice, None) == projects.project_status(
        copy, alice, None
    )
    assert standups.settings(source, alice) == standups.settings(copy, alice)
    assert portfolio.portfolio_digests(source, alice) == portfolio.portfolio_digests(copy, alice)
    assert portfolio.portfolio_view(source, alice) == portfolio.portfolio_view(copy, alice)
    next_risk = items.add_item(copy, alice, Kind.RISK, {"title": "after the move"}, None)
    next_issue = items.add_item(copy, alice, Kind.ISSUE, {"title": "after the move"}, None)
    assert (next_risk.item.ref, next_issue.item.ref) == ("R-5", "I-3")
    return True


def test_one_team_only(any_deps: Deps, clock: FixedClock, tmp_path: Path) -> None:
    seed(any_deps, clock)

    summary = export_bundle(any_deps.db, tmp_path / "zeus.json", teams=[OTHER_TEAM])

    assert (summary.teams, summary.rows["risks"], summary.rows["projects"]) == ([OTHER_TEAM], 1, 1)
    with pytest.raises(BundleError, match="no workspace T9999"):
        export_bundle(any_deps.db, tmp_path / "none.json", teams=["T9999"])


def test_import_refuses_a_workspace_that_has_data_and_changes_nothing(
    any_deps: Deps, clock: FixedClock, tmp_path: Path
) -> None:
    seed(any_deps, clock)
    export_bundle(any_deps.db, tmp_path / "b.json")
    before = table_counts(any_deps.db.engine)

    with pytest.raises(BundleError, match=f"workspace {TEAM}, {OTHER_TEAM} already has data"):
        import_bundle(any_deps.db, tmp_path / "b.json")

    assert table_counts(any_deps.db.engine) == before


def test_a_broken_bundle_stores_nothing(
    any_deps: Deps, target: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    seed(any_deps, clock)
    folder = tmp_path / "b"
    export_bundle(any_deps.db, folder, fmt="csv")
    answers = folder / "standup_answers.csv"
    answers.write_text(answers.read_text(encoding="utf-8").replace(",dm,", ",dm,oops,"))

    with pytest.raises(BundleError, match=r"standup_answers\.csv line 2"):
        import_bundle(Database(target), folder)

    assert all(n == 0 for n in table_counts(target).values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not a bundle"),
        ('{"format": "other"}', "is not a pmo-bot export bundle"),
        ('{"format": "pmo-bot-bundle", "version": 9}', "bundle version 9"),
        ('{"format": "pmo-bot-bundle", "version": 1, "workspaces": [{}]}', "not a valid bundle"),
        ('{"format": "pmo-bot-bundle", "version": 1, "workspaces": 3}', "not a valid bundle"),
    ],
    ids=["garbage", "foreign", "future", "no-header", "wrong-shape"],
)
def test_files_that_are_not_bundles_are_refused(
    deps: Deps, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BundleError, match=message):
        import_bundle(deps.db, path)


def test_export_never_overwrites(deps: Deps, tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("{}")
    with pytest.raises(BundleError, match="already exists"):
        export_bundle(deps.db, tmp_path / "b.json")


def test_every_table_is_exported_or_knowingly_left_out() -> None:
    """A new table must be added to the bundle (storage/repositories/bundle.py) or to
    NOT_EXPORTED, so backups never silently miss a workspace's data."""
    exported = {spec.name for spec in SPECS}
    assert exported.isdisjoint(NOT_EXPORTED)
    assert set(Base.metadata.tables) == exported | NOT_EXPORTED


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }
