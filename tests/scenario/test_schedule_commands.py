"""`/pmo reminders`, `/pmo holiday`, `/pmo away` as signed slash commands through the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bot.clock import FixedClock
from storage.models import AwayPeriod, Holiday, Project
from tests.conftest import ALICE, BOB
from tests.scenario.conftest import SlackSide, count, reply_text, stored

XMAS_EVE, XMAS = date(2026, 12, 24), date(2026, 12, 25)


def test_reminder_settings_are_shown_and_changed_for_the_channel(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    shown = slack.reply("/pmo", "reminders")
    assert shown["response_type"] == "ephemeral"
    assert "*on*, at *09:00*" in reply_text(shown)
    assert "*3 working days* overdue" in reply_text(shown)
    assert "Europe/London" in reply_text(shown)

    at = slack.reply("/pmo", "reminders time 9:30am")
    late = slack.reply("/pmo", "reminders escalate 5")
    off = slack.reply("/pmo", "reminders off")
    for announced in (at, late, off):
        assert announced["response_type"] == "in_channel"
    assert "from 09:00 to *09:30*" in reply_text(at)
    assert "*5 working days* overdue" in reply_text(late)
    assert "reminders *off* for *Apollo*" in reply_text(off)

    again = slack.reply("/pmo", "reminders off")
    assert again["response_type"] == "ephemeral"
    assert "Nothing to change" in reply_text(again)

    [apollo] = stored(sqlite_engine, Project)
    assert (apollo.reminders_on, apollo.reminder_time, apollo.escalation_days) == (
        False,
        "09:30",
        5,
    )


def test_nonsense_settings_are_refused_with_usage_and_change_nothing(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    for text in ("reminders time 25:00", "reminders escalate 45", "reminders sometimes"):
        refused = slack.reply("/pmo", text)
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:*" in reply_text(refused)
        assert "*Example:* `/pmo reminders time 9:30am`" in reply_text(refused)
    assert "hours go from 0 to 23" in reply_text(slack.replies[-3])

    [apollo] = stored(sqlite_engine, Project)
    assert (apollo.reminders_on, apollo.reminder_time, apollo.escalation_days) == (
        True,
        "09:00",
        3,
    )


def test_settings_in_a_channel_without_a_project_say_how_to_create_one(
    slack: SlackSide,
) -> None:
    answer = slack.reply("/pmo", "reminders on")

    assert answer["response_type"] == "ephemeral"
    assert "/pmo project" in reply_text(answer)


def test_holidays_for_the_project_and_the_workspace(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    eve = slack.reply("/pmo", "holiday add dec 24 Christmas Eve")
    xmas = slack.reply("/pmo", "holiday add 2026-12-25 Christmas all")
    twice = slack.reply("/pmo", "holiday add dec 24")

    assert eve["response_type"] == xmas["response_type"] == "in_channel"
    assert "made Thu 24 Dec a holiday for *Apollo* (Christmas Eve)" in reply_text(eve)
    assert "Fri 25 Dec a holiday for the whole workspace (Christmas)" in reply_text(xmas)
    assert twice["response_type"] == "ephemeral"
    assert "already a holiday for *Apollo* (Christmas Eve)" in reply_text(twice)

    listing = slack.reply("/pmo", "holiday list")
    assert listing["response_type"] == "ephemeral"
    text = reply_text(listing)
    assert text.index("Thu 24 Dec — Christmas Eve") < text.index("Fri 25 Dec — Christmas")
    assert "Thu 24 Dec" in reply_text(slack.reply("/pmo", "reminders"))

    removed = slack.reply("/pmo", "holiday remove dec 24")
    assert removed["response_type"] == "in_channel"
    assert "made Thu 24 Dec an ordinary day again for *Apollo*" in reply_text(removed)
    holidays = stored(sqlite_engine, Holiday)
    assert [(h.project_id, h.day, h.name) for h in holidays] == [(None, XMAS, "Christmas")]


def test_bad_holiday_commands_are_refused_and_store_nothing(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    past = slack.reply("/pmo", "holiday add 2020-01-01 long ago")
    name_first = slack.reply("/pmo", "holiday add Christmas")
    missing = slack.reply("/pmo", "holiday remove dec 24")

    for refused in (past, name_first):
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:*" in reply_text(refused)
        assert "*Example:* `/pmo holiday add dec 24 Christmas Eve`" in reply_text(refused)
    assert "in the past" in reply_text(past)
    assert missing["response_type"] == "ephemeral"
    assert "Thu 24 Dec is not a holiday for *Apollo*" in reply_text(missing)
    assert count(sqlite_engine, Holiday) == 0


def test_away_is_personal_and_in_the_callers_own_days(
    slack: SlackSide, sqlite_engine: Engine, clock: FixedClock
) -> None:
    # 03:00 UTC on Friday 20 November: Friday in London, still Thursday in New York.
    clock.set(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))

    alice = slack.reply("/pmo", "away monday to friday")
    bob = slack.reply("/pmo", "away today", user_id=BOB, user_name="bob")

    assert alice["response_type"] == bob["response_type"] == "ephemeral"
    assert "You're away Mon 23 Nov – Fri 27 Nov (5 days)" in reply_text(alice)
    assert "You're away Thu 19 Nov (1 day)" in reply_text(bob)
    periods = {(p.user_id, p.starts_on, p.ends_on) for p in stored(sqlite_engine, AwayPeriod)}
    assert periods == {
        (ALICE, date(2026, 11, 23), date(2026, 11, 27)),
        (BOB, date(2026, 11, 19), date(2026, 11, 19)),
    }

    merged = slack.reply("/pmo", "away friday to next monday")  # Fri 27 to Mon 30
    assert "Mon 23 Nov – Mon 30 Nov (8 days)" in reply_text(merged)
    assert "joined with the time away you had already set" in reply_text(merged)

    shown = slack.reply("/pmo", "away")
    assert shown["response_type"] == "ephemeral"
    assert "Mon 23 Nov – Mon 30 Nov (8 days)" in reply_text(shown)

    back = slack.reply("/pmo", "away off")
    assert back["response_type"] == "ephemeral"
    assert "1 upcoming period cancelled" in reply_text(back)
    assert [p.user_id for p in stored(sqlite_engine, AwayPeriod)] == [BOB]
    assert "You have no time away set" in reply_text(slack.reply("/pmo", "away"))


def test_bad_away_commands_are_refused_and_store_nothing(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    backwards = slack.reply("/pmo", "away 2026-12-21 to 2026-12-20")
    vague = slack.reply("/pmo", "away someday")
    timed = slack.reply("/pmo", "away friday 5pm")

    for refused in (backwards, vague, timed):
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:*" in reply_text(refused)
        assert "*Example:* `/pmo away friday to next wednesday`" in reply_text(refused)
    assert "The last day, Sun 20 Dec, is before the first, Mon 21 Dec." in reply_text(backwards)
    assert count(sqlite_engine, AwayPeriod) == 0


def test_help_lists_the_new_commands(slack: SlackSide) -> None:
    text = reply_text(slack.reply("/pmo", "help"))

    for usage in ("/pmo reminders [on|off|time", "/pmo holiday add &lt;date&gt;", "/pmo away"):
        assert usage in text
    assert "default on, 09:00" in text
