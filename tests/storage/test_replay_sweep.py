"""The replay ledgers swept by the tick (SQLite and PostgreSQL): rows past the keep window go,
recent ones stay, a pass deletes at most SWEEP_LIMIT, and a replay inside the window is still
a no-op."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.services.events import claim_event
from bot.services.replays import REPLAY_KEEP, SWEEP_LIMIT
from bot.services.sender import TickReport
from bot.services.submissions import ViewKey, first_submission
from bot.services.tick import run_tick
from handlers.blocks.reminders import render_due
from storage.models import ProcessedEvent, ViewSubmission
from tests.conftest import TEAM

SECOND = timedelta(seconds=1)


def tick(deps: Deps, *, dry_run: bool = False) -> TickReport:
    return run_tick(deps, render_due, worker="w1", dry_run=dry_run)


def add_rows(deps: Deps, events: dict[str, datetime], views: dict[str, datetime]) -> None:
    with deps.db.write() as session:
        if events:
            session.execute(
                insert(ProcessedEvent),
                [{"event_id": e, "team_id": TEAM, "received_at": at} for e, at in events.items()],
            )
        if views:
            session.execute(
                insert(ViewSubmission),
                [{"team_id": TEAM, "view_id": v, "received_at": at} for v, at in views.items()],
            )


def kept(deps: Deps) -> tuple[list[str], list[str]]:
    with deps.db.read() as session:
        events = session.scalars(select(ProcessedEvent.event_id).order_by("event_id"))
        views = session.scalars(select(ViewSubmission.view_id).order_by("view_id"))
        return list(events), list(views)


def rows(deps: Deps) -> int:
    with deps.db.read() as session:
        events = session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0
        views = session.scalar(select(func.count()).select_from(ViewSubmission)) or 0
        return events + views


def test_the_tick_forgets_deliveries_past_the_keep_window(
    any_deps: Deps, clock: FixedClock
) -> None:
    now = clock.now()
    ages = {
        "week": timedelta(days=7),
        "just-past": REPLAY_KEEP + SECOND,
        "at-the-edge": REPLAY_KEEP,
        "hour": timedelta(hours=1),
        "now": timedelta(0),
    }
    add_rows(
        any_deps,
        {f"Ev-{name}": now - age for name, age in ages.items()},
        {f"V-{name}": now - age for name, age in ages.items()},
    )

    report = tick(any_deps)

    assert report.swept == 4
    assert kept(any_deps) == (
        ["Ev-at-the-edge", "Ev-hour", "Ev-now"],
        ["V-at-the-edge", "V-hour", "V-now"],
    )


def test_a_pass_sweeps_at_most_the_limit_and_the_next_takes_the_rest(
    any_deps: Deps, clock: FixedClock
) -> None:
    old = clock.now() - REPLAY_KEEP - timedelta(hours=1)
    events = SWEEP_LIMIT + SWEEP_LIMIT // 2
    add_rows(
        any_deps,
        {f"Ev{n:05d}": old for n in range(events)},
        {f"V{n:05d}": old for n in range(300)},
    )

    first, second, third = tick(any_deps), tick(any_deps), tick(any_deps)

    assert (first.swept, second.swept, third.swept) == (SWEEP_LIMIT, events - SWEEP_LIMIT + 300, 0)
    assert rows(any_deps) == 0


def test_a_dry_run_sweeps_nothing(any_deps: Deps, clock: FixedClock) -> None:
    old = clock.now() - 2 * REPLAY_KEEP
    add_rows(any_deps, {"Ev-old": old}, {"V-old": old})

    tick(any_deps, dry_run=True)

    assert kept(any_deps) == (["Ev-old"], ["V-old"])


def test_a_replay_inside_the_window_is_still_a_no_op(any_deps: Deps, clock: FixedClock) -> None:
    view = ViewKey(TEAM, "V0FORM")
    assert claim_event(any_deps, TEAM, "Ev0MENTION")
    with any_deps.db.write() as session:
        assert first_submission(session, view, clock.now())
    clock.advance(REPLAY_KEEP - SECOND)

    assert tick(any_deps).swept == 0
    assert not claim_event(any_deps, TEAM, "Ev0MENTION")
    with any_deps.db.write() as session:
        assert not first_submission(session, view, clock.now())
    clock.advance(2 * SECOND)
    assert tick(any_deps).swept == 2  # past the window: forgotten
