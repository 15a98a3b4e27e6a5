"""The portfolio's use-cases on a real database with a fixed clock: the trend against 7 days
ago, risks by score band, overdue in each owner's zone, red first, a fixed number of queries,
and the weekly digest's settings."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import event, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.digest_domain import rag_trend
from bot.domain import Actor, Kind, Rag, ScoreBand
from bot.errors import NotFound
from bot.services import portfolio, projects
from bot.services.access import settle_privacy
from storage.models import PortfolioDigest
from tests.support.portfolio_seed import NOW, actor, add, seed_portfolio


def test_rows_come_red_first_with_trend_bands_and_overdue_in_owners_zones(
    deps: Deps, clock: FixedClock
) -> None:
    seeded = seed_portfolio(deps, clock)

    rows = portfolio.portfolio_view(deps, seeded.actors["Apollo"])

    assert [r.project.name for r in rows] == ["Apollo", "Ares", "Hermes", "Nova", "Zeus"]
    by_name = {r.project.name: r for r in rows}
    trends = {
        name: rag_trend(r.status.rag if r.status else None, r.week_ago)
        for name, r in by_name.items()
    }
    assert trends == {
        "Apollo": "worsening",
        "Ares": "steady",
        "Hermes": None,
        "Nova": None,
        "Zeus": "improving",  # red 7 days ago, though its previous entry was amber
    }
    apollo = by_name["Apollo"]
    assert (apollo.open_risks, apollo.top_risk_score) == (4, 20)
    assert apollo.bands == {ScoreBand.HIGH: 2, ScoreBand.MEDIUM: 1, ScoreBand.LOW: 1}
    # Dan's Friday action (Saturday in Tokyo) and Bob's Thursday one; not Bob's or Alice's
    # Friday ones: still Friday in New York and in the project's London.
    assert apollo.overdue_actions == 2
    assert apollo.open_issues == 1
    assert by_name["Nova"].bands == {}
    assert by_name["Nova"].top_risk_score is None


def test_a_day_later_the_trend_moves_with_the_week(deps: Deps, clock: FixedClock) -> None:
    seeded = seed_portfolio(deps, clock)
    clock.set(NOW + timedelta(days=2))  # 7 days before: Apollo green, Zeus red

    rows = {r.project.name: r for r in portfolio.portfolio_view(deps, seeded.actors["Apollo"])}

    assert rows["Apollo"].week_ago is Rag.GREEN
    assert rows["Zeus"].week_ago is Rag.RED
    clock.set(NOW + timedelta(days=6))  # 7 days before: Zeus was amber
    rows = {r.project.name: r for r in portfolio.portfolio_view(deps, seeded.actors["Apollo"])}
    assert rows["Zeus"].week_ago is Rag.AMBER


def test_ties_are_broken_by_most_overdue(deps: Deps, clock: FixedClock) -> None:
    seed_portfolio(deps, clock)
    clock.set(NOW - timedelta(days=20))
    late = actor("C0LATE")
    projects.bind_project(deps, late, "Late")
    for n in range(3):
        add(deps, late, Kind.ACTION, title=f"late {n}", due=(NOW - timedelta(days=5)).date())
    projects.set_status(deps, late, Rag.RED, "slipping", None)
    clock.set(NOW)

    rows = portfolio.portfolio_view(deps, late)

    assert [r.project.name for r in rows][:3] == ["Late", "Apollo", "Ares"]
    assert [r.overdue_actions for r in rows][:3] == [3, 2, 0]


@pytest.mark.parametrize("count", [2, 30])
def test_the_view_costs_the_same_statements_for_2_and_30_projects(
    deps: Deps, clock: FixedClock, count: int
) -> None:
    clock.set(NOW)
    for n in range(count):
        extra = actor(f"C0X{n:04d}")
        projects.bind_project(deps, extra, f"Extra {n}")
        projects.set_status(deps, extra, Rag.AMBER, "why", None)
        add(deps, extra, Kind.RISK, title="r", likelihood=5, impact=n % 5 + 1)
        add(deps, extra, Kind.ACTION, title="a", owner="U0DAN", due=NOW.date())
    settle_privacy(deps)  # as a scheduler pass does: Slack has said which channels are private
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(deps.db.engine, "before_cursor_execute", listener)
    try:
        rows = portfolio.portfolio_view(deps, actor("C0APOLLO"))
    finally:
        event.remove(deps.db.engine, "before_cursor_execute", listener)
    assert len(rows) == count
    assert len(statements) == 7  # the projects and six grouped reads (the workspace is known)


def test_digest_settings_default_move_and_stop(deps: Deps, clock: FixedClock) -> None:
    clock.set(NOW)
    alice = actor("C0APOLLO")
    bob = Actor("T0001", "U0BOB", "C0APOLLO", timezone="America/New_York")

    made = portfolio.set_portfolio_digest(deps, alice, "C0PMO", None, None)
    assert made.created
    assert (made.settings.day, made.settings.at) == (4, time(16, 0))
    assert made.settings.timezone == "Europe/London"
    same = portfolio.set_portfolio_digest(deps, alice, "C0PMO", 4, time(16, 0))
    assert not same.created
    assert same.changes == {}
    moved = portfolio.set_portfolio_digest(deps, bob, "C0PMO", None, time(9, 0))
    assert moved.changes == {
        "time": ["16:00", "09:00"],
        "zone": ["Europe/London", "America/New_York"],
    }
    assert moved.settings.next_at.isoformat() == "2026-12-04T09:00:00-05:00"
    portfolio.set_portfolio_digest(deps, alice, "C0OTHER", 0, time(8, 0))
    assert [s.channel_id for s in portfolio.portfolio_digests(deps, alice)] == [
        "C0PMO",
        "C0OTHER",
    ]

    with pytest.raises(NotFound, match="name the one to stop"):
        portfolio.stop_portfolio_digest(deps, actor("C0ELSEWHERE"), None)
    stopped = portfolio.stop_portfolio_digest(deps, alice, "C0PMO")
    assert stopped.stopped
    assert stopped.settings.channel_id == "C0PMO"
    only = portfolio.stop_portfolio_digest(deps, actor("C0ELSEWHERE"), None)  # the only one
    assert only.settings.channel_id == "C0OTHER"
    with pytest.raises(NotFound, match="none to stop"):
        portfolio.stop_portfolio_digest(deps, alice, None)
    with deps.db.read() as session:
        assert session.scalars(select(PortfolioDigest)).all() == []


def test_another_workspace_sees_none_of_it(deps: Deps, clock: FixedClock) -> None:
    seed_portfolio(deps, clock)
    portfolio.set_portfolio_digest(deps, actor("C0APOLLO"), "C0PMO", None, None)
    intruder = Actor("T0EVIL", "U0EVE", "C0PMO")

    assert portfolio.portfolio_view(deps, intruder) == ()
    assert portfolio.portfolio_digests(deps, intruder) == ()
    with pytest.raises(NotFound):
        portfolio.stop_portfolio_digest(deps, intruder, "C0PMO")
