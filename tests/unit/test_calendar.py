"""Calendars: the pure working-day, away and clock rules, and the reminder-settings, holiday and
away use-cases on a real database (SQLite, and PostgreSQL where storage matters)."""

from __future__ import annotations

import threading
import time as time_module
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import (
    Actor,
    AwayChange,
    AwaySpan,
    AwayStatus,
    HolidayChange,
    HolidayEntry,
    HolidayList,
    ProjectRef,
    ReminderSettings,
    SettingsChange,
)
from bot.errors import NotFound, ParseError, UserError
from bot.services import projects
from bot.services import settings as calendar_settings
from bot.services.calendar import is_away, is_working_day, parse_clock, working_days_after
from handlers.blocks.settings import (
    render_away,
    render_away_change,
    render_holiday_change,
    render_holidays,
    render_reminder_settings,
    render_settings_change,
)
from handlers.blocks.text import Viewer
from storage.models import AwayPeriod, Holiday, Project
from storage.repositories import calendars
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.unit.test_blocks import check, texts

# Thursday 19 November 2026 (the conftest clock); the weeks around it.
MON, TUE, WED, THU, FRI = (date(2026, 11, 16) + timedelta(days=i) for i in range(5))
SAT, SUN = date(2026, 11, 21), date(2026, 11, 22)
NEXT_MON, NEXT_WED, NEXT_FRI = date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 27)
XMAS_EVE, XMAS, BOXING_DAY = date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)
NEW_YEAR = date(2027, 1, 1)  # a Friday

OTHER_TEAM = "T0OTHER"
OTHER_CHANNEL = "C0HERMES"


# -- is_working_day ------------------------------------------------------------------------------

WORKING_DAYS = [
    ("monday", MON, (), True),
    ("friday", FRI, (), True),
    ("saturday", SAT, (), False),
    ("sunday", SUN, (), False),
    ("weekday-holiday", XMAS, (XMAS,), False),
    ("other-day-holiday", XMAS_EVE, (XMAS,), True),
    ("weekend-holiday", BOXING_DAY, (BOXING_DAY,), False),
    ("new-year-holiday", NEW_YEAR, (NEW_YEAR,), False),
    ("new-year-no-holiday", NEW_YEAR, (), True),
    ("dec-31-thursday", date(2026, 12, 31), (NEW_YEAR,), True),
    ("leap-day", date(2028, 2, 29), (), True),
]


@pytest.mark.parametrize(
    ("day", "holidays", "expected"),
    [c[1:] for c in WORKING_DAYS],
    ids=[c[0] for c in WORKING_DAYS],
)
def test_is_working_day(day: date, holidays: tuple[date, ...], expected: bool) -> None:
    assert is_working_day(day, holidays) is expected
    assert is_working_day(day, set(holidays)) is expected


# -- working_days_after --------------------------------------------------------------------------

LATE = [
    ("due-mon-today-thu", MON, THU, (), 3),
    ("due-fri-today-mon", FRI, NEXT_MON, (), 1),
    ("due-fri-today-sat", FRI, SAT, (), 0),
    ("due-fri-today-sun", FRI, SUN, (), 0),
    ("due-sat-today-mon", SAT, NEXT_MON, (), 1),
    ("due-sun-today-mon", SUN, NEXT_MON, (), 1),
    ("same-day", THU, THU, (), 0),
    ("not-due-yet", FRI, THU, (), 0),
    ("long-before", NEXT_FRI, MON, (), 0),
    ("next-day", THU, FRI, (), 1),
    ("a-week", MON, NEXT_MON, (), 5),
    ("holiday-between", MON, THU, (WED,), 2),
    ("holiday-on-due-day-not-counted", MON, THU, (MON,), 3),
    ("holiday-today", MON, THU, (THU,), 2),
    ("holiday-after-today", MON, THU, (FRI,), 3),
    ("holiday-on-weekend-ignored", FRI, NEXT_MON, (SAT, SUN), 1),
    ("only-a-holiday-between", WED, FRI, (THU, FRI), 0),
    ("duplicates-count-once", MON, THU, [WED, WED], 2),
    ("year-end", date(2026, 12, 30), date(2027, 1, 4), (), 3),
    ("year-end-holidays", date(2026, 12, 23), date(2027, 1, 4), (XMAS, NEW_YEAR), 6),
    ("year-end-from-weekend", date(2026, 12, 27), date(2027, 1, 1), (), 5),
    ("over-a-leap-year", date(2027, 12, 31), date(2028, 12, 29), (), 260),
    ("years", date(2020, 1, 1), date(2026, 11, 19), (), 1796),
]


@pytest.mark.parametrize(
    ("due", "today", "holidays", "expected"),
    [c[1:] for c in LATE],
    ids=[c[0] for c in LATE],
)
def test_working_days_after(
    due: date, today: date, holidays: Collection[date], expected: int
) -> None:
    assert working_days_after(due, today, holidays) == expected


def _walked(due: date, today: date, holidays: Collection[date]) -> int:
    days = (today - due).days
    return sum(
        1 for i in range(1, days + 1) if is_working_day(due + timedelta(days=i), set(holidays))
    )


@settings(max_examples=300, deadline=None)
@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)),
    span=st.integers(min_value=-20, max_value=800),
    offsets=st.lists(st.integers(min_value=-30, max_value=830), max_size=15),
)
def test_working_days_after_matches_walking_the_days(
    due: date, span: int, offsets: list[int]
) -> None:
    today = due + timedelta(days=span)
    holidays = [due + timedelta(days=o) for o in offsets]
    assert working_days_after(due, today, holidays) == _walked(due, today, holidays)


# -- is_away -------------------------------------------------------------------------------------

XMAS_BREAK = (date(2026, 12, 21), date(2027, 1, 4))
AWAY = [
    ("inside", XMAS, [XMAS_BREAK], True),
    ("first-day", XMAS_BREAK[0], [XMAS_BREAK], True),
    ("last-day", XMAS_BREAK[1], [XMAS_BREAK], True),
    ("new-year-inside", NEW_YEAR, [XMAS_BREAK], True),
    ("day-before", date(2026, 12, 20), [XMAS_BREAK], False),
    ("day-after", date(2027, 1, 5), [XMAS_BREAK], False),
    ("no-periods", THU, [], False),
    ("single-day", THU, [(THU, THU)], True),
    ("between-two", WED, [(MON, TUE), (THU, FRI)], False),
    ("second-of-two", FRI, [(MON, TUE), (THU, FRI)], True),
]


@pytest.mark.parametrize(
    ("day", "periods", "expected"), [c[1:] for c in AWAY], ids=[c[0] for c in AWAY]
)
def test_is_away(day: date, periods: list[tuple[date, date]], expected: bool) -> None:
    assert is_away(day, periods) is expected
    assert is_away(day, iter(periods)) is expected  # any iterable, read once


# -- parse_clock ---------------------------------------------------------------------------------

CLOCKS = [
    ("hh-mm", "09:30", time(9, 30)),
    ("h-mm", "9:30", time(9, 30)),
    ("dot", "17.45", time(17, 45)),
    ("midnight-24h", "0:00", time(0, 0)),
    ("last-minute", "23:59", time(23, 59)),
    ("am", "9:30am", time(9, 30)),
    ("am-space", "9:30 am", time(9, 30)),
    ("am-dots", "9:30 a.m.", time(9, 30)),
    ("pm", "5pm", time(17, 0)),
    ("pm-upper", "5PM", time(17, 0)),
    ("pm-minutes", "5:15pm", time(17, 15)),
    ("12am-midnight", "12am", time(0, 0)),
    ("12pm-noon", "12pm", time(12, 0)),
    ("12-30am", "12:30am", time(0, 30)),
    ("noon", "noon", time(12, 0)),
    ("midday", "Midday", time(12, 0)),
    ("midnight", "midnight", time(0, 0)),
    ("at-prefix", "at 9:30", time(9, 30)),
    ("spaces", "  09:30  ", time(9, 30)),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CLOCKS], ids=[c[0] for c in CLOCKS])
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


CLOCKS_REFUSED = [
    ("hour-24", "24:00", "“24:00” isn't a time of day: hours go from 0 to 23"),
    ("hour-25", "25:00", "“25:00” isn't a time of day"),
    ("minute-60", "9:60", "“9:60” isn't a time of day"),
    ("13pm", "13pm", "“13pm” isn't a time of day: with am or pm the hour goes from 1 to 12"),
    ("0am", "0am", "“0am” isn't a time of day"),
    ("bare-hour", "9", "“9” needs minutes: say `09:00` or `9am`/`9pm`."),
    ("bare-17", "17", "“17” needs minutes: say `17:00`."),
    ("bare-99", "99", "I couldn't read “99” as a time of day."),
    ("one-digit-minutes", "9:3", "I couldn't read “9:3” as a time of day."),
    ("words", "soon", "I couldn't read “soon” as a time of day."),
    ("date", "friday", "I couldn't read “friday” as a time of day."),
    ("empty", "", "Say at what time."),
    ("blank", "   ", "Say at what time."),
    ("too-long", "9" * 40, "That's too long to be a time of day."),
    ("negative", "-9:00", "I couldn't read “-9:00” as a time of day."),
    ("arabic-digits", "٩:٣٠", "I couldn't read “٩:٣٠” as a time of day."),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in CLOCKS_REFUSED], ids=[c[0] for c in CLOCKS_REFUSED]
)
def test_parse_clock_refuses_with_the_accepted_forms(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_clock(text)
    assert caught.value.message.startswith(message)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=12) | st.from_regex(r"[0-9]{1,2}[:.][0-9]{2} ?([ap]m)?"))
def test_parse_clock_gives_a_time_or_a_parse_error(text: str) -> None:
    try:
        parsed = parse_clock(text)
    except ParseError as error:
        message = error.message
    else:
        message = parsed.isoformat()
    assert message


# -- reminder settings ---------------------------------------------------------------------------


@pytest.fixture
def apollo(deps: Deps, alice: Actor) -> Actor:
    projects.bind_project(deps, alice, "Apollo")
    return alice


@pytest.fixture
def hermes(deps: Deps, alice: Actor) -> Actor:
    """Alice in the Hermes channel (same workspace)."""
    in_hermes = Actor(TEAM, ALICE, OTHER_CHANNEL, timezone="Europe/London")
    projects.bind_project(deps, in_hermes, "Hermes")
    return in_hermes


def stranger() -> Actor:
    """Someone in another workspace, in a channel with the same id as Apollo's."""
    return Actor(OTHER_TEAM, "U0EVE", CHANNEL, timezone="Europe/London")


def test_a_new_project_reminds_at_nine_and_escalates_after_three_days(
    deps: Deps, apollo: Actor
) -> None:
    shown = calendar_settings.reminder_settings(deps, apollo, None)

    assert (shown.project.slug, shown.enabled, shown.at, shown.escalation_days) == (
        "apollo",
        True,
        time(9, 0),
        3,
    )
    assert shown.holidays.holidays == ()


def test_changes_are_stored_and_say_what_moved(deps: Deps, apollo: Actor) -> None:
    off = calendar_settings.change_reminders(deps, apollo, None, enabled=False)
    at = calendar_settings.change_reminders(deps, apollo, None, at=time(9, 30))
    late = calendar_settings.change_reminders(deps, apollo, None, escalation_days=5)

    assert off.changes == {"reminders": ["on", "off"]}
    assert at.changes == {"time": ["09:00", "09:30"]}
    assert late.changes == {"escalation": ["3", "5"]}
    shown = calendar_settings.reminder_settings(deps, apollo, None)
    assert (shown.enabled, shown.at, shown.escalation_days) == (False, time(9, 30), 5)
    assert late.actor_id == ALICE


def test_a_setting_already_in_place_changes_nothing(deps: Deps, apollo: Actor) -> None:
    unchanged = [
        calendar_settings.change_reminders(deps, apollo, None, enabled=True),
        calendar_settings.change_reminders(deps, apollo, None, at=time(9, 0)),
        calendar_settings.change_reminders(deps, apollo, None, escalation_days=3),
    ]

    assert [change.changes for change in unchanged] == [{}, {}, {}]


def test_settings_of_a_project_named_from_another_channel(
    deps: Deps, apollo: Actor, hermes: Actor
) -> None:
    calendar_settings.change_reminders(deps, apollo, "hermes", at=time(8, 0))

    assert calendar_settings.reminder_settings(deps, apollo, "hermes").at == time(8, 0)
    assert calendar_settings.reminder_settings(deps, hermes, None).at == time(8, 0)
    assert calendar_settings.reminder_settings(deps, apollo, None).at == time(9, 0)


@pytest.mark.parametrize("days", [0, 31, -1])
def test_escalation_outside_one_to_thirty_is_refused(deps: Deps, apollo: Actor, days: int) -> None:
    with pytest.raises(UserError, match="1 to 30 working days"):
        calendar_settings.change_reminders(deps, apollo, None, escalation_days=days)


def test_settings_need_a_project(deps: Deps, alice: Actor) -> None:
    with pytest.raises(UserError, match="/pmo project"):
        calendar_settings.reminder_settings(deps, alice, None)
    with pytest.raises(UserError, match="/pmo project"):
        calendar_settings.change_reminders(deps, alice, None, enabled=False)
    with pytest.raises(NotFound, match="no project `nope`"):
        calendar_settings.change_reminders(deps, alice, "nope", enabled=False)


def test_settings_show_the_next_holidays(deps: Deps, apollo: Actor) -> None:
    for offset in range(8):
        calendar_settings.add_holiday(deps, apollo, NEXT_MON + timedelta(days=offset), None)

    shown = calendar_settings.reminder_settings(deps, apollo, None).holidays

    assert [h.day for h in shown.holidays] == [NEXT_MON + timedelta(days=i) for i in range(5)]
    assert shown.total == 8


# -- holidays ------------------------------------------------------------------------------------


def holiday_rows(deps: Deps) -> list[tuple[str | None, date, str | None]]:
    with deps.db.read() as session:
        rows = session.scalars(select(Holiday).order_by(Holiday.day, Holiday.id)).all()
        slugs = {p.id: p.slug for p in session.scalars(select(Project))}
        return [(slugs.get(r.project_id or 0), r.day, r.name) for r in rows]


def test_a_holiday_for_the_project_and_one_for_the_whole_workspace(
    deps: Deps, apollo: Actor, hermes: Actor
) -> None:
    eve = calendar_settings.add_holiday(deps, apollo, XMAS_EVE, "Christmas Eve")
    xmas = calendar_settings.add_holiday(deps, hermes, XMAS, "Christmas", workspace_wide=True)
    calendar_settings.add_holiday(deps, hermes, BOXING_DAY, "Hermes offsite")

    assert (eve.verb, eve.holiday.project and eve.holiday.project.slug) == ("added", "apollo")
    assert (xmas.verb, xmas.holiday.workspace_wide) == ("added", True)
    assert holiday_rows(deps) == [
        ("apollo", XMAS_EVE, "Christmas Eve"),
        (None, XMAS, "Christmas"),
        ("hermes", BOXING_DAY, "Hermes offsite"),
    ]
    listing = calendar_settings.list_holidays(deps, apollo, None)
    assert [(h.day, h.name, h.workspace_wide) for h in listing.holidays] == [
        (XMAS_EVE, "Christmas Eve", False),
        (XMAS, "Christmas", True),
    ]
    assert (listing.total, listing.project and listing.project.slug) == (2, "apollo")
    assert listing.holidays[0].project == listing.project


def test_a_holiday_added_twice_is_stored_once(deps: Deps, apollo: Actor) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS, "Christmas")

    again = calendar_settings.add_holiday(deps, apollo, XMAS, "Xmas")

    assert again.verb == "exists"
    assert again.existing == HolidayEntry(XMAS, "Christmas", again.holiday.project)
    assert holiday_rows(deps) == [("apollo", XMAS, "Christmas")]


def test_a_workspace_holiday_covers_every_project(deps: Deps, apollo: Actor) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS, "Christmas", workspace_wide=True)

    project_too = calendar_settings.add_holiday(deps, apollo, XMAS, None)
    all_again = calendar_settings.add_holiday(deps, apollo, XMAS, None, workspace_wide=True)

    assert project_too.verb == all_again.verb == "exists"
    assert project_too.existing is not None
    assert project_too.existing.workspace_wide
    assert holiday_rows(deps) == [(None, XMAS, "Christmas")]


def test_a_workspace_holiday_can_join_a_project_one(deps: Deps, apollo: Actor) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS, "Apollo's Christmas")
    calendar_settings.add_holiday(deps, apollo, XMAS, "Christmas", workspace_wide=True)

    listing = calendar_settings.list_holidays(deps, apollo, None)

    assert [(h.name, h.workspace_wide) for h in listing.holidays] == [
        ("Apollo's Christmas", False),
        ("Christmas", True),
    ]


def test_a_workspace_holiday_needs_no_project(deps: Deps, alice: Actor) -> None:
    added = calendar_settings.add_holiday(deps, alice, XMAS, None, workspace_wide=True)
    listing = calendar_settings.list_holidays(deps, alice, None)

    assert added.verb == "added"
    assert listing.project is None
    assert [h.day for h in listing.holidays] == [XMAS]
    with pytest.raises(UserError, match="/pmo project"):
        calendar_settings.add_holiday(deps, alice, XMAS_EVE, None)


def test_holidays_are_listed_from_today_soonest_first(
    deps: Deps, apollo: Actor, clock: FixedClock
) -> None:
    for day in (NEW_YEAR, XMAS, FRI, THU):
        calendar_settings.add_holiday(deps, apollo, day, None)
    clock.advance(timedelta(days=1))  # Friday: Thursday's holiday is over

    listing = calendar_settings.list_holidays(deps, apollo, None)

    assert [h.day for h in listing.holidays] == [FRI, XMAS, NEW_YEAR]
    assert listing.today == FRI


def test_a_long_holiday_list_is_cut_and_counted(deps: Deps, apollo: Actor) -> None:
    shown = calendar_settings.HOLIDAYS_SHOWN
    for offset in range(shown + 3):
        calendar_settings.add_holiday(deps, apollo, NEXT_MON + timedelta(days=offset), None)

    listing = calendar_settings.list_holidays(deps, apollo, None)

    assert (len(listing.holidays), listing.total) == (shown, shown + 3)


def test_a_holiday_in_the_past_is_refused(deps: Deps, apollo: Actor) -> None:
    with pytest.raises(UserError, match="can't be in the past"):
        calendar_settings.add_holiday(deps, apollo, WED, None)
    assert holiday_rows(deps) == []


def test_all_and_a_project_together_are_refused(deps: Deps, apollo: Actor) -> None:
    with pytest.raises(UserError, match="leave out `project:`"):
        calendar_settings.add_holiday(
            deps, apollo, XMAS, None, workspace_wide=True, project_slug="apollo"
        )


def test_removing_holidays(deps: Deps, apollo: Actor) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS_EVE, "Christmas Eve")
    calendar_settings.add_holiday(deps, apollo, XMAS, "Christmas", workspace_wide=True)

    eve = calendar_settings.remove_holiday(deps, apollo, XMAS_EVE)
    xmas = calendar_settings.remove_holiday(deps, apollo, XMAS, workspace_wide=True)

    assert (eve.verb, eve.holiday.name, eve.holiday.workspace_wide) == (
        "removed",
        "Christmas Eve",
        False,
    )
    assert (xmas.verb, xmas.holiday.workspace_wide) == ("removed", True)
    assert holiday_rows(deps) == []


def test_removing_a_holiday_that_is_not_there_points_the_way(
    deps: Deps, apollo: Actor, hermes: Actor
) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS, None, workspace_wide=True)
    calendar_settings.add_holiday(deps, hermes, BOXING_DAY, None)

    with pytest.raises(NotFound, match=r"whole workspace, not just \*Apollo\*.*2026-12-25 all"):
        calendar_settings.remove_holiday(deps, apollo, XMAS)
    with pytest.raises(NotFound, match=r"only for \*Hermes\*.*project:hermes"):
        calendar_settings.remove_holiday(deps, apollo, BOXING_DAY, workspace_wide=True)
    with pytest.raises(NotFound, match=r"Thu 24 Dec is not a holiday for \*Apollo\*"):
        calendar_settings.remove_holiday(deps, apollo, XMAS_EVE)
    with pytest.raises(NotFound, match="not a holiday for the whole workspace"):
        calendar_settings.remove_holiday(deps, apollo, XMAS_EVE, workspace_wide=True)
    assert len(holiday_rows(deps)) == 2


def test_another_workspace_can_neither_see_nor_remove_our_holidays(
    deps: Deps, apollo: Actor
) -> None:
    calendar_settings.add_holiday(deps, apollo, XMAS, "Christmas", workspace_wide=True)
    calendar_settings.add_holiday(deps, apollo, XMAS_EVE, "Christmas Eve")
    eve = stranger()

    assert calendar_settings.list_holidays(deps, eve, None).holidays == ()
    with pytest.raises(NotFound):
        calendar_settings.remove_holiday(deps, eve, XMAS, workspace_wide=True)
    with pytest.raises(UserError, match="/pmo project"):
        calendar_settings.remove_holiday(deps, eve, XMAS_EVE)
    # Their own project in a channel with the same id sees only its own holidays.
    projects.bind_project(deps, eve, "Zeus")
    calendar_settings.add_holiday(deps, eve, BOXING_DAY, "Zeus day")
    with pytest.raises(NotFound):
        calendar_settings.remove_holiday(deps, eve, XMAS_EVE)
    assert [h.day for h in calendar_settings.list_holidays(deps, eve, None).holidays] == [
        BOXING_DAY
    ]
    assert [h.day for h in calendar_settings.list_holidays(deps, apollo, None).holidays] == [
        XMAS_EVE,
        XMAS,
    ]


def test_a_workspace_never_seen_has_no_holidays(deps: Deps) -> None:
    listing = calendar_settings.list_holidays(deps, stranger(), None)

    assert (listing.holidays, listing.total, listing.project) == ((), 0, None)


# -- away ----------------------------------------------------------------------------------------


def spans(deps: Deps, user_id: str = ALICE) -> list[tuple[date, date]]:
    with deps.db.read() as session:
        rows = session.scalars(
            select(AwayPeriod).where(AwayPeriod.user_id == user_id).order_by(AwayPeriod.starts_on)
        )
        return [(r.starts_on, r.ends_on) for r in rows]


def test_away_for_a_day_and_for_a_stretch(deps: Deps, alice: Actor) -> None:
    day = calendar_settings.set_away(deps, alice, FRI, FRI)
    stretch = calendar_settings.set_away(deps, alice, *XMAS_BREAK)

    assert (day.verb, day.span) == ("added", AwaySpan(FRI, FRI))
    assert (stretch.verb, stretch.span and stretch.span.days) == ("added", 15)
    assert spans(deps) == [(FRI, FRI), XMAS_BREAK]
    assert stretch.status.periods == (AwaySpan(FRI, FRI), AwaySpan(*XMAS_BREAK))


@pytest.mark.parametrize(
    ("new", "merged"),
    [
        ((NEXT_MON, NEXT_FRI), (FRI, NEXT_FRI)),  # overlaps the end
        ((THU, FRI), (THU, NEXT_WED)),  # overlaps the start
        ((THU, THU), (THU, NEXT_WED)),  # touches the start
        ((date(2026, 11, 26), date(2026, 11, 26)), (FRI, date(2026, 11, 26))),  # touches the end
        ((THU, NEXT_FRI), (THU, NEXT_FRI)),  # swallows it
    ],
    ids=["overlaps-end", "overlaps-start", "touches-start", "touches-end", "swallows"],
)
def test_overlapping_or_touching_periods_merge(
    deps: Deps, alice: Actor, new: tuple[date, date], merged: tuple[date, date]
) -> None:
    calendar_settings.set_away(deps, alice, FRI, NEXT_WED)

    change = calendar_settings.set_away(deps, alice, *new)

    assert (change.verb, change.span) == ("merged", AwaySpan(*merged))
    assert spans(deps) == [merged]


def test_a_period_bridging_two_merges_all_three(deps: Deps, alice: Actor) -> None:
    calendar_settings.set_away(deps, alice, FRI, FRI)
    calendar_settings.set_away(deps, alice, NEXT_WED, NEXT_WED)

    calendar_settings.set_away(deps, alice, NEXT_MON, NEXT_MON)
    assert spans(deps) == [(FRI, FRI), (NEXT_MON, NEXT_MON), (NEXT_WED, NEXT_WED)]
    change = calendar_settings.set_away(deps, alice, SAT, date(2026, 11, 24))

    assert change.span == AwaySpan(FRI, NEXT_WED)
    assert spans(deps) == [(FRI, NEXT_WED)]


def test_days_already_away_store_nothing(deps: Deps, alice: Actor) -> None:
    calendar_settings.set_away(deps, alice, FRI, NEXT_WED)

    change = calendar_settings.set_away(deps, alice, NEXT_MON, NEXT_MON)

    assert (change.verb, change.span) == ("covered", AwaySpan(FRI, NEXT_WED))
    assert spans(deps) == [(FRI, NEXT_WED)]


def test_away_refuses_the_past_and_an_end_before_the_start(deps: Deps, alice: Actor) -> None:
    with pytest.raises(UserError, match="can't be in the past"):
        calendar_settings.set_away(deps, alice, WED, FRI)
    with pytest.raises(UserError, match=r"last day \(Thu 19 Nov\) is before the first"):
        calendar_settings.set_away(deps, alice, FRI, THU)
    assert spans(deps) == []


def test_away_off_cuts_the_current_period_and_cancels_upcoming_ones(
    deps: Deps, alice: Actor, clock: FixedClock
) -> None:
    calendar_settings.set_away(deps, alice, THU, THU)  # today, from the start
    calendar_settings.set_away(deps, alice, SAT, NEXT_FRI)
    calendar_settings.set_away(deps, alice, *XMAS_BREAK)
    clock.advance(timedelta(days=4))  # Monday 23rd: away since Saturday
    calendar_settings.set_away(deps, alice, date(2026, 12, 1), date(2026, 12, 1))

    change = calendar_settings.end_away(deps, alice)

    assert (change.verb, change.cut, change.cancelled) == ("ended", 1, 2)
    assert spans(deps) == [(THU, THU), (SAT, SUN)]  # the past stays as it was
    assert change.status.periods == ()


def test_away_off_on_the_first_day_removes_the_period(deps: Deps, alice: Actor) -> None:
    calendar_settings.set_away(deps, alice, THU, FRI)

    change = calendar_settings.end_away(deps, alice)

    assert (change.verb, change.cut, change.cancelled) == ("ended", 1, 0)
    assert spans(deps) == []


def test_away_off_with_nothing_to_end(deps: Deps, alice: Actor) -> None:
    assert calendar_settings.end_away(deps, alice).verb == "none"


def test_away_status_shows_current_and_upcoming_periods(
    deps: Deps, alice: Actor, clock: FixedClock
) -> None:
    calendar_settings.set_away(deps, alice, THU, FRI)
    calendar_settings.set_away(deps, alice, *XMAS_BREAK)
    clock.advance(timedelta(days=1))

    status = calendar_settings.away_status(deps, alice)

    assert status.current == AwaySpan(THU, FRI)
    assert status.periods == (AwaySpan(THU, FRI), AwaySpan(*XMAS_BREAK))
    clock.advance(timedelta(days=1))
    assert calendar_settings.away_status(deps, alice).current is None
    assert calendar_settings.away_status(deps, alice).periods == (AwaySpan(*XMAS_BREAK),)


def test_away_is_per_person_per_workspace(deps: Deps, alice: Actor) -> None:
    bob = Actor(TEAM, BOB, CHANNEL, timezone="America/New_York")
    alice_elsewhere = Actor(OTHER_TEAM, ALICE, CHANNEL, timezone="Europe/London")
    calendar_settings.set_away(deps, alice, FRI, FRI)

    assert calendar_settings.away_status(deps, bob).periods == ()
    assert calendar_settings.away_status(deps, alice_elsewhere).periods == ()
    assert calendar_settings.end_away(deps, alice_elsewhere).verb == "none"
    assert spans(deps) == [(FRI, FRI)]


def test_today_is_the_callers_own(deps: Deps, clock: FixedClock) -> None:
    # 03:00 UTC on Friday: already Friday in London, still Thursday in New York.
    clock.set(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    alice = Actor(TEAM, ALICE, CHANNEL, timezone="Europe/London")
    bob = Actor(TEAM, BOB, CHANNEL, timezone="America/New_York")

    calendar_settings.set_away(deps, bob, THU, THU)
    with pytest.raises(UserError, match="past"):
        calendar_settings.set_away(deps, alice, THU, THU)
    assert calendar_settings.away_status(deps, bob).current == AwaySpan(THU, THU)
    assert calendar_settings.away_status(deps, alice).today == FRI


# -- storage: both databases ---------------------------------------------------------------------


def test_holidays_and_away_on_both_databases(any_deps: Deps, alice: Actor) -> None:
    projects.bind_project(any_deps, alice, "Apollo")
    calendar_settings.add_holiday(any_deps, alice, XMAS, "Christmas", workspace_wide=True)
    calendar_settings.add_holiday(any_deps, alice, XMAS_EVE, "Christmas Eve")
    calendar_settings.set_away(any_deps, alice, FRI, NEXT_MON)
    calendar_settings.set_away(any_deps, alice, date(2026, 11, 24), NEXT_WED)

    again = calendar_settings.add_holiday(any_deps, alice, XMAS, None, workspace_wide=True)
    listing = calendar_settings.list_holidays(any_deps, alice, None)
    status = calendar_settings.away_status(any_deps, alice)

    assert again.verb == "exists"
    assert [(h.day, h.workspace_wide) for h in listing.holidays] == [
        (XMAS_EVE, False),
        (XMAS, True),
    ]
    assert status.periods == (AwaySpan(FRI, NEXT_WED),)
    with any_deps.db.read() as session:
        ws = session.scalar(select(func.min(Holiday.workspace_id)))
        assert ws is not None
        project_id = session.scalar(select(func.max(Holiday.project_id)))
        assert calendars.holiday_days(session, ws, project_id, XMAS_EVE, NEW_YEAR) == {
            XMAS_EVE,
            XMAS,
        }
        assert calendars.holiday_days(session, ws, None, XMAS_EVE, NEW_YEAR) == {XMAS}
        assert calendars.holiday_days(session, ws, project_id, BOXING_DAY, NEW_YEAR) == set()
        assert calendars.away_spans(session, ws, [ALICE, BOB], THU, FRI) == {
            ALICE: [(FRI, NEXT_WED)]
        }
        assert calendars.away_spans(session, ws, [BOB], THU, NEW_YEAR) == {}
        assert calendars.away_spans(session, ws, [], THU, NEW_YEAR) == {}
    calendar_settings.end_away(any_deps, alice)
    calendar_settings.remove_holiday(any_deps, alice, XMAS, workspace_wide=True)
    assert calendar_settings.away_status(any_deps, alice).periods == ()
    assert [h.day for h in calendar_settings.list_holidays(any_deps, alice, None).holidays] == [
        XMAS_EVE
    ]


CONCURRENT = 12


def test_the_same_workspace_holiday_added_at_once_is_stored_once(
    any_deps: Deps, alice: Actor
) -> None:
    # No project: the unique constraint can't compare NULLs, so only the lock keeps one row.
    calendar_settings.add_holiday(any_deps, alice, XMAS_EVE, None, workspace_wide=True)
    start = threading.Barrier(CONCURRENT)

    @event.listens_for(any_deps.db.engine, "after_cursor_execute")
    def _widen_the_race(*args: object) -> None:
        # Hold each check for a moment, so unserialised adds would all find nothing there yet.
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and "FROM holidays" in statement:
            time_module.sleep(0.05)

    def add(i: int) -> str:
        actor = Actor(TEAM, f"U{i:04d}", CHANNEL, timezone="Europe/London")
        start.wait()
        return calendar_settings.add_holiday(
            any_deps, actor, XMAS, f"Christmas {i}", workspace_wide=True
        ).verb

    try:
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            verbs = list(pool.map(add, range(CONCURRENT)))
    finally:
        event.remove(any_deps.db.engine, "after_cursor_execute", _widen_the_race)

    assert sorted(verbs) == ["added"] + ["exists"] * (CONCURRENT - 1)
    with any_deps.db.read() as session:
        days = session.scalars(select(Holiday.day).where(Holiday.project_id.is_(None))).all()
    assert sorted(days) == [XMAS_EVE, XMAS]


# -- rendering -----------------------------------------------------------------------------------

ODD = ProjectRef("r-d", "R&D <!channel>", CHANNEL, "Europe/London")
VIEWER = Viewer(datetime(2026, 11, 19, 15, 0, tzinfo=UTC), "Europe/London")
LONG_NAME = "<!here> & " + "very long holiday name " * 10


def _holidays(count: int, total: int | None = None) -> HolidayList:
    entries = tuple(
        HolidayEntry(date(2027, 12, 1) + timedelta(days=i), LONG_NAME, None if i % 2 else ODD)
        for i in range(count)
    )
    return HolidayList(ODD, THU, entries, total if total is not None else count)


def _settings(holidays: HolidayList, enabled: bool = True) -> ReminderSettings:
    return ReminderSettings(ODD, enabled, time(9, 30), 5, holidays)


def test_settings_render_within_limits() -> None:
    reply = render_reminder_settings(_settings(_holidays(5, 9)), VIEWER)

    check(reply)
    body = "\n".join(texts(reply))
    assert not reply.in_channel
    assert "*on*, at *09:30* in each owner's own time zone" in body
    assert "*5 working days* overdue is raised once in <#C0APOLLO>" in body
    assert "Europe/London" in body
    assert "…and 4 more (`/pmo holiday list`)" in body
    assert "R&amp;D &lt;!channel&gt;" in body
    empty = render_reminder_settings(_settings(_holidays(0), enabled=False), VIEWER)
    check(empty)
    assert "*off*" in texts(empty)[0]
    assert "Upcoming holidays: none" in texts(empty)[0]


@pytest.mark.parametrize(
    ("changes", "announced", "expected"),
    [
        (
            {"reminders": ["off", "on"]},
            True,
            ":bell: <@U0ALICE> turned owners' daily reminders *on*",
        ),
        ({"time": ["09:00", "09:30"]}, True, "daily reminders from 09:00 to *09:30*"),
        ({"escalation": ["3", "5"]}, True, "raise actions *5 working days* overdue in <#C0APOLLO>"),
        ({}, False, ":information_source: Nothing to change:"),
    ],
    ids=["on", "time", "escalation", "unchanged"],
)
def test_setting_changes_are_announced(
    changes: dict[str, list[str]], announced: bool, expected: str
) -> None:
    reply = render_settings_change(SettingsChange(_settings(_holidays(0)), ALICE, changes), VIEWER)

    check(reply)
    assert reply.in_channel is announced
    assert expected in texts(reply)[0]


def test_holiday_lists_render_within_limits() -> None:
    longest = calendar_settings.HOLIDAYS_SHOWN
    for listing in (_holidays(longest, 500), _holidays(1), _holidays(0)):
        reply = render_holidays(listing, VIEWER)
        check(reply)
        assert not reply.in_channel
    body = "\n".join(texts(render_holidays(_holidays(longest, 500), VIEWER)))
    assert "…and 480 more holidays after these." in body
    assert "_(whole workspace)_" in body
    assert "…" in body.split("\n")[1]  # the long name is clipped
    nothing = render_holidays(HolidayList(None, THU, (), 0), VIEWER)
    assert "No upcoming holidays for this workspace" in texts(nothing)[0]


@pytest.mark.parametrize(
    ("verb", "announced", "expected"),
    [
        ("added", True, "<@U0ALICE> made Fri 25 Dec a holiday for *R&amp;D &lt;!channel&gt;*"),
        ("removed", True, "<@U0ALICE> made Fri 25 Dec an ordinary day again"),
        ("exists", False, "Fri 25 Dec is already a holiday for the whole workspace"),
    ],
)
def test_holiday_changes(verb: str, announced: bool, expected: str) -> None:
    change = HolidayChange(
        HolidayEntry(XMAS, LONG_NAME, ODD), verb, ALICE, HolidayEntry(XMAS, "Christmas")
    )

    reply = render_holiday_change(change, VIEWER)

    check(reply)
    assert reply.in_channel is announced
    assert expected in texts(reply)[0]


def test_a_weekend_holiday_says_so() -> None:
    change = HolidayChange(HolidayEntry(BOXING_DAY), "added", ALICE)

    assert "weekend day anyway" in texts(render_holiday_change(change, VIEWER))[0]


def _status(*periods: tuple[date, date], total: int | None = None) -> AwayStatus:
    spans = tuple(AwaySpan(*p) for p in periods)
    return AwayStatus(ALICE, THU, spans, len(spans) if total is None else total)


def test_away_renders_within_limits() -> None:
    many = [
        (NEXT_MON + timedelta(weeks=i), NEXT_MON + timedelta(weeks=i, days=2)) for i in range(20)
    ]
    replies = [
        render_away(_status(), VIEWER),
        render_away(_status((WED, FRI), XMAS_BREAK), VIEWER),
        render_away(_status(*many, total=55), VIEWER),
        render_away_change(AwayChange("added", _status((FRI, FRI)), AwaySpan(FRI, FRI)), VIEWER),
        render_away_change(
            AwayChange("merged", _status((FRI, NEXT_WED)), AwaySpan(FRI, NEXT_WED)), VIEWER
        ),
        render_away_change(
            AwayChange("covered", _status((FRI, NEXT_WED)), AwaySpan(FRI, NEXT_WED)), VIEWER
        ),
        render_away_change(AwayChange("ended", _status(), cut=1, cancelled=2), VIEWER),
        render_away_change(AwayChange("none", _status()), VIEWER),
    ]
    for reply in replies:
        check(reply)
        assert not reply.in_channel  # time away is personal
    bodies = ["\n".join(texts(reply)) for reply in replies]
    assert "You have no time away set." in bodies[0]
    assert "now, until Fri 20 Nov inclusive" in bodies[1]
    assert "Mon 21 Dec – Mon 4 Jan 2027 (15 days)" in bodies[1]
    assert "…and 35 more periods" in bodies[2]
    assert "You're away Fri 20 Nov (1 day)" in bodies[3]
    assert "joined with the time away you had already set" in bodies[4]
    assert "You're already away then: Fri 20 Nov – Wed 25 Nov (6 days)" in bodies[5]
    assert (
        "Welcome back: your current time away is over and 2 upcoming periods cancelled."
        in bodies[6]
    )
    assert "nothing changed" in bodies[7]
