"""The standup planner with a fixed clock: prompts in each member's own zone, nudges, summaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain import DEFAULT_QUESTIONS, StandupConfig
from bot.services.standup_schedule import (
    StandupSnapshot,
    plan_standups,
    prompt_key,
    summary_key,
)

WS, TEAM = 1, "T0001"
LONDON, TOKYO, LA = "Europe/London", "Asia/Tokyo", "America/Los_Angeles"
MONDAY = date(2026, 11, 23)
STANDUP = StandupConfig(
    id=7,
    workspace_id=WS,
    team_id=TEAM,
    channel_id="C0APOLLO",
    enabled=True,
    at_time=time(9, 30),
    days=(0, 1, 2, 3, 4),
    questions=DEFAULT_QUESTIONS,
    members_mode="list",
    members=("U0ANN", "U0KEN", "U0LIZ"),
    nudge_minutes=120,
    cutoff_minutes=240,
    timezone=LONDON,
)
ZONES = {(WS, "U0ANN"): LONDON, (WS, "U0KEN"): TOKYO, (WS, "U0LIZ"): LA}


def at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def snapshot(now: datetime, **changes: Any) -> StandupSnapshot:
    return replace(StandupSnapshot(now=now, standups=(STANDUP,), zones=ZONES), **changes)


def prompted(now: datetime, **changes: Any) -> set[str]:
    return {p.user_id for p in plan_standups(snapshot(now, **changes)).prompts}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(MONDAY, 9, 29, TOKYO), set()),
        (at(MONDAY, 9, 30, TOKYO), {"U0KEN"}),
        (at(MONDAY, 9, 30, LONDON), {"U0KEN", "U0ANN"}),
        # LA's 09:30 is 02:30 on Tuesday in Tokyo: Ken's Monday is over, his Tuesday not begun
        (at(MONDAY, 9, 30, LA), {"U0ANN", "U0LIZ"}),
        # Monday 23:00 in LA is Tuesday 07:00 in London and 16:00 in Tokyo: Ken's Tuesday has come
        (at(MONDAY, 23, 0, LA), {"U0KEN", "U0LIZ"}),
    ],
    ids=["before-anyone", "tokyo", "london", "los-angeles", "la-evening"],
)
def test_each_member_is_prompted_at_the_time_in_their_zone(
    now: datetime, expected: set[str]
) -> None:
    assert prompted(now) == expected


def test_the_prompt_key_is_the_members_local_day() -> None:
    plan = plan_standups(snapshot(at(MONDAY, 23, 0, LA)))
    keys = {p.user_id: p.key for p in plan.prompts}
    assert keys["U0LIZ"] == prompt_key(STANDUP, "U0LIZ", MONDAY)
    assert keys["U0KEN"] == prompt_key(STANDUP, "U0KEN", MONDAY + timedelta(days=1))


def test_weekends_holidays_and_away_members_are_not_prompted() -> None:
    saturday = at(date(2026, 11, 28), 10, 0, LONDON)
    assert prompted(saturday) == set()
    holiday = {WS: {None: frozenset({MONDAY})}}
    assert prompted(at(MONDAY, 10, 0, LONDON), holidays=holiday) == set()
    project_holiday = {WS: {42: frozenset({MONDAY})}}
    channel = {(WS, "C0APOLLO"): 42}
    assert (
        prompted(at(MONDAY, 10, 0, LONDON), holidays=project_holiday, channel_projects=channel)
        == set()
    )
    away = {(WS, "U0ANN"): ((MONDAY, MONDAY),)}
    assert prompted(at(MONDAY, 10, 0, LONDON), away=away) == {"U0KEN"}


def test_chosen_days_and_run_now() -> None:
    mon_wed_fri = replace(STANDUP, days=(0, 2, 4))
    tuesday = at(date(2026, 11, 24), 10, 0, LONDON)
    assert prompted(tuesday, standups=(mon_wed_fri,)) == set()
    now_today = replace(mon_wed_fri, run_now_on=date(2026, 11, 24))
    # 10:00 in London is already Tuesday in Tokyo and still Tuesday (02:00) in Los Angeles
    assert prompted(tuesday, standups=(now_today,)) == {"U0ANN", "U0KEN", "U0LIZ"}
    early = at(date(2026, 11, 24), 7, 0, LONDON)  # `/standup now` at 07:00: no waiting for 09:30
    assert "U0ANN" in prompted(early, standups=(now_today,))


def test_one_nudge_after_the_delay_unless_answered() -> None:
    sent = at(MONDAY, 9, 30, LONDON)
    prompted_at = {(7, "U0ANN", MONDAY): sent}
    before = plan_standups(snapshot(sent + timedelta(minutes=119), prompted_at=prompted_at))
    after = plan_standups(snapshot(sent + timedelta(minutes=120), prompted_at=prompted_at))
    answered = plan_standups(
        snapshot(
            sent + timedelta(minutes=120),
            prompted_at=prompted_at,
            answered=frozenset({(7, "U0ANN", MONDAY)}),
        )
    )

    assert before.nudges == ()
    assert [n.key for n in after.nudges] == [f"standup-nudge:{TEAM}:7:U0ANN:2026-11-23"]
    assert after.nudges[0].nudge is True
    assert answered.nudges == ()


def sent_prompts() -> dict[tuple[int, str, date], datetime]:
    return {(7, user, MONDAY): at(MONDAY, 9, 30, ZONES[(WS, user)]) for user in STANDUP.members}


def test_the_summary_comes_at_the_cutoff_after_the_latest_members_prompt() -> None:
    # Liz in Los Angeles is prompted last (17:30 UTC); the cutoff is four hours later.
    cutoff = at(MONDAY, 9, 30, LA) + timedelta(hours=4)
    answered = frozenset({(7, "U0ANN", MONDAY), (7, "U0LIZ", MONDAY)})
    early = plan_standups(
        snapshot(cutoff - timedelta(minutes=1), prompted_at=sent_prompts(), answered=answered)
    )
    due = plan_standups(
        snapshot(
            cutoff,
            prompted_at=sent_prompts(),
            answered=answered,
            threads={(7, MONDAY): "1700.1"},
        )
    )

    assert early.summaries == ()
    [summary] = due.summaries
    assert summary.key == summary_key(STANDUP, MONDAY)
    assert (summary.answered, summary.missing, summary.away) == (("U0ANN", "U0LIZ"), ("U0KEN",), ())
    assert summary.thread_ts == "1700.1"


def test_a_west_member_answering_after_utc_midnight_counts_for_their_day() -> None:
    # Liz answers at 17:00 in Los Angeles on Monday: already Tuesday 01:00 UTC, yet her answer
    # is Monday's (the day of her prompt), and Monday's summary counts it.
    late = at(MONDAY, 17, 0, LA)
    assert late.astimezone(UTC).date() == MONDAY + timedelta(days=1)
    cutoff = at(MONDAY, 9, 30, LA) + timedelta(hours=4)
    answered = frozenset({(7, "U0LIZ", MONDAY)})
    [summary] = plan_standups(
        snapshot(cutoff, prompted_at=sent_prompts(), answered=answered)
    ).summaries
    assert summary.local_day == MONDAY
    assert summary.answered == ("U0LIZ",)
    # and she is not nudged for a day she has answered
    after = plan_standups(snapshot(late, prompted_at=sent_prompts(), answered=answered))
    assert "U0LIZ" not in {n.user_id for n in after.nudges}


def test_away_members_are_listed_as_away_in_the_summary() -> None:
    away = {(WS, "U0KEN"): ((MONDAY, MONDAY),)}
    prompts = {k: v for k, v in sent_prompts().items() if k[1] != "U0KEN"}
    now = at(MONDAY, 9, 30, LA) + timedelta(hours=5)
    [summary] = plan_standups(snapshot(now, prompted_at=prompts, away=away)).summaries
    assert (summary.away, summary.missing) == (("U0KEN",), ("U0ANN", "U0LIZ"))


def test_no_summary_for_a_day_no_prompt_went_out() -> None:
    plan = plan_standups(snapshot(at(MONDAY, 23, 0, LONDON)))
    assert plan.summaries == ()


def test_a_disabled_standup_does_nothing() -> None:
    off = replace(STANDUP, enabled=False)
    plan = plan_standups(
        snapshot(at(MONDAY, 12, 0, LONDON), standups=(off,), prompted_at=sent_prompts())
    )
    assert (plan.prompts, plan.nudges, plan.summaries) == ((), (), ())
