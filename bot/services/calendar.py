"""Working days, holidays, away periods and reminder times: pure calendar rules, no I/O.

The scheduler decides with these whether a day is one to prompt or ping people on and how late
an action is; the `/pmo reminders|holiday|away` use-cases live in `bot.services.settings`.
This module stays free of storage so the command grammar can use `parse_clock` too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date, time
from typing import Final

from bot.errors import ParseError

WEEKEND: Final = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
ESCALATION_MIN: Final = 1
ESCALATION_MAX: Final = 30
"""An overdue action is escalated after this many working days at least, and at most."""

CLOCK_HINT: Final = "Use 24-hour `HH:MM` such as `09:30` or `17:00`, or `9:30am`, `5pm`."
_CLOCK_MAX_INPUT: Final = 30
_H24: Final = re.compile(r"(?P<h>[0-9]{1,2})[:.](?P<m>[0-9]{2})")
_H12: Final = re.compile(r"(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))? ?(?P<ampm>[ap])\.?m\.?")
_NAMED: Final = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """Monday to Friday, and not one of `holidays`."""
    return day.weekday() not in WEEKEND and day not in holidays


def working_days_after(due: date, today: date, holidays: Collection[date]) -> int:
    """How many working days have passed since `due`: the working days strictly after `due` up
    to and including `today` (due Monday, today Thursday: 3; due Friday, today Monday: 1).

    0 when `today` is on or before `due`. Computed without walking the days, so a due date
    years back costs no more than yesterday's.
    """
    if today <= due:
        return 0
    weekdays = _weekdays_through(today) - _weekdays_through(due)
    off = sum(1 for day in set(holidays) if due < day <= today and day.weekday() not in WEEKEND)
    return weekdays - off


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) to `day`, both included."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def is_away(day: date, periods: Iterable[tuple[date, date]]) -> bool:
    """Whether `day` falls in one of the periods, each `(first day, last day)`, both included."""
    return any(starts_on <= day <= ends_on for starts_on, ends_on in periods)


def parse_clock(text: str) -> time:
    """A time of day as people type it: `09:30`, `9:30`, `17.00`, `9:30am`, `5 pm`, `noon`.

    Raises ParseError, with what was wrong and the accepted forms, for anything else (`25:00`,
    `9`, `13pm`, `soon`).
    """
    shown = " ".join(str(text).split())
    if len(shown) > _CLOCK_MAX_INPUT:
        raise ParseError(f"That's too long to be a time of day. {CLOCK_HINT}")
    key = shown.lower().removeprefix("at ").strip()
    quoted = f"“{shown}”"
    if not key:
        raise ParseError(f"Say at what time. {CLOCK_HINT}")
    if key in _NAMED:
        return _NAMED[key]
    match = _H24.fullmatch(key)
    if match:
        hour, minute = int(match["h"]), int(match["m"])
        if hour > 23 or minute > 59:
            raise ParseError(
                f"{quoted} isn't a time of day: hours go from 0 to 23 and minutes from 0 to 59. "
                + CLOCK_HINT
            )
        return time(hour, minute)
    match = _H12.fullmatch(key)
    if match:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ParseError(
                f"{quoted} isn't a time of day: with am or pm the hour goes from 1 to 12. "
                + CLOCK_HINT
            )
        hour %= 12  # 12am is midnight, 12pm noon
        return time(hour + 12 if match["ampm"] == "p" else hour, minute)
    if key.isdecimal() and len(key) <= 2 and int(key) < 24:
        hour = int(key)
        twelve = f" or `{hour}am`/`{hour}pm`" if 1 <= hour <= 12 else ""
        raise ParseError(f"{quoted} needs minutes: say `{hour:02d}:00`{twelve}.")
    raise ParseError(f"I couldn't read {quoted} as a time of day. {CLOCK_HINT}")
