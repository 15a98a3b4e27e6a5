"""Every scheduled message exactly once, through real `pmo-bot` processes on PostgreSQL against
the fake Slack: posts that fail after Slack took them (HTTP 500, a dropped connection), workers
whose pass outlasts the stale window, passes killed at random, a chart upload that fails; and
no channel sent more than about a message a second."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from storage.db import Database
from storage.models import Workspace
from tests.e2e.conftest import bot_env, free_port
from tests.support.digest_seed import seed_project
from tests.support.fleet import (
    TEAM,
    Fleet,
    add_standup,
    assert_exactly_once,
    closest_gaps,
    kill_after_posts,
    ledger,
    run_pass,
    running_from,
    seed_standup_prompts,
    wait_until,
)
from tests.support.slack_api import FakeSlackWebAPI

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

AT = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # any day will do: the standups start "now"
STALE_SECONDS = 2  # PMO_CLAIM_STALE_SECONDS: claims older than this look abandoned
SEND_RATE = 200  # PMO_SEND_RATE: high, so the passes' size, not the pacing, sets their length
PACED = 0.9  # seconds at least between two messages in a channel (1 s, less timer jitter)


@pytest.fixture
def fleet(postgres_engine: Engine, fake: FakeSlackWebAPI, tmp_path: Path) -> Iterator[Fleet]:
    url = postgres_engine.url.render_as_string(hide_password=False)
    env = bot_env(url, fake, free_port())
    env |= {"PMO_SEND_RATE": str(SEND_RATE), "PMO_CLAIM_STALE_SECONDS": str(STALE_SECONDS)}
    fleet = Fleet(env, tmp_path)
    yield fleet
    fleet.close()


# -- a. the post went through, the answer did not ----------------------------------------------


@pytest.mark.parametrize("mode", ["500", "reset"], ids=["http-500", "connection-reset"])
def test_a_post_failing_after_slack_took_it_is_found_not_sent_again(
    mode: str, postgres_engine: Engine, fake: FakeSlackWebAPI, fleet: Fleet
) -> None:
    """Slack posts the DM (metadata and all) and then answers 500, or drops the connection
    without an answer: the worker can't tell, so it must look before it sends again."""
    keys = seed_standup_prompts(postgres_engine, 40, AT.date(), created=AT)
    for person in ("U0003", "U0010", "U0021", "U0039"):
        fake.fail_after_post("chat.postMessage", mode=mode, channel=person)  # type: ignore[arg-type]

    run_pass(fleet, fake, AT)
    run_pass(fleet, fake, AT + timedelta(minutes=10))  # past any retry's backoff

    assert_exactly_once(fake, postgres_engine, keys)
    fake.assert_no_violations()


def test_a_thread_reply_failing_after_slack_took_it_is_found_in_its_thread(
    postgres_engine: Engine, fake: FakeSlackWebAPI, fleet: Fleet
) -> None:
    """A digest's thread part posted, then answered 500: it is a reply, which Slack shows in
    conversations.replies, not in the channel's conversations.history."""
    project = seed_project(Database(postgres_engine), team=TEAM, now=FRIDAY, risks=6, actions=0)
    digest = f"digest:{TEAM}:{project}:2026-11-27"
    fake.fail_after_post("chat.postMessage", key=digest + ":2-actions")
    fake.fail_after_post("chat.postMessage", mode="reset", key=digest + ":3-issues")

    run_pass(fleet, fake, FRIDAY)
    run_pass(fleet, fake, FRIDAY + timedelta(minutes=10))

    counts = Counter(fake.posted_keys())
    texts = [digest + part for part in PARTS]
    assert {key: counts[key] for key in texts} == dict.fromkeys(texts, 1)
    rows = ledger(postgres_engine)
    assert {key: rows[key].status for key in texts} == dict.fromkeys(texts, "sent")


# -- b. a pass longer than the stale window ------------------------------------------------------


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now: the standup's day can't end mid-test."""
    offset = 12 - now.hour
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


@pytest.mark.parametrize("workers", [2, 3], ids=["two-workers", "three-workers"])
def test_workers_whose_passes_outlast_the_stale_window_send_each_message_once(
    workers: int, postgres_engine: Engine, fake: FakeSlackWebAPI, fleet: Fleet
) -> None:
    """`pmo-bot worker`s on the real clock, a pass every second, a slow Slack: one pass owes
    150 DMs and takes well over PMO_CLAIM_STALE_SECONDS, so the others start passes while its
    claims are older than the stale window."""
    now = datetime.now(UTC)
    zone = midday_zone(now)
    keys = seed_standup_prompts(
        postgres_engine, 150, now.astimezone(ZoneInfo(zone)).date(), zone=zone, created=now
    )
    fake.set_clock(lambda: datetime.now(UTC))
    fake.slow_down("chat.postMessage", 0.1)

    started = [fleet.start("worker", PMO_TICK_SECONDS="1") for _ in range(workers)]

    def all_sent() -> bool:
        rows = ledger(postgres_engine)
        return all(key in rows and rows[key].status == "sent" for key in keys)

    wait_until(all_sent, 150, "every prompt sent")
    # Each worker ends a pass begun after the last send: one still under way can't double up.
    marks = [process.passes_done() for process in started]
    wait_until(
        lambda: all(p.passes_done() >= m + 2 for p, m in zip(started, marks, strict=True)),
        60,
        "two more passes by every worker",
    )
    for process in started:
        process.stop()
        process.assert_clean()

    assert_exactly_once(fake, postgres_engine, keys)
    durations = [int(d) for p in started for d in re.findall(r"duration_ms=(\d+)", p.log())]
    assert max(durations) > 1000 * STALE_SECONDS, durations  # the window was outlasted


# -- c. kill -9 at random ----------------------------------------------------------------------

KILLED_ROUNDS = 3


def test_passes_killed_at_random_points_then_a_clean_pass_lose_nothing_and_double_nothing(
    postgres_engine: Engine, fake: FakeSlackWebAPI, fleet: Fleet
) -> None:
    """Three passes over 500 DMs, each SIGKILLed after a random number of posts (seeded), each
    `--at` a quarter of an hour after the last (their claims look abandoned to the next); then
    clean passes: every DM once, each in the ledger with its ts."""
    keys = seed_standup_prompts(postgres_engine, 500, AT.date(), created=AT)
    chance = random.Random(14)
    at = AT
    for _ in range(KILLED_ROUNDS):
        fake.set_clock(running_from(at))
        kill_after_posts(fleet.tick(at), fake, chance.randrange(1, len(keys)))
        at += timedelta(minutes=15)

    run_pass(fleet, fake, at)
    run_pass(fleet, fake, at + timedelta(minutes=15))  # past the backoff of what failed

    assert_exactly_once(fake, postgres_engine, keys)


# -- d. a failing chart upload, and the pacing per channel -------------------------------------

FRIDAY = datetime(2026, 11, 27, 16, 0, tzinfo=ZoneInfo("Europe/London"))
PARTS = ["", ":1-risks", ":2-actions", ":3-issues", ":4-standup"]
CHARTS = [":5-chart-risk-heat-map", ":6-chart-action-trend"]


@pytest.mark.parametrize("fault", ["no-upload-url", "upload-500"])
def test_a_failing_chart_upload_leaves_the_digest_sent_once_and_is_retried_alone(
    fault: str, postgres_engine: Engine, fake: FakeSlackWebAPI, fleet: Fleet
) -> None:
    """Apollo's digest is due with its two charts, four escalations in the same channel, and
    Carol owes her reminder and two standups' prompts; the chart uploads fail (Slack gives no
    upload URL, or the upload answers 500). The pass carries on; the digest and its thread
    go out once and stay sent; only the charts are tried again. No channel, DMs included, gets
    more than a message a second."""
    project = seed_project(Database(postgres_engine), team=TEAM, now=FRIDAY, risks=30, actions=8)
    with postgres_engine.connect() as conn:
        workspace = conn.execute(select(Workspace.id)).scalar_one()
    prompts = [
        key
        for channel in ("C0ONE", "C0TWO")
        for key in add_standup(
            postgres_engine, workspace, channel, ["U0CAROL"], FRIDAY.date(), created=FRIDAY
        )
    ]
    digest = f"digest:{TEAM}:{project}:2026-11-27"
    texts = [digest + part for part in PARTS]
    if fault == "no-upload-url":
        fake.set_response("files.getUploadURLExternal", {"ok": True, "file_id": "F0NOURL"})
    else:
        fake.fail_uploads(2 * len(CHARTS))  # both charts, on both passes

    run_pass(fleet, fake, FRIDAY)
    run_pass(fleet, fake, FRIDAY + timedelta(minutes=10))

    rows = ledger(postgres_engine)
    assert {key: rows[key].status for key in texts} == dict.fromkeys(texts, "sent")
    assert {rows[digest + chart].status for chart in CHARTS} <= {"failed", "dropped"}
    assert not fake.calls_to("files.completeUploadExternal")
    counts = Counter(fake.posted_keys())
    assert {key: counts[key] for key in texts} == dict.fromkeys(texts, 1)

    fake.clear_response("files.getUploadURLExternal")  # Slack is well again
    fake.clear_faults()
    run_pass(fleet, fake, FRIDAY + timedelta(hours=1))

    rows = ledger(postgres_engine)
    assert {key: rows[key].status for key in texts} == dict.fromkeys(texts, "sent")
    charts = {chart: rows[digest + chart].status for chart in CHARTS}
    assert set(charts.values()) <= {"sent", "dropped"}, charts
    shares = fake.calls_to("files.completeUploadExternal")
    assert len(shares) == list(charts.values()).count("sent")  # each chart shared once at most
    counts = Counter(fake.posted_keys())
    assert {key: counts[key] for key in texts + prompts} == dict.fromkeys(texts + prompts, 1)
    assert counts[f"reminder:{TEAM}:U0CAROL:2026-11-27"] == 1
    assert max(counts.values()) == 1
    assert len(fake.post_times()["U0CAROL"]) == 3  # her reminder and two prompts
    assert len(fake.post_times()["C0APOLLO"]) >= 9  # the digest and its thread, 4 escalations
    gaps = closest_gaps(fake)
    assert all(gap >= PACED for gap in gaps.values()), gaps
