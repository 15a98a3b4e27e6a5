"""Every write to a register bumps its version, whatever wrote it (the database's triggers):
the adds, updates, closes, reopens and supersedes of the use-cases, the presses on a list's
controls, a bundle restore's bulk inserts, and raw updates and deletes no use-case makes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import Kind
from bot.services import controls
from bot.services.bundle import export_bundle, import_bundle
from storage.db import Database
from storage.models import RegisterVersion
from storage.repositories.items import MODELS
from tests.storage.test_list_order import NOW, TEAM, WRITES, actor, add, lists
from tests.support.databases import fresh_sqlite
from tests.support.digest_seed import seed_project

__all__ = ["lists"]  # the fixture, shared with the list-order tests

Versions = dict[tuple[int, str], int]


def versions(engine: Engine) -> Versions:
    with Session(engine) as session:
        rows = session.execute(select(RegisterVersion)).scalars()
        return {(row.project_id, row.kind): row.version for row in rows}


def rows_of(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every column of every item, by kind."""
    with engine.connect() as conn:
        return {
            kind: [tuple(row) for row in conn.execute(select(model).order_by(model.id))]
            for kind, model in MODELS.items()
        }


def kinds_bumped(before: Versions, after: Versions) -> set[str]:
    return {
        kind
        for (project, kind), version in after.items()
        if version > before.get((project, kind), 0)
    }


def assert_each_changed_register_bumped(engine: Engine, write: Callable[[], object]) -> None:
    """Run `write`; every register whose rows it changed has a higher version, the others
    keep theirs."""
    rows_before, before = rows_of(engine), versions(engine)
    write()
    rows_after, after = rows_of(engine), versions(engine)
    changed = {kind for kind in rows_after if rows_after[kind] != rows_before[kind]}
    assert changed, "the write changed nothing: the test proves nothing"
    assert kinds_bumped(before, after) == changed


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_each_use_case_write_bumps_its_registers_version(
    lists: Deps, write: Callable[[Deps], None]
) -> None:
    assert_each_changed_register_bumped(lists.db.engine, lambda: write(lists))


@pytest.mark.parametrize("control", ["done", "snooze_day", "snooze_week", "reassign"])
def test_each_press_on_a_lists_controls_bumps_it(lists: Deps, control: str) -> None:
    number = add(lists, Kind.ACTION, title="draft the plan", due=NOW.date())
    assignee = "U0CAROL" if control == "reassign" else None
    assert_each_changed_register_bumped(
        lists.db.engine,
        lambda: controls.press(lists, actor(), Kind.ACTION, number, control, assignee=assignee),
    )


def test_a_restore_and_raw_updates_and_deletes_bump_it(
    any_engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = Database(any_engine)
    seed_project(source, team=TEAM, now=NOW, risks=12, actions=12, issues=3, decisions=2)
    seeded = versions(any_engine)
    assert {kind for _, kind in seeded} == {"R", "A", "I", "D"}  # bulk inserts count too
    export_bundle(source, tmp_path / "backup.json")
    target = fresh_sqlite(request.getfixturevalue("_template"), tmp_path / "target.db")
    import_bundle(Database(target), tmp_path / "backup.json")
    assert {kind for _, kind in versions(target)} == {"R", "A", "I", "D"}
    target.dispose()

    def raw(statement: str) -> Callable[[], None]:
        def run() -> None:
            with any_engine.begin() as conn:
                conn.execute(text(statement))

        return run

    assert_each_changed_register_bumped(any_engine, raw("UPDATE risks SET title = 'renamed'"))
    assert_each_changed_register_bumped(
        any_engine, raw("DELETE FROM decisions WHERE number = (SELECT min(number) FROM decisions)")
    )


def test_a_write_that_rolls_back_leaves_the_version_as_it_was(lists: Deps) -> None:
    add(lists, Kind.RISK, title="r")
    before = versions(lists.db.engine)
    with pytest.raises(RuntimeError), lists.db.write() as session:  # noqa: PT012
        session.execute(text("UPDATE risks SET title = 'half-written'"))
        raise RuntimeError("the use-case failed")
    assert versions(lists.db.engine) == before
