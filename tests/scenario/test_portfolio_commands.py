"""`/pmo portfolio …` as signed slash commands through the real app, against the fake Slack Web
API: the view red first, the weekly digest set, shown, moved and stopped, refusals that store
nothing, and the worker's pass posting it in its channel once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.deps import Deps
from bot.services.tick import run_tick
from handlers.blocks.reminders import render_due
from storage.models import PortfolioDigest
from tests.scenario.conftest import SlackSide, reply_text, stored
from tests.support.slack_api import FakeSlackWebAPI

PMO = "<#C0PMO|pmo-office>"
FRIDAY = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 16:00 in London too, in November


def digests(engine: Engine) -> list[tuple[str, int, str, str]]:
    return [(d.channel_id, d.day, d.time, d.timezone) for d in stored(engine, PortfolioDigest)]


def seed(slack: SlackSide) -> None:
    slack.reply("/pmo", "project Apollo")
    slack.reply("/pmo", "status green")
    slack.reply("/risk", "add Vendor may slip impact:high likelihood:4")
    slack.reply("/pmo", "project Zeus", channel_id="C0ZEUS")
    slack.reply("/pmo", 'status red "budget &lt;!channel&gt; &amp; co"', channel_id="C0ZEUS")


def test_the_portfolio_shows_red_first_with_bands(slack: SlackSide) -> None:
    seed(slack)

    shown = slack.reply("/pmo", "portfolio")

    assert shown["response_type"] == "ephemeral"
    text = reply_text(shown)
    assert text.index("*Zeus*") < text.index("*Apollo*")
    assert "_budget &lt;!channel&gt; &amp; co_" in text
    assert "1 open risk (1 high, 0 medium, 0 low; top :red_circle: 16)" in text


def test_the_weekly_digest_is_set_shown_moved_and_stopped(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    assert "No weekly portfolio digest" in reply_text(slack.reply("/pmo", "portfolio digest"))

    made = slack.reply("/pmo", f"portfolio digest {PMO}")
    assert made["response_type"] == "in_channel"
    assert "in <#C0PMO>: *Fridays at 16:00 (Europe/London)*" in reply_text(made)
    assert digests(sqlite_engine) == [("C0PMO", 4, "16:00", "Europe/London")]

    moved = slack.reply("/pmo", f"portfolio digest {PMO} monday 9:30am", user_id="U0BOB")
    assert "*Mondays at 09:30 (America/New_York)*" in reply_text(moved)
    listed = slack.reply("/pmo", "portfolio digest")
    assert listed["response_type"] == "ephemeral"
    assert "<#C0PMO> — Mondays at 09:30 (America/New_York)" in reply_text(listed)

    stopped = slack.reply("/pmo", f"portfolio digest off {PMO}")
    assert "stopped the weekly portfolio digest in <#C0PMO>" in reply_text(stopped)
    assert digests(sqlite_engine) == []


def test_bad_input_gets_usage_and_an_example_and_stores_nothing(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    for text in (
        "portfolio digest friday 16:00",
        "portfolio digest #pmo-office friday 16:00",
        f"portfolio digest {PMO} someday",
        f"portfolio digest {PMO} friday 25:00",
        "portfolio soon",
    ):
        refused = slack.reply("/pmo", text)
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:* `/pmo portfolio [digest" in reply_text(refused), text
        assert "*Example:* `/pmo portfolio digest #pmo-office friday 16:00`" in reply_text(refused)
    off = slack.reply("/pmo", "portfolio digest off")
    assert "none to stop" in reply_text(off)
    slack.settle()
    assert digests(sqlite_engine) == []
    assert fake.calls_to("chat.postMessage") == []


def test_the_worker_posts_the_portfolio_in_its_channel_once(
    slack: SlackSide, app_deps: Deps, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    seed(slack)
    slack.reply("/pmo", f"portfolio digest {PMO} friday 16:00")
    slack.settle()

    for when in (FRIDAY - timedelta(minutes=1), FRIDAY, FRIDAY + timedelta(minutes=1)):
        clock.set(when)
        run_tick(app_deps, render_due, worker="w1")

    [posted] = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "C0PMO"]
    assert posted.params["text"] == "Weekly portfolio — Fri 20 Nov: 2 projects, 1 red"
    blocks = str(posted.params["blocks"])
    assert blocks.index("*Zeus*") < blocks.index("*Apollo*")
    assert "budget &lt;!channel&gt; &amp; co" in blocks
