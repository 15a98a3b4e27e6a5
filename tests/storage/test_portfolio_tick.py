"""Weekly portfolio digests through real scheduler passes (SQLite and PostgreSQL): once per
channel and week, caught up within 24 hours, dropped after, stopped by `off`, never sent to an
uninstalled workspace, described by a dry run."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.clock import FixedClock
from bot.deps import Deps
from bot.services import portfolio
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from bot.slack import SendResult
from handlers.blocks.reminders import render_due
from storage.models import Project, Workspace
from tests.conftest import make_deps
from tests.support.fakes import RecordingGateway
from tests.support.ledger import ledger as ledger_of
from tests.support.ledger import passes_after_a_stop
from tests.support.portfolio_seed import SEEDED, actor, seed_portfolio

FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=ZoneInfo("Europe/London"))
KEY = "portfolio:T0001:C0PMO:2026-11-27"


@pytest.fixture
def weekly(any_deps: Deps, clock: FixedClock) -> None:
    """Five projects, and their portfolio set for #pmo-office on Fridays at 16:00 London."""
    seed_portfolio(any_deps, clock)
    clock.set(SEEDED)
    portfolio.set_portfolio_digest(any_deps, actor("C0APOLLO"), "C0PMO", 4, time(16, 0))


def run(deps: Deps, clock: FixedClock, when: datetime, **options: Any) -> TickReport:
    clock.set(when)
    return run_tick(deps, render_due, worker="w1", **options)


def sends(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [p for p in gateway.posts if str(p.get("key", "")).startswith("portfolio:")]


def ledger(deps: Deps) -> dict[str, str]:
    return ledger_of(deps, "portfolio")


@pytest.mark.usefixtures("weekly")
def test_the_portfolio_goes_out_once_a_week(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    run(any_deps, clock, FRIDAY - timedelta(minutes=1))
    assert sends(gateway) == []
    run(any_deps, clock, FRIDAY)
    [sent] = sends(gateway)
    assert (sent["key"], sent["channel"]) == (KEY, "C0PMO")
    assert sent["text"] == "Weekly portfolio — Fri 27 Nov: 5 projects, 2 red"
    run(any_deps, clock, FRIDAY + timedelta(minutes=1))
    run(any_deps, clock, FRIDAY + timedelta(hours=3))
    assert len(sends(gateway)) == 1
    assert ledger(any_deps) == {KEY: "sent"}

    run(any_deps, clock, FRIDAY + timedelta(days=7))
    assert [s["key"] for s in sends(gateway)] == [KEY, "portfolio:T0001:C0PMO:2026-12-04"]


DROPPED = f"dropped {KEY}: more than 24 hours late, as no worker ran"


@pytest.mark.usefixtures("weekly")
@pytest.mark.parametrize(
    ("late", "sent", "logged"),
    [(timedelta(hours=23), [KEY], []), (timedelta(hours=25), [], [DROPPED])],
    ids=["23h-late-goes-once", "25h-late-is-dropped-with-a-log-line"],
)
def test_one_missed_while_down_goes_out_once_within_24_hours_else_is_dropped(
    any_deps: Deps,
    gateway: RecordingGateway,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    late: timedelta,
    sent: list[str],
    logged: list[str],
) -> None:
    dropped = passes_after_a_stop(
        any_deps, lambda at: run(any_deps, clock, at), FRIDAY, late, caplog
    )
    assert [s["key"] for s in sends(gateway)] == sent
    assert [line for line in dropped if "portfolio:" in line] == logged  # not the projects'


@pytest.mark.usefixtures("weekly")
def test_off_stops_it(any_deps: Deps, gateway: RecordingGateway, clock: FixedClock) -> None:
    clock.set(FRIDAY - timedelta(hours=1))
    portfolio.stop_portfolio_digest(any_deps, actor("C0APOLLO"), "C0PMO")
    run(any_deps, clock, FRIDAY)
    run(any_deps, clock, FRIDAY + timedelta(days=7))
    assert sends(gateway) == []
    assert ledger(any_deps) == {}


@pytest.mark.usefixtures("weekly")
def test_nothing_goes_to_an_uninstalled_workspace(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    with any_deps.db.write() as session:
        session.execute(update(Workspace).values(uninstalled_at=FRIDAY - timedelta(days=1)))
    run(any_deps, clock, FRIDAY)
    run(any_deps, clock, FRIDAY + timedelta(minutes=5))
    assert sends(gateway) == []
    assert ledger(any_deps) == {KEY: "dropped"}


@pytest.mark.usefixtures("weekly")
def test_a_dry_run_describes_it_and_sends_nothing(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    report = run(any_deps, clock, FRIDAY, dry_run=True)
    [line] = [line for line in report.lines if line.startswith(f"would send {KEY}")]
    assert line.startswith(f"would send {KEY} — post in C0PMO\n")
    assert "Weekly portfolio — Fri 27 Nov" in line
    assert gateway.posts == []
    assert ledger(any_deps) == {}


class ClosedToTheBot(RecordingGateway):
    """Slack as it answers when the bot is not in #pmo-office."""

    def send(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        key: str,
        thread_ts: str | None = None,
    ) -> SendResult:
        if channel == "C0PMO":
            self.refused.append((key, "not_in_channel"))
            return SendResult(ok=False, error="not_in_channel")
        return super().send(channel, text, blocks, key, thread_ts)


@pytest.mark.usefixtures("weekly")
def test_a_channel_closed_to_the_bot_is_not_retried_and_its_setter_is_told_once(
    any_deps: Deps, clock: FixedClock
) -> None:
    closed = ClosedToTheBot(zones={"U0ALICE": "Europe/London"})
    deps = make_deps(any_deps.db.engine, clock, closed)

    run(deps, clock, FRIDAY)
    run(deps, clock, FRIDAY + timedelta(hours=1))

    assert closed.refused == [(KEY, "not_in_channel")]
    assert ledger(deps) == {KEY: "dropped"}
    notices = [p for p in closed.posts if str(p.get("key", "")).startswith("channel-lost:")]
    assert [(p["channel"], p["key"].rsplit(":", 1)[0]) for p in notices] == [
        ("U0ALICE", "channel-lost:T0001:C0PMO")
    ]


def forget_privacy(deps: Deps) -> None:
    with deps.db.write() as session:
        session.execute(update(Project).values(private=None))


@pytest.mark.usefixtures("weekly")
def test_a_private_project_is_left_out_and_counted_and_privacy_is_stored(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    forget_privacy(any_deps)  # bound before privacy was kept (migration 0009)
    gateway.private |= {"C0ZEUS", "C0PMO"}  # Zeus works in a private channel; so does #pmo

    run(any_deps, clock, FRIDAY)

    [sent] = sends(gateway)
    assert sent["text"] == "Weekly portfolio — Fri 27 Nov: 4 projects, 2 red"
    shown = str(sent["blocks"])
    assert "Zeus" not in shown
    assert "1 private project left out" in shown
    with any_deps.db.read() as session:
        stored = dict(session.execute(select(Project.channel_id, Project.private)).all())
    assert stored["C0ZEUS"] is True
    assert all(private is False for channel, private in stored.items() if channel != "C0ZEUS")
    asked = len(gateway.privacy_asked)
    run(any_deps, clock, FRIDAY + timedelta(minutes=1))
    assert len(gateway.privacy_asked) == asked  # stored: not asked again


@pytest.mark.usefixtures("weekly")
def test_a_private_project_shows_in_a_portfolio_posted_in_its_own_channel(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock
) -> None:
    forget_privacy(any_deps)
    gateway.private.add("C0ZEUS")
    clock.set(SEEDED)
    portfolio.set_portfolio_digest(any_deps, actor("C0ZEUS"), "C0ZEUS", 4, time(16, 0))

    run(any_deps, clock, FRIDAY)

    by_channel = {s["channel"]: str(s["blocks"]) for s in sends(gateway)}
    assert "Zeus" in by_channel["C0ZEUS"]
    assert "Zeus" not in by_channel["C0PMO"]
