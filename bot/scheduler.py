"""`pmo-bot worker`: APScheduler with two interval jobs, the tick and the App Home redraws; the
database is the memory."""

from __future__ import annotations

import logging
import os
import signal
import socket
from types import FrameType

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import Deps
from bot.services.home import drain_homes
from bot.services.sender import TickReport
from bot.services.standup_answers import post_pending
from bot.services.tick import run_tick
from handlers.blocks.home import draw_home
from handlers.blocks.plain import to_text
from handlers.blocks.reminders import render_due
from handlers.blocks.standup_thread import THREAD

log = logging.getLogger("pmo_bot.worker")
# Sends in flight at once in a pass: Slack's round trips, not our CPU, set a pass's pace.
IN_FLIGHT = 4
HOMES_JOB = "homes"
HOMES_SECONDS = 0.25  # how often the worker looks for stale Homes (one indexed read)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(deps: Deps, *, dry_run: bool = False) -> TickReport:
    """One pass, with the renderers the worker uses, paced as the settings say (the worker's
    and `pmo-bot tick`'s alike); a dry run draws messages as plain text.

    After the scheduled sends, standup answers that could not be posted at once (their day's
    thread was being created by someone else) are posted in their thread.
    """
    report = run_tick(
        deps,
        render_due,
        worker=worker_id(),
        dry_run=dry_run,
        describe=lambda text, blocks: to_text(text, blocks, {}),
        in_flight=IN_FLIGHT,
    )
    if not dry_run:
        posted = post_pending(deps, render=THREAD)
        if posted:
            log.info("posted %d standup answers left waiting for their thread", posted)
    return report


def redraw_homes(deps: Deps) -> int:
    """One round of App Home redraws: each Home a change made stale, drawn once."""
    published = drain_homes(deps, draw_home)
    if published:
        log.debug("redrew %d Home tabs", published)
    return published


def build_scheduler(deps: Deps) -> BlockingScheduler:
    """Two jobs, each never two at once with missed runs merged: the tick, every
    PMO_TICK_SECONDS, and the App Home redraws every HOMES_SECONDS."""
    seconds = deps.settings.tick_seconds
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=seconds, timezone="UTC"),
        kwargs={"deps": deps},
        id="tick",
        name="scheduler pass",
        coalesce=True,  # after a stall, one pass catches up; the database knows what is owed
        max_instances=1,
        misfire_grace_time=seconds,
        next_run_time=deps.clock.now(),
    )
    scheduler.add_job(
        redraw_homes,
        IntervalTrigger(seconds=HOMES_SECONDS, timezone="UTC"),
        kwargs={"deps": deps},
        id=HOMES_JOB,
        name="App Home redraws",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=1,
    )
    scheduler.add_listener(
        _on_trouble, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES
    )
    return scheduler


def run_worker(deps: Deps) -> None:
    scheduler = build_scheduler(deps)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current pass, then stopping", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker %s: a pass every %ss", worker_id(), deps.settings.tick_seconds)
    scheduler.start()


def _on_trouble(event: JobExecutionEvent) -> None:
    if event.job_id == HOMES_JOB and event.code != EVENT_JOB_ERROR:
        return  # a slow round of redraws: the next one takes what is still stale
    if event.job_id == HOMES_JOB:
        log.error("redrawing Home tabs failed: %s", event.exception, exc_info=event.exception)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("a pass was missed (due %s): the next one catches up", event.scheduled_run_time)
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log.warning("a pass is still running; this one is skipped")
    else:
        log.error("a pass failed: %s", event.exception, exc_info=event.exception)
