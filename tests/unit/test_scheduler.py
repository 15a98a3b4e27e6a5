"""The worker's APScheduler set-up: two interval jobs (the tick, the App Home redraws), each
coalesced and one at a time, trouble logged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent

from bot.deps import Deps
from bot.scheduler import HOMES_JOB, _on_trouble, build_scheduler, redraw_homes, tick


def test_two_interval_jobs_that_never_overlap(deps: Deps) -> None:
    deps = replace(deps, settings=replace(deps.settings, tick_seconds=45))
    scheduler = build_scheduler(deps)

    job, homes = scheduler.get_jobs()
    assert job.id == "tick"
    assert job.func is tick
    assert job.trigger.interval.total_seconds() == 45
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 45)
    assert job.kwargs["deps"] is deps
    assert job.next_run_time == deps.clock.now()  # the first pass runs at start
    assert (homes.id, homes.func, homes.kwargs["deps"]) == (HOMES_JOB, redraw_homes, deps)
    assert homes.trigger.interval.total_seconds() == 0.25
    assert (homes.coalesce, homes.max_instances) == (True, 1)


def test_missed_and_failed_passes_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    _on_trouble(JobExecutionEvent(EVENT_JOB_MISSED, "tick", "default", at))
    failed = JobExecutionEvent(
        EVENT_JOB_ERROR, "tick", "default", at, exception=RuntimeError("boom")
    )
    _on_trouble(failed)

    assert "a pass was missed (due 2026-11-23 09:00:00+00:00)" in caplog.text
    assert "a pass failed" in caplog.text
    assert "boom" in caplog.text


def test_a_pass_through_the_worker_entry_point(deps: Deps) -> None:
    report = tick(deps, dry_run=True)
    assert (report.due, report.sent) == (0, 0)
