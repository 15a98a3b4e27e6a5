"""A standup day through real scheduler passes (SQLite and PostgreSQL): prompts once per member
and day in their own zones, one nudge, one summary in the day's thread."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import DEFAULT_QUESTIONS
from bot.services.sender import TickReport
from bot.services.tick import run_tick
from handlers.blocks.reminders import render_due
from handlers.ids import STANDUP_ANSWER
from storage.models import Standup, StandupAnswer, StandupThread, UserProfile, Workspace
from tests.support.fakes import RecordingGateway

MONDAY = date(2026, 11, 23)
ZONES = {"U0ANN": "Europe/London", "U0KEN": "Asia/Tokyo", "U0LIZ": "America/Los_Angeles"}


def at(hour: int, minute: int, zone: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


@pytest.fixture
def standup(any_deps: Deps, clock: FixedClock) -> int:
    """#apollo's standup at 09:30 on weekdays for Ann (London), Ken (Tokyo), Liz (Los Angeles)."""
    now = clock.now()
    with any_deps.db.write() as session:
        session.execute(insert(Workspace).values(team_id="T0001", created_at=now))
        ws = session.scalar(select(Workspace.id))
        session.execute(
            insert(UserProfile),
            [
                {"workspace_id": ws, "user_id": user, "timezone": zone, "fetched_at": now}
                for user, zone in ZONES.items()
            ],
        )
        session.execute(
            insert(Standup).values(
                workspace_id=ws,
                channel_id="C0APOLLO",
                enabled=True,
                at_time="09:30",
                days="mon,tue,wed,thu,fri",
                questions=list(DEFAULT_QUESTIONS),
                members_mode="list",
                members=list(ZONES),
                nudge_minutes=120,
                cutoff_minutes=240,
                timezone="Europe/London",
                created_by="U0ANN",
                created_at=now,
                updated_at=now,
            )
        )
        standup_id: int | None = session.scalar(select(Standup.id))
    assert standup_id is not None
    return standup_id


def run(deps: Deps, clock: FixedClock, when: datetime) -> TickReport:
    clock.set(when)
    return run_tick(deps, render_due, worker="w1")


def sends(gateway: RecordingGateway, prefix: str) -> list[dict[str, Any]]:
    return [p for p in gateway.posts if p["kind"] == "send" and p["key"].startswith(prefix)]


def answer(deps: Deps, standup_id: int, user: str, day: date, clock: FixedClock) -> None:
    with deps.db.write() as session:
        ws = session.scalar(select(Workspace.id))
        session.add(
            StandupAnswer(
                workspace_id=ws,
                standup_id=standup_id,
                user_id=user,
                day=day,
                answers=["shipped the deck", "call the vendor", "none"],
                source="dm",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )


def test_a_standup_day_prompts_nudges_and_sums_up_once(
    any_deps: Deps, gateway: RecordingGateway, clock: FixedClock, standup: int
) -> None:
    run(any_deps, clock, at(9, 30, "Asia/Tokyo"))  # Ken, 00:30 UTC
    run(any_deps, clock, at(9, 30, "Asia/Tokyo") + timedelta(minutes=1))  # again: nothing new
    run(any_deps, clock, at(9, 30, "Europe/London"))  # Ann
    answer(any_deps, standup, "U0ANN", MONDAY, clock)
    run(any_deps, clock, at(9, 30, "America/Los_Angeles"))  # Liz; Ken and Ann past 2 hours
    # Liz answers at 17:00 her time, which is already Tuesday 01:00 UTC
    answer(any_deps, standup, "U0LIZ", MONDAY, clock)
    with any_deps.db.write() as session:
        session.add(
            StandupThread(
                standup_id=standup,
                day=MONDAY,
                channel_id="C0APOLLO",
                parent_ts="1700.1",
                claimed_at=clock.now(),
            )
        )
    run(any_deps, clock, at(13, 30, "America/Los_Angeles"))  # the cutoff: 4 h after Liz's prompt
    run(any_deps, clock, at(13, 45, "America/Los_Angeles"))

    prompts = sends(gateway, "standup-prompt:")
    assert sorted(p["channel"] for p in prompts) == ["U0ANN", "U0KEN", "U0LIZ"]
    assert {p["key"].rsplit(":", 1)[1] for p in prompts} == {"2026-11-23"}  # each one's Monday
    button = prompts[0]["blocks"][1]["elements"][0]
    assert (button["action_id"], button["value"]) == (STANDUP_ANSWER, f"{standup}:2026-11-23")
    nudges = sends(gateway, "standup-nudge:")
    assert [n["channel"] for n in nudges] == ["U0KEN"]  # Ann had answered by then
    [summary] = sends(gateway, "standup-summary:")
    assert (summary["channel"], summary["thread_ts"]) == ("C0APOLLO", "1700.1")
    assert "2 of 3 answered" in summary["text"]
    assert "*Missing* (1): <@U0KEN>" in str(summary["blocks"])
