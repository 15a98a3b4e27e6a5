"""Reads the due dates people type (`friday`, `in 3 days`, `eom`) into dates and times."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from dateparser.date import DateDataParser

from bot.errors import DateError

MAX_INPUT_LENGTH: Final = 200
"""Longer text is refused as unparseable without being read."""

MAX_YEARS_AHEAD: Final = 5
"""A due date may be at most this many years after today."""

END_OF_DAY: Final = time(17, 0)
"""The time `eod` / `cob` stand for."""

_HINT: Final = "Try `friday`, `2027-01-15`, `in 3 days` or `eom`."
_MAX_COUNT: Final = 9999  # `in N days` beyond this is refused as too far without any arithmetic
_SHOWN_LENGTH: Final = 60  # how much of the person's text a message quotes

_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
_MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

_WEEKDAYS: Final[dict[str, int]] = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_MONTHS: Final[dict[str, int]] = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_NUMBER_WORDS: Final[dict[str, int]] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the given words, longest first so `friday` beats `fri`."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_WEEKDAY_RX: Final = _alternatives(_WEEKDAYS)
_MONTH_RX: Final = _alternatives(_MONTHS)
_NUMBER_RX: Final = "[0-9]+|" + _alternatives(_NUMBER_WORDS)

# --- normalisation (applied to the person's text, case preserved) ---
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PREFIX: Final = re.compile(r"(?:due|by|on|until) ", re.IGNORECASE)
_TRAILING_PUNCTUATION: Final = re.compile(r"[ .,;:!?…]+$")
_QUOTE_PAIRS: Final = {'"': '"', "'": "'", "`": "`", "“": "”", "‘": "’", "«": "»"}

# --- a time of day; the text is lower case with single spaces from here on ---
_CLOCK: Final = (
    r"(?:(?P<h12>[0-9]{1,2})(?:[:.](?P<m12>[0-9]{2}))? ?(?P<ampm>[ap])\.?m\.?"
    r"|(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})"
    r"|(?P<noon>noon|midday)"
    r"|(?P<eod>eod|cob|end of (?:the )?day|close of business))"
)
_TIME_LAST: Final = re.compile(r"(?:^|(?<=[ ,@]))(?:(?:at|@) ?)?" + _CLOCK + r"$")
_TIME_FIRST: Final = re.compile(r"^(?:(?:at|@) ?)?" + _CLOCK + r"(?:,? (?:on )?|$)")

# --- days ---
_WEEKDAY: Final = re.compile(rf"^(?:(?:this|next|coming) )?({_WEEKDAY_RX})$")
_LEADING_WEEKDAY: Final = re.compile(rf"^({_WEEKDAY_RX}),? (.+)$")
_IN_N: Final = re.compile(
    rf"^(?:in )?({_NUMBER_RX}) "
    r"(days?|weeks?|wks?|months?|(?:business|working|work) days?|weekdays?)"
    r"(?: from (?:now|today))?$"
)
_SHORT_N: Final = re.compile(r"^\+?([0-9]+) ?([dw])$")
_QUARTER: Final = re.compile(r"^(?:(?:the )?end of )?q([1-4])(?: ([0-9]{4}))?$")
_ISO: Final = re.compile(r"^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})$")
# Numeric dates are read day first (15/01/2027, 15.01, 15-01-27): the team writes dates the
# European way, and a reading that does not fit (1/15) is refused rather than flipped to
# month first, so 03/04 always means 3 April. Only ISO (year first) reads year-month-day.
_NUMERIC: Final = re.compile(r"^([0-9]{1,2})([/.-])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?$")
_MONTH_DAY: Final = re.compile(
    rf"^({_MONTH_RX})\.? ([0-9]{{1,2}})(?:st|nd|rd|th)?(?:,? ([0-9]{{4}}|'?[0-9]{{2}}))?$"
)
_DAY_MONTH: Final = re.compile(
    rf"^(?:the )?([0-9]{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH_RX})\.?"
    rf"(?:,? ([0-9]{{4}}|'?[0-9]{{2}}))?$"
)
# dateparser is only asked about text that could name both a day and a month.
_WORTH_DATEPARSER: Final = re.compile(rf"[0-9]|{_MONTH_RX}")

# dateparser reads only absolute dates here: everything relative is ours. The relative base is
# a fixed day in a leap year (so `Feb 29` reads) and the year of a date given without one is
# worked out from `now` by `_next_occurrence`, which keeps the answer a pure function of the text
# and `now`, and lets one parser be shared by all threads (settings are fixed at construction).
_DATEPARSER: Final = DateDataParser(
    languages=["en"],
    settings={
        "DATE_ORDER": "DMY",
        "PARSERS": ["absolute-time"],
        "RELATIVE_BASE": datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        "PREFER_DATES_FROM": "current_period",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "TIMEZONE": "UTC",
    },
)


def warm_up() -> None:
    """dateparser's first parse loads its language data and compiles its patterns (a third of
    a second to more): done at a serving worker's boot (bot.web.warm_up), not in the first
    request whose date only dateparser reads."""
    _DATEPARSER.get_date_data("15 March 2027")


def parse_due(text: str, *, now: datetime) -> date | datetime:
    """The due date or time `text` names, as seen by someone whose current time is `now`.

    `now` must be timezone-aware, in the person's time zone. Returns a `date` for a day, or an
    aware `datetime` in now's time zone for a phrase with a time of day. Raises `DateError` (and
    nothing else, whatever the text) when the text is not a date (reason `"unparseable"`), is in
    the past (`"past"`) or is more than five years ahead (`"too_far"`).
    """
    tz = now.tzinfo
    if tz is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(text, str):
        raise DateError(f"I need a date. {_HINT}", reason="unparseable")
    if len(text) > MAX_INPUT_LENGTH:
        raise DateError(f"That's too long to be a date. {_HINT}", reason="unparseable")

    shown = _clean(text)
    if not shown:
        raise DateError(f"I need a date. {_HINT}", reason="unparseable")
    quoted = _quote(shown)
    try:
        value = _read(shown.lower(), now, tz, quoted)
    except OverflowError:
        value = date.max
    if value is None:
        raise DateError(f"I couldn't read {quoted} as a date. {_HINT}", reason="unparseable")

    today = now.date()
    latest = _add_years(today, MAX_YEARS_AHEAD)
    if isinstance(value, datetime):
        past, too_far = value < now, value.date() > latest
    else:
        past, too_far = value < today, value > latest
    if past:
        raise DateError(f"{quoted} is in the past.", reason="past")
    if too_far:
        raise DateError(f"{quoted} is more than five years ahead.", reason="too_far")
    return value


def format_day(value: date | datetime, *, today: date | None = None) -> str:
    """A short form for echoing a due date back: `Fri 27 Nov`, `Fri 27 Nov 17:00`.

    The year is added (`Fri 15 Jan 2027`) when `today` is given and falls in another year.
    """
    text = f"{_DAY_NAMES[value.weekday()]} {value.day} {_MONTH_NAMES[value.month - 1]}"
    if today is not None and value.year != today.year:
        text += f" {value.year}"
    if isinstance(value, datetime):
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text


def add_business_days(day: date, n: int) -> date:
    """`day` moved `n` working days (Monday to Friday) on, or back when `n` is negative.

    From a weekend day, one business day on is the Monday after it; zero returns `day` itself.
    """
    if n == 0:
        return day
    if n > 0:
        if day.weekday() >= 5:  # count from the Friday before
            day -= timedelta(days=day.weekday() - 4)
        weeks, rest = divmod(n, 5)
        day += timedelta(weeks=weeks)
        return day + timedelta(days=rest + 2 if day.weekday() + rest >= 5 else rest)
    if day.weekday() >= 5:  # count from the Monday after
        day += timedelta(days=7 - day.weekday())
    weeks, rest = divmod(-n, 5)
    day -= timedelta(weeks=weeks)
    return day - timedelta(days=rest + 2 if day.weekday() - rest < 0 else rest)


# --- reading ---


def _clean(text: str) -> str:
    """The text without control characters, extra spaces, wrapping quotes, trailing punctuation
    and the `by` / `on` / `due` / `due on` / `until` people put in front; case is kept."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    while True:
        before = text
        if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
            text = text[1:-1].strip()
        text = _TRAILING_PUNCTUATION.sub("", text)
        prefix = _PREFIX.match(text)
        if prefix:
            text = text[prefix.end() :].lstrip()
        if text == before:
            return text


def _quote(shown: str) -> str:
    if len(shown) > _SHOWN_LENGTH:
        shown = shown[: _SHOWN_LENGTH - 1].rstrip() + "…"
    return f"“{shown}”"


def _read(key: str, now: datetime, tz: tzinfo, quoted: str) -> date | datetime | None:
    """What the normalised (lower case, single spaced) text names, unchecked; None if nothing."""
    today = now.date()
    clock = _TIME_LAST.search(key)
    if clock:
        rest = key[: clock.start()].rstrip(" ,@")
    else:
        clock = _TIME_FIRST.match(key)
        if clock is None:
            return _read_day(key, today, quoted)
        rest = key[clock.end() :]
    at = _clock_time(clock)
    if at is None:
        return None
    if not rest:
        if clock["eod"]:  # `eod` is today's, even once it is over
            return _combine(today, at, tz)
        ahead = _combine(today, at, tz)
        return ahead if ahead > now else _combine(today + timedelta(days=1), at, tz)
    day = _read_day(rest, today, quoted)
    return None if day is None else _combine(day, at, tz)


def _clock_time(clock: re.Match[str]) -> time | None:
    if clock["eod"]:
        return END_OF_DAY
    if clock["noon"]:
        return time(12, 0)
    if clock["h24"]:
        hour, minute = int(clock["h24"]), int(clock["m24"])
        return time(hour, minute) if hour < 24 and minute < 60 else None
    hour, minute = int(clock["h12"]), int(clock["m12"] or 0)
    if not 1 <= hour <= 12 or minute >= 60:
        return None
    hour %= 12  # 12am is midnight, 12pm noon
    return time(hour + 12 if clock["ampm"] == "p" else hour, minute)


def _combine(day: date, at: time, tz: tzinfo) -> datetime:
    """`day` at wall-clock time `at` in `tz`; a time skipped by a DST change moves past the gap."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _read_day(key: str, today: date, quoted: str) -> date | None:
    named = _NAMED_DAYS.get(key)
    if named is not None:
        return named(today)
    match = _WEEKDAY.match(key)
    if match:  # its next occurrence strictly after today; `this` and `next` change nothing
        return today + timedelta(days=(_WEEKDAYS[match[1]] - today.weekday() - 1) % 7 + 1)
    match = _IN_N.match(key)
    if match:
        return _in_n(today, match[1], match[2])
    match = _SHORT_N.match(key)
    if match:
        return _in_n(today, match[1], "days" if match[2] == "d" else "weeks")
    match = _QUARTER.match(key)
    if match:
        quarter_end = _month_end(date(today.year, int(match[1]) * 3, 1))
        if match[2]:
            return _date_or_none(int(match[2]), quarter_end.month, quarter_end.day)
        return quarter_end if quarter_end >= today else quarter_end.replace(year=today.year + 1)
    return _read_absolute(key, today, quoted)


def _in_n(today: date, count: str, unit: str) -> date:
    n = _NUMBER_WORDS[count] if count in _NUMBER_WORDS else int(count)
    if n > _MAX_COUNT:
        return date.max
    if unit.startswith("day"):
        return today + timedelta(days=n)
    if "day" in unit:  # business days, working days, weekdays
        return add_business_days(today, n)
    if unit.startswith("w"):
        return today + timedelta(weeks=n)
    return _add_months(today, n)


def _read_absolute(key: str, today: date, quoted: str) -> date | None:
    """A calendar date, optionally after its weekday (`Fri 15 Jan`), which must then agree."""
    weekday = None
    match = _LEADING_WEEKDAY.match(key)
    if match:
        weekday, key = _WEEKDAYS[match[1]], match[2]
    day = _read_calendar_date(key, today)
    if day is not None and weekday is not None and day.weekday() != weekday:
        raise DateError(
            f"{quoted} doesn't add up: {day.day} {_MONTH_NAMES[day.month - 1]} {day.year} "
            f"is a {_LONG_DAY_NAMES[day.weekday()]}.",
            reason="unparseable",
        )
    return day


def _read_calendar_date(key: str, today: date) -> date | None:
    match = _ISO.match(key)
    if match:
        return _date_or_none(int(match[1]), int(match[3]), int(match[4]))
    match = _NUMERIC.match(key)
    if match:
        return _day_month_year(today, int(match[1]), int(match[3]), match[4])
    match = _MONTH_DAY.match(key)
    if match:
        return _day_month_year(today, int(match[2]), _MONTHS[match[1]], match[3])
    match = _DAY_MONTH.match(key)
    if match:
        return _day_month_year(today, int(match[1]), _MONTHS[match[2]], match[3])
    return _dateparser_date(key, today)


def _dateparser_date(key: str, today: date) -> date | None:
    """What dateparser makes of `key`, when it finds a day and a month and no time."""
    if not _WORTH_DATEPARSER.search(key):
        return None
    try:
        data = _DATEPARSER.get_date_data(key)
    except Exception:  # dateparser has many ways to fail on odd text; none of them is a date
        return None
    found = data.date_obj
    # Which parts the text gave (the rest comes from the fixed relative base). A bare number
    # (`12`) is only a day, `march` only a month: not dates. A time would mean our own clock
    # grammar did not recognise it (e.g. it names a time zone), so it is refused too.
    parts: tuple[str, ...] = getattr(data, "parts", ())
    if found is None or data.period != "day" or "time" in parts:
        return None
    if "day" not in parts or "month" not in parts:
        return None
    if "year" in parts:
        return found.date()
    return _next_occurrence(today, found.month, found.day)


def _day_month_year(today: date, day: int, month: int, year: str | None) -> date | None:
    if year is None:
        return _next_occurrence(today, month, day)
    year = year.lstrip("'")
    return _date_or_none(int(year) + 2000 if len(year) == 2 else int(year), month, day)


def _next_occurrence(today: date, month: int, day: int) -> date | None:
    """The first `day` `month` on or after today (29 February can be up to eight years on)."""
    for year in range(today.year, today.year + 9):
        found = _date_or_none(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- calendar arithmetic ---


def _add_months(day: date, n: int) -> date:
    """The same day of the month `n` months on, or that month's last day if it is shorter."""
    year, month = divmod(day.month - 1 + n, 12)
    first = date(day.year + year, month + 1, 1)
    return first.replace(day=min(day.day, _month_end(first).day))


def _add_years(day: date, n: int) -> date:
    try:
        return day.replace(year=day.year + n)
    except ValueError:  # 29 February
        return date(day.year + n, 2, 28)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _week_end(today: date) -> date:
    """The Friday on or after today."""
    return today + timedelta(days=(4 - today.weekday()) % 7)


def _quarter_end(today: date) -> date:
    return _month_end(date(today.year, (today.month - 1) // 3 * 3 + 3, 1))


def _with_the(days: dict[str, Callable[[date], date]]) -> dict[str, Callable[[date], date]]:
    """The phrases, also with `the` in front (`the end of the month`)."""
    return days | {f"the {phrase}": read for phrase, read in days.items()}


_NAMED_DAYS: Final[dict[str, Callable[[date], date]]] = _with_the(
    {
        "today": lambda today: today,
        "tomorrow": lambda today: today + timedelta(days=1),
        "tmrw": lambda today: today + timedelta(days=1),
        "tmr": lambda today: today + timedelta(days=1),
        # Read only to be refused as past, rather than mistaken for prose.
        "yesterday": lambda today: today - timedelta(days=1),
        "day after tomorrow": lambda today: today + timedelta(days=2),
        "eow": _week_end,
        "end of week": _week_end,
        "end of the week": _week_end,
        "end of this week": _week_end,
        "end of next week": lambda today: _week_end(today) + timedelta(weeks=1),
        "eom": _month_end,
        "end of month": _month_end,
        "end of the month": _month_end,
        "end of this month": _month_end,
        "end of next month": lambda today: _month_end(_add_months(today.replace(day=1), 1)),
        "eoq": _quarter_end,
        "end of quarter": _quarter_end,
        "end of the quarter": _quarter_end,
        "end of this quarter": _quarter_end,
        "eoy": lambda today: date(today.year, 12, 31),
        "end of year": lambda today: date(today.year, 12, 31),
        "end of the year": lambda today: date(today.year, 12, 31),
        "end of this year": lambda today: date(today.year, 12, 31),
        "next week": lambda today: today + timedelta(days=7 - today.weekday()),
        "next month": lambda today: _add_months(today.replace(day=1), 1),
    }
)
