"""The digest's content over a seeded week (a fixed clock, a real database), and its cost: the
same number of SQL statements for a project of 10 items as for one of 10,000."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.digest_domain import Digest
from bot.domain import Actor, Rag
from bot.services import digest as digests
from bot.services.digest_content import compose
from storage.models import (
    Action,
    Decision,
    Issue,
    Project,
    Risk,
    StatusUpdate,
    UserProfile,
    Workspace,
)
from tests.conftest import make_deps
from tests.support.digest_seed import seed_project
from tests.support.fakes import RecordingGateway

LONDON = ZoneInfo("Europe/London")
FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=LONDON)  # the default digest moment; GMT = UTC


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def week(deps: Deps) -> Deps:
    """Apollo's week to Friday 27 November 16:00 London, item by item (see each comment)."""
    with deps.db.write() as session:
        session.execute(insert(Workspace).values(team_id="T0001", created_at=at(1)))
        ws = session.scalar(select(Workspace.id))
        session.execute(
            insert(Project).values(
                workspace_id=ws,
                slug="apollo",
                name="Apollo",
                channel_id="C0APOLLO",
                timezone="Europe/London",
                created_by="U0ALICE",
                created_at=at(1),
            )
        )
        pid = session.scalar(select(Project.id))
        base = {"workspace_id": ws, "project_id": pid, "created_by": "U0ALICE"}

        def item(number: int, owner: str | None, created: datetime, **more: Any) -> Any:
            title = more.pop("title", f"item {number}")
            return {
                **base,
                "number": number,
                "owner_id": owner,
                "created_at": created,
                "updated_at": created,
                "title": title,
                **more,
            }

        session.execute(
            insert(UserProfile),
            [
                {"workspace_id": ws, "user_id": u, "name": n, "timezone": z, "fetched_at": at(1)}
                for u, n, z in (
                    ("U0BOB", "bob", "America/New_York"),
                    ("U0CAROL", "carol", "Europe/London"),
                    ("U0DAN", "dan", "Asia/Tokyo"),
                )
            ],
        )
        open_risk = {"status": "open", "likelihood": 2, "impact": 2}
        session.execute(
            insert(Risk),
            [
                item(1, "U0BOB", at(23), **open_risk | {"likelihood": 4, "impact": 5}),  # opened
                item(2, "U0BOB", at(10), status="closed", likelihood=3, impact=3, closed_at=at(25)),
                item(3, "U0CAROL", at(1), **open_risk),
                item(4, "U0CAROL", at(20, 15), **open_risk),  # 15:00 UTC: just before the week
            ],
        )
        session.execute(
            insert(Action),
            [
                item(1, "U0BOB", at(23), status="open", due_on=date(2026, 11, 27)),  # NY: today
                item(2, "U0DAN", at(23), status="open", due_on=date(2026, 11, 27)),  # Tokyo: late
                item(3, "U0CAROL", at(23), status="open", due_on=date(2026, 11, 26)),
                item(4, "U0CAROL", at(2), status="open", due_on=date(2026, 11, 20)),
                item(5, "U0BOB", at(2), status="done", due_on=date(2026, 11, 25), done_at=at(25)),
                item(6, "U0BOB", at(24), status="open", due_on=date(2026, 12, 2)),  # next week
                item(7, "U0DAN", at(24), status="open", due_on=date(2026, 12, 10)),
                item(8, None, at(2), status="open", due_on=date(2026, 11, 1)),
                item(
                    9,
                    "U0BOB",
                    at(24),
                    status="open",
                    due_on=date(2026, 11, 27),
                    due_at=at(27, 15),  # an hour before the digest: late in any zone
                ),
            ],
        )
        session.execute(
            insert(Issue),
            [
                item(1, "U0DAN", at(24), status="open", severity="high"),
                item(2, "U0DAN", at(1), status="resolved", severity="low", resolved_at=at(26)),
            ],
        )
        session.execute(
            insert(Decision),
            [
                item(1, "U0CAROL", at(26), status="active", decided_on=date(2026, 11, 26)),
                item(2, "U0CAROL", at(1), status="active", decided_on=date(2026, 11, 1)),
            ],
        )
        session.execute(
            insert(StatusUpdate),
            [
                {
                    **base,
                    "rag": "amber",
                    "reason": "vendor late",
                    "author_id": "U0A",
                    "created_at": at(15),
                },
                {
                    **base,
                    "rag": "green",
                    "reason": "signed",
                    "author_id": "U0A",
                    "created_at": at(24),
                },
            ],
        )
    return deps


def composed(deps: Deps, ends_at: datetime = FRIDAY) -> Digest:
    with deps.db.read() as session:
        project = session.scalars(select(Project)).one()
        return compose(session, project, "T0001", ends_at)


def refs(items: Any) -> list[str]:
    return [item.ref for item in items]


def test_a_week_is_counted_and_listed(week: Deps) -> None:
    digest = composed(week)
    assert (digest.starts_at, digest.local_day) == (FRIDAY - timedelta(days=7), date(2026, 11, 27))
    assert (digest.rag and digest.rag.rag, digest.last_week and digest.last_week.rag) == (
        Rag.GREEN,
        Rag.AMBER,
    )
    assert digest.trend == "improving"
    assert (digest.risks_opened.total, refs(digest.risks_opened.items)) == (1, ["R-1"])
    assert (digest.risks_closed.total, refs(digest.risks_closed.items)) == (1, ["R-2"])
    assert digest.top_risks.total == 3
    assert refs(digest.top_risks.items)[0] == "R-1"
    assert digest.heat_map == {(4, 5): 1, (2, 2): 2}
    assert (digest.actions_done.total, refs(digest.actions_done.items)) == (1, ["A-5"])
    assert (digest.due_next_week.total, refs(digest.due_next_week.items)) == (1, ["A-6"])
    assert (digest.issues_opened.total, digest.issues_resolved.total, digest.issues_open) == (
        1,
        1,
        1,
    )
    assert (digest.decisions.total, refs(digest.decisions.items)) == (1, ["D-1"])
    assert digest.standup is None  # no standup in #C0APOLLO
    assert digest.names == {"U0BOB": "bob", "U0CAROL": "carol", "U0DAN": "dan"}


def test_overdue_is_judged_in_each_owners_zone_and_grouped_by_owner(week: Deps) -> None:
    digest = composed(week)
    # are both due Friday: still today for Bob in New York (11:00), but already
    # Saturday for Dan in Tokyo (01:00). A-9 was due at 15:00 UTC: late everywhere.
    by_owner = {load.owner_id: (load.count, refs(load.items)) for load in digest.overdue}
    assert by_owner == {
        "U0CAROL": (2, ["A-4", "A-3"]),
        "U0BOB": (1, ["A-9"]),
        "U0DAN": (1, ["A-2"]),
        None: (1, ["A-8"]),
    }
    assert (digest.overdue_total, digest.overdue_owners) == (5, 4)
    assert next(load.owner_id for load in digest.overdue) == "U0CAROL"  # most overdue first


def test_the_trend_covers_eight_weeks_from_monday_in_the_projects_zone(week: Deps) -> None:
    digest = composed(week)
    mondays = [week_start for week_start, _, _ in digest.action_trend]
    assert len(mondays) == 8
    assert mondays[-1] == date(2026, 11, 23)
    assert all(day.weekday() == 0 for day in mondays)
    assert digest.action_trend[-1] == (date(2026, 11, 23), 6, 1)  # A-1,2,3,6,7,9 opened; A-5 done
    assert digest.action_trend[-2] == (date(2026, 11, 16), 0, 0)
    assert digest.action_trend[-3] == (date(2026, 11, 9), 0, 0)
    assert sum(opened for _, opened, _ in digest.action_trend) == 9


def test_a_worsening_week_and_a_week_without_history(week: Deps) -> None:
    with week.db.write() as session:
        ws, pid = session.execute(select(Project.workspace_id, Project.id)).one()
        session.execute(
            insert(StatusUpdate).values(
                workspace_id=ws,
                project_id=pid,
                rag="red",
                reason="rig down",
                author_id="U0A",
                created_at=at(26),
            )
        )
    assert composed(week).trend == "worsening"
    early = composed(week, at(10))  # before any status
    assert (early.rag, early.last_week, early.trend) == (None, None, None)


def test_settings_move_the_digest_and_say_when_it_is_next(
    week: Deps, clock: FixedClock, alice: Actor
) -> None:
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # a Wednesday
    shown = digests.digest_settings(week, alice, None)
    assert (shown.enabled, shown.day, shown.at, shown.mentions) == (True, 4, time(16), False)
    assert shown.next_at == FRIDAY
    change = digests.change_digest(week, alice, None, day=0, at=time(9, 30))
    assert change.changes == {"day": ["Friday", "Monday"], "time": ["16:00", "09:30"]}
    assert change.settings.next_at == datetime(2026, 11, 30, 9, 30, tzinfo=LONDON)
    off = digests.change_digest(week, alice, None, enabled=False)
    assert off.changes == {"digest": ["on", "off"]}
    assert off.settings.next_at is None
    again = digests.change_digest(week, alice, None, day=0, mentions=True)
    assert again.changes == {"digest": ["off", "on"], "mentions": ["off", "on"]}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_composing_costs_the_same_statements_for_10_and_10000_items(
    any_engine: Engine, clock: FixedClock, gateway: RecordingGateway
) -> None:
    deps = make_deps(any_engine, clock, gateway)
    now = clock.now()
    seed_project(deps.db, team="T0SMALL", now=now, risks=5, actions=5)
    seed_project(deps.db, team="T0BIG", now=now, risks=5000, actions=5000)
    counts, digests_made = {}, {}
    for team in ("T0SMALL", "T0BIG"):
        with deps.db.read() as session:
            project = session.scalars(
                select(Project).join(Workspace).where(Workspace.team_id == team)
            ).one()
            with statements(any_engine) as seen:
                digests_made[team] = compose(session, project, team, now)
            counts[team] = len(seen)
    assert counts["T0SMALL"] == counts["T0BIG"] <= 25
    big = digests_made["T0BIG"]
    assert big.top_risks.total > 3000
    assert len(big.top_risks.items) == 10
    assert big.overdue_total > 1000
    assert big.standup is not None
    assert big.standup.overall.answered == 4
    assert big.standup.overall.prompted == 10
