"""Weekly digests through real scheduler passes (SQLite and PostgreSQL): once per project and
week, replies in the parent's thread, caught up within 24 hours, dropped after, off when off."""

from __future__ import annotations

import logging
import sys
import types
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor
from bot.services import digest as digests
from bot.services import digest_charts, digest_content, digest_tick
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from handlers.blocks.reminders import render_due
from tests.support.digest_seed import seed_project
from tests.support.fakes import RecordingGateway
from tests.support.ledger import last_pass_at, passes_after_a_stop
from tests.support.ledger import ledger as ledger_of

FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=ZoneInfo("Europe/London"))
REPLIES = ["1-risks", "2-actions", "3-issues", "4-standup"]


@pytest.fixture
def project(any_deps: Deps) -> int:
    return seed_project(any_deps.db, team="T0001", now=FRIDAY, risks=30, actions=30)


def run(deps: Deps, clock: FixedClock, when: datetime, **options: Any) -> TickReport:
    clock.set(when)
    return run_tick(deps, render_due, worker="w1", **options)


def digest_sends(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [p for p in gateway.posts if str(p.get("key", "")).startswith("digest:")]


def key(project: int, part: str = "") -> str:
    return f"digest:T0001:{project}:2026-11-27" + (f":{part}" if part else "")


def ledger(deps: Deps) -> dict[str, str]:
    return ledger_of(deps, "digest")


def test_a_digest_goes_out_once_with_its_replies_in_its_thread(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    run(any_deps, clock, FRIDAY - timedelta(minutes=1))
    assert digest_sends(gateway) == []
    first = run(any_deps, clock, FRIDAY)
    parent, *replies = digest_sends(gateway)
    assert parent["key"] == key(project)
    assert (parent["channel"], parent["thread_ts"]) == ("C0APOLLO", None)
    assert "Weekly digest for Apollo" in parent["text"]
    assert [r["key"] for r in replies] == [key(project, part) for part in REPLIES]
    parent_ts = f"{gateway.posts.index(parent) + 1}.000"
    assert {(r["channel"], r["thread_ts"]) for r in replies} == {("C0APOLLO", parent_ts)}
    assert first.sent >= 5

    run(any_deps, clock, FRIDAY + timedelta(minutes=1))
    run(any_deps, clock, FRIDAY + timedelta(hours=3))
    assert len(digest_sends(gateway)) == 5
    assert set(ledger(any_deps).values()) == {"sent"}
    assert len(ledger(any_deps)) == 5


def test_a_digest_missed_while_down_goes_out_once_within_24_hours(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    last_pass_at(any_deps, FRIDAY - timedelta(hours=1))
    run(any_deps, clock, FRIDAY + timedelta(hours=23))
    run(any_deps, clock, FRIDAY + timedelta(hours=23, minutes=1))
    assert [p["key"] for p in digest_sends(gateway)] == [key(project)] + [
        key(project, part) for part in REPLIES
    ]


def test_a_digest_more_than_24_hours_late_is_dropped_with_a_log_line(
    any_deps: Deps,
    gateway: RecordingGateway,
    clock: FixedClock,
    project: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dropped = passes_after_a_stop(
        any_deps, lambda at: run(any_deps, clock, at), FRIDAY, timedelta(hours=25), caplog
    )
    assert digest_sends(gateway) == []
    assert dropped == [f"dropped {key(project)}: more than 24 hours late, as no worker ran"]


def test_off_stops_the_digest(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    actor = Actor(team_id="T0001", user_id="U0ALICE", channel_id="C0APOLLO")
    digests.change_digest(any_deps, actor, None, enabled=False)
    run(any_deps, clock, FRIDAY)
    assert digest_sends(gateway) == []
    digests.change_digest(any_deps, actor, None, enabled=True)
    run(any_deps, clock, FRIDAY + timedelta(minutes=5))  # back on within the day: it goes
    assert len(digest_sends(gateway)) == 5


def test_a_moved_digest_follows_its_new_day_and_time_in_the_projects_zone(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    actor = Actor(team_id="T0001", user_id="U0ALICE", channel_id="C0APOLLO")
    clock.set(FRIDAY - timedelta(days=2))
    digests.change_digest(any_deps, actor, None, day=0, at=time(9))
    run(any_deps, clock, FRIDAY)
    assert digest_sends(gateway) == []
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    run(any_deps, clock, monday)
    assert digest_sends(gateway)[0]["key"] == f"digest:T0001:{project}:2026-11-30"


def test_a_channel_that_refuses_for_good_drops_the_digest_and_its_replies(
    any_deps: Deps,
    gateway: RecordingGateway,
    clock: FixedClock,
    project: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway.refusals = ["channel_not_found"]  # the first send of the pass: the digest's parent
    with caplog.at_level(logging.WARNING, logger="pmo_bot.tick"):
        run(any_deps, clock, FRIDAY)
    run(any_deps, clock, FRIDAY + timedelta(minutes=10))
    assert digest_sends(gateway) == []
    assert ledger(any_deps) == {key(project): "dropped"}
    assert any("channel_not_found" in r.message for r in caplog.records)


def test_a_failed_parent_is_retried_and_then_brings_its_replies(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    gateway.refusals = ["ratelimited"]
    run(any_deps, clock, FRIDAY)
    assert ledger(any_deps) == {key(project): "failed"}
    run(any_deps, clock, FRIDAY + timedelta(minutes=2))
    assert [p["key"] for p in digest_sends(gateway)] == [key(project)] + [
        key(project, part) for part in REPLIES
    ]


def test_a_pass_composes_each_digest_once_for_its_parent_and_replies(
    any_deps: Deps,
    gateway: RecordingGateway,
    clock: FixedClock,
    project: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    composed: list[int] = []
    real = digest_content.compose

    def counted(session: Any, project_row: Any, *args: Any) -> Any:
        composed.append(project_row.id)
        return real(session, project_row, *args)

    monkeypatch.setattr(digest_tick, "compose", counted)
    run(any_deps, clock, FRIDAY)
    assert [p["key"] for p in digest_sends(gateway)] == [key(project)] + [
        key(project, part) for part in REPLIES
    ]
    assert composed == [project]  # the replies say what their parent said, drawn once


def test_a_dry_run_describes_the_digest_and_its_thread(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int
) -> None:
    report = run(any_deps, clock, FRIDAY, dry_run=True)
    lines = [line for line in report.lines if "digest:" in line.split("\n")[0]]
    assert lines[0].startswith(f"would send {key(project)} — post in C0APOLLO\n")
    assert "Weekly digest for Apollo" in lines[0]
    assert lines[1].startswith(f"would send {key(project, '1-risks')} — post in C0APOLLO, in the")
    assert len(lines) == 5
    assert gateway.posts == []
    assert ledger(any_deps) == {}


@pytest.fixture(autouse=True)
def text_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts below are of text messages: the charts extra is installed for the tests, so it is
    switched off here except where a test asks for charts."""
    if not {"charts", "real_charts"} & set(request.fixturenames):
        monkeypatch.setattr(digest_charts, "charts_module", lambda: None)


@pytest.fixture
def real_charts() -> None:
    """matplotlib itself, as the `charts` extra installs it."""
    pytest.importorskip("matplotlib")


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A stand-in for the optional `bot.charts` (matplotlib, written elsewhere): records what
    it was asked to draw, so the digest's charts path runs without the extra installed."""
    drawn: list[Any] = []

    def draw(data: Any, png: bytes) -> bytes:
        drawn.append(data)
        return png

    module = types.ModuleType("bot.charts")
    module.available = lambda: True  # type: ignore[attr-defined]
    module.risk_heat_map = lambda counts: draw(counts, b"PNG heat")  # type: ignore[attr-defined]
    module.action_trend = lambda weeks: draw(weeks, b"PNG trend")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.charts", module)
    return drawn


def test_charts_are_uploaded_into_the_thread_after_the_replies(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int, charts: list[Any]
) -> None:
    run(any_deps, clock, FRIDAY)
    run(any_deps, clock, FRIDAY + timedelta(minutes=1))
    files = [p for p in gateway.posts if p["kind"] == "file"]
    parent = digest_sends(gateway)[0]
    parent_ts = f"{gateway.posts.index(parent) + 1}.000"
    assert [(f["filename"], f["content"], f["thread_ts"]) for f in files] == [
        ("risk-heat-map.png", b"PNG heat", parent_ts),
        ("action-trend.png", b"PNG trend", parent_ts),
    ]
    assert gateway.posts.index(files[0]) > gateway.posts.index(digest_sends(gateway)[-1])
    heat_map, trend = charts
    assert sum(heat_map.values()) > 0
    assert len(trend) == 8
    assert ledger(any_deps)[key(project, "5-chart-risk-heat-map")] == "sent"
    assert len(ledger(any_deps)) == 7


def test_a_failed_chart_upload_fails_alone_and_is_retried_by_itself(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int, charts: list[Any]
) -> None:
    gateway.upload_refusals = ["no_upload_url", "internal_error"]  # Slack gave no upload URL
    first = run(any_deps, clock, FRIDAY)
    after = ledger(any_deps)
    second = run(any_deps, clock, FRIDAY + timedelta(minutes=5))
    third = run(any_deps, clock, FRIDAY + timedelta(minutes=10))

    heat_map, trend = key(project, "5-chart-risk-heat-map"), key(project, "6-chart-action-trend")
    assert after[heat_map] == "failed"
    assert after[trend] == "failed"
    assert {k: v for k, v in after.items() if k not in (heat_map, trend)} == dict.fromkeys(
        [key(project), *(key(project, part) for part in REPLIES)], "sent"
    )
    assert (first.failed, second.sent, third.sent) == (2, 2, 0)
    assert set(ledger(any_deps).values()) == {"sent"}  # the replies stayed posted, once
    assert len(digest_sends(gateway)) == 5
    files = [p["filename"] for p in gateway.posts if p["kind"] == "file"]
    assert files == ["risk-heat-map.png", "action-trend.png"]


def test_real_charts_are_pngs_in_the_thread(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, project: int, real_charts: None
) -> None:
    run(any_deps, clock, FRIDAY)
    files = [p for p in gateway.posts if p["kind"] == "file"]
    assert [f["filename"] for f in files] == ["risk-heat-map.png", "action-trend.png"]
    assert all(f["content"].startswith(b"\x89PNG\r\n\x1a\n") for f in files)
    assert len(ledger(any_deps)) == 7
