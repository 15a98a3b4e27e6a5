"""Tests for bot.dates: reading due dates the way people type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import MAX_INPUT_LENGTH, add_business_days, format_day, parse_due
from bot.errors import DateError

LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# The "now"s the table is read from; the comment gives the weekday.
LON_THU = datetime(2026, 11, 19, 10, 0, tzinfo=LONDON)  # Thu, 10:00 GMT
LON_FRI = datetime(2026, 11, 20, 9, 0, tzinfo=LONDON)  # Fri
LON_SAT = datetime(2026, 11, 21, 11, 0, tzinfo=LONDON)  # Sat
LON_SUN = datetime(2026, 11, 22, 12, 0, tzinfo=LONDON)  # Sun
LON_MONTH_END = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)  # Mon, last day of November
LON_YEAR_END = datetime(2026, 12, 31, 9, 0, tzinfo=LONDON)  # Thu, last day of the year
LON_JAN_31 = datetime(2027, 1, 31, 9, 0, tzinfo=LONDON)  # Sun
LON_LEAP_JAN_31 = datetime(2028, 1, 31, 9, 0, tzinfo=LONDON)  # Mon, in a leap year
LON_APR_1 = datetime(2027, 4, 1, 9, 0, tzinfo=LONDON)  # Thu, first day of Q2
LON_5PM = datetime(2026, 11, 19, 17, 0, tzinfo=LONDON)  # Thu, exactly 17:00
LON_LATE = datetime(2026, 11, 19, 17, 1, tzinfo=LONDON)  # Thu, just after 17:00
LA_EVENING = datetime(2026, 11, 19, 21, 30, tzinfo=LOS_ANGELES)  # Thu; already Fri in UTC
TOKYO_MORNING = datetime(2026, 11, 20, 8, 0, tzinfo=TOKYO)  # Fri; still Thu in UTC
KOLKATA_SUN = datetime(2026, 11, 22, 15, 0, tzinfo=KOLKATA)  # Sun
SYDNEY_SAT = datetime(2026, 11, 21, 9, 0, tzinfo=SYDNEY)  # Sat, AEDT
BERLIN_SAT = datetime(2026, 3, 28, 18, 0, tzinfo=BERLIN)  # Sat; CEST starts Sun 02:00
NY_SAT = datetime(2026, 10, 31, 20, 0, tzinfo=NEW_YORK)  # Sat; EST from Sun 02:00


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def at(now: datetime, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the time zone of `now`."""
    return datetime(year, month, day, hour, minute, tzinfo=now.tzinfo)


# (id, now, text, expected)
ACCEPTED: list[tuple[str, datetime, str, date | datetime]] = [
    # today, tomorrow, the day after
    ("lon-today", LON_THU, "today", d(2026, 11, 19)),
    ("lon-tomorrow", LON_THU, "tomorrow", d(2026, 11, 20)),
    ("lon-tmrw", LON_THU, "tmrw", d(2026, 11, 20)),
    ("lon-day-after-tomorrow", LON_THU, "the day after tomorrow", d(2026, 11, 21)),
    ("lon-day-after-tomorrow-bare", LON_THU, "day after tomorrow", d(2026, 11, 21)),
    # weekdays: next occurrence strictly after today
    ("lon-friday", LON_THU, "friday", d(2026, 11, 20)),
    ("lon-fri", LON_THU, "fri", d(2026, 11, 20)),
    ("lon-this-friday", LON_THU, "this friday", d(2026, 11, 20)),
    ("lon-next-friday", LON_THU, "next friday", d(2026, 11, 20)),
    ("lon-thursday-on-thursday", LON_THU, "thursday", d(2026, 11, 26)),
    ("lon-monday", LON_THU, "monday", d(2026, 11, 23)),
    ("lon-sun", LON_THU, "sun", d(2026, 11, 22)),
    ("lon-friday-on-friday", LON_FRI, "friday", d(2026, 11, 27)),
    ("lon-this-friday-on-friday", LON_FRI, "this friday", d(2026, 11, 27)),
    # in N days / weeks / months, short forms
    ("lon-in-3-days", LON_THU, "in 3 days", d(2026, 11, 22)),
    ("lon-in-three-days", LON_THU, "in three days", d(2026, 11, 22)),
    ("lon-in-twelve-days", LON_THU, "in twelve days", d(2026, 12, 1)),
    ("lon-in-a-day", LON_THU, "in a day", d(2026, 11, 20)),
    ("lon-in-0-days", LON_THU, "in 0 days", d(2026, 11, 19)),
    ("lon-3-days-from-now", LON_THU, "3 days from now", d(2026, 11, 22)),
    ("lon-in-a-week", LON_THU, "in a week", d(2026, 11, 26)),
    ("lon-in-2-weeks", LON_THU, "in 2 weeks", d(2026, 12, 3)),
    ("lon-in-a-month", LON_THU, "in a month", d(2026, 12, 19)),
    ("lon-in-3-months", LON_THU, "in 3 months", d(2027, 2, 19)),
    ("lon-3d", LON_THU, "3d", d(2026, 11, 22)),
    ("lon-plus-3d", LON_THU, "+3d", d(2026, 11, 22)),
    ("lon-2w", LON_THU, "2w", d(2026, 12, 3)),
    ("lon-month-clamped", LON_JAN_31, "in 1 month", d(2027, 2, 28)),
    ("lon-month-clamped-leap", LON_LEAP_JAN_31, "in 1 month", d(2028, 2, 29)),
    ("lon-months-over-year-end", LON_YEAR_END, "in 2 months", d(2027, 2, 28)),
    # business days skip the weekend
    ("lon-2-business-days-thu", LON_THU, "in 2 business days", d(2026, 11, 23)),
    ("lon-5-working-days-thu", LON_THU, "in 5 working days", d(2026, 11, 26)),
    ("lon-1-business-day-fri", LON_FRI, "in 1 business day", d(2026, 11, 23)),
    ("lon-1-business-day-sat", LON_SAT, "in 1 business day", d(2026, 11, 23)),
    ("lon-10-business-days-sun", LON_SUN, "in ten business days", d(2026, 12, 4)),
    # end of period
    ("lon-eow", LON_THU, "eow", d(2026, 11, 20)),
    ("lon-end-of-week", LON_THU, "end of week", d(2026, 11, 20)),
    ("lon-end-of-the-week", LON_THU, "by the end of the week", d(2026, 11, 20)),
    ("lon-end-of-week-on-friday", LON_FRI, "end of week", d(2026, 11, 20)),
    ("lon-end-of-week-on-saturday", LON_SAT, "end of week", d(2026, 11, 27)),
    ("lon-end-of-next-week", LON_THU, "end of next week", d(2026, 11, 27)),
    ("lon-end-of-next-week-on-friday", LON_FRI, "end of next week", d(2026, 11, 27)),
    ("lon-end-of-next-week-on-saturday", LON_SAT, "end of next week", d(2026, 12, 4)),
    ("lon-eom", LON_THU, "eom", d(2026, 11, 30)),
    ("lon-end-of-month", LON_THU, "end of month", d(2026, 11, 30)),
    ("lon-eom-on-last-day", LON_MONTH_END, "eom", d(2026, 11, 30)),
    ("lon-eoq", LON_THU, "eoq", d(2026, 12, 31)),
    ("lon-end-of-quarter-q2", LON_APR_1, "end of quarter", d(2027, 6, 30)),
    ("lon-eoy", LON_THU, "eoy", d(2026, 12, 31)),
    ("lon-eoy-on-last-day", LON_YEAR_END, "end of year", d(2026, 12, 31)),
    ("lon-next-week", LON_THU, "next week", d(2026, 11, 23)),
    ("lon-next-week-on-sunday", LON_SUN, "next week", d(2026, 11, 23)),
    ("lon-next-week-at-year-end", LON_YEAR_END, "next week", d(2027, 1, 4)),
    ("lon-next-month", LON_THU, "next month", d(2026, 12, 1)),
    ("lon-next-month-at-year-end", LON_YEAR_END, "next month", d(2027, 1, 1)),
    ("lon-end-of-next-month", LON_THU, "end of next month", d(2026, 12, 31)),
    # quarters: the last day of the next such quarter, the current one counting
    ("lon-q1", LON_THU, "Q1", d(2027, 3, 31)),
    ("lon-q2", LON_THU, "q2", d(2027, 6, 30)),
    ("lon-q3", LON_THU, "Q3", d(2027, 9, 30)),
    ("lon-q4-current", LON_THU, "Q4", d(2026, 12, 31)),
    ("lon-q4-on-last-day", LON_YEAR_END, "Q4", d(2026, 12, 31)),
    ("lon-q1-after-q1", LON_APR_1, "Q1", d(2028, 3, 31)),
    ("lon-q2-in-q2", LON_APR_1, "end of Q2", d(2027, 6, 30)),
    ("lon-q3-with-year", LON_THU, "Q3 2027", d(2027, 9, 30)),
    # absolute dates
    ("lon-iso", LON_THU, "2027-01-15", d(2027, 1, 15)),
    ("lon-iso-slashes", LON_THU, "2027/01/15", d(2027, 1, 15)),
    ("lon-jan-15-rolls-over", LON_THU, "Jan 15", d(2027, 1, 15)),
    ("lon-jan-15-rolls-over-sunday", LON_SUN, "Jan 15", d(2027, 1, 15)),
    ("lon-15-january", LON_THU, "15 January", d(2027, 1, 15)),
    ("lon-january-15th-2027", LON_THU, "January 15th 2027", d(2027, 1, 15)),
    ("lon-15th-of-january-2027", LON_THU, "15th of January, 2027", d(2027, 1, 15)),
    ("lon-jan-15-two-digit-year", LON_THU, "15 Jan 27", d(2027, 1, 15)),
    ("lon-dec-25-this-year", LON_THU, "Dec 25", d(2026, 12, 25)),
    ("lon-today-without-year", LON_THU, "19 Nov", d(2026, 11, 19)),
    ("lon-yesterday-without-year", LON_THU, "18 Nov", d(2027, 11, 18)),
    ("lon-feb-29-next-leap-year", LON_THU, "Feb 29", d(2028, 2, 29)),
    ("lon-numeric-day-first", LON_THU, "15/01/2027", d(2027, 1, 15)),
    ("lon-numeric-ambiguous-day-first", LON_THU, "03/04/2027", d(2027, 4, 3)),
    ("lon-numeric-dots", LON_THU, "15.01.2027", d(2027, 1, 15)),
    ("lon-numeric-two-digit-year", LON_THU, "15/01/27", d(2027, 1, 15)),
    ("lon-numeric-without-year", LON_THU, "15/01", d(2027, 1, 15)),
    ("lon-weekday-and-date", LON_THU, "Fri 15 Jan 2027", d(2027, 1, 15)),
    ("lon-weekday-comma-date", LON_THU, "Friday, January 15, 2027", d(2027, 1, 15)),
    # read by dateparser
    ("lon-dateparser-year-first", LON_THU, "2027 Jan 15", d(2027, 1, 15)),
    ("lon-dateparser-the-15th", LON_THU, "January the 15th", d(2027, 1, 15)),
    ("lon-dateparser-no-spaces", LON_THU, "15jan2027", d(2027, 1, 15)),
    ("lon-dateparser-dashes", LON_THU, "15-Jan-2027", d(2027, 1, 15)),
    # times of day
    ("lon-tomorrow-5pm", LON_THU, "tomorrow 5pm", at(LON_THU, 2026, 11, 20, 17)),
    ("lon-5pm-tomorrow", LON_THU, "5pm tomorrow", at(LON_THU, 2026, 11, 20, 17)),
    ("lon-tomorrow-at-930am", LON_THU, "tomorrow at 9:30am", at(LON_THU, 2026, 11, 20, 9, 30)),
    ("lon-tomorrow-5-pm-dots", LON_THU, "tomorrow 5 p.m.", at(LON_THU, 2026, 11, 20, 17)),
    ("lon-friday-at-noon", LON_THU, "friday at noon", at(LON_THU, 2026, 11, 20, 12)),
    ("lon-iso-and-time", LON_THU, "2027-01-15 17:00", at(LON_THU, 2027, 1, 15, 17)),
    ("lon-jan-15-at-930", LON_THU, "Jan 15 at 9:30 am", at(LON_THU, 2027, 1, 15, 9, 30)),
    ("lon-friday-eod", LON_THU, "friday eod", at(LON_THU, 2026, 11, 20, 17)),
    ("lon-in-3-days-at-noon", LON_THU, "in 3 days at noon", at(LON_THU, 2026, 11, 22, 12)),
    ("lon-12am", LON_THU, "tomorrow 12am", at(LON_THU, 2026, 11, 20, 0)),
    ("lon-12pm", LON_THU, "tomorrow 12pm", at(LON_THU, 2026, 11, 20, 12)),
    ("lon-bare-time-ahead", LON_THU, "5pm", at(LON_THU, 2026, 11, 19, 17)),
    ("lon-bare-24h-ahead", LON_THU, "17:00", at(LON_THU, 2026, 11, 19, 17)),
    ("lon-bare-noon-ahead", LON_THU, "noon", at(LON_THU, 2026, 11, 19, 12)),
    ("lon-bare-time-passed", LON_THU, "at 9:30am", at(LON_THU, 2026, 11, 20, 9, 30)),
    ("lon-bare-time-now", LON_THU, "10:00", at(LON_THU, 2026, 11, 20, 10)),
    ("lon-eod-before-17", LON_THU, "eod", at(LON_THU, 2026, 11, 19, 17)),
    ("lon-cob-before-17", LON_THU, "cob", at(LON_THU, 2026, 11, 19, 17)),
    ("lon-eod-at-17", LON_5PM, "eod", at(LON_THU, 2026, 11, 19, 17)),
    # ignored prefixes, case, punctuation, spaces, quotes
    ("prefix-by", LON_THU, "by friday", d(2026, 11, 20)),
    ("prefix-on", LON_THU, "on friday", d(2026, 11, 20)),
    ("prefix-due", LON_THU, "due friday", d(2026, 11, 20)),
    ("prefix-due-on", LON_THU, "due on friday", d(2026, 11, 20)),
    ("prefix-until", LON_THU, "until friday", d(2026, 11, 20)),
    ("prefix-by-time", LON_THU, "by 5pm", at(LON_THU, 2026, 11, 19, 17)),
    ("prefix-by-eod", LON_THU, "by EOD", at(LON_THU, 2026, 11, 19, 17)),
    ("case-and-punctuation", LON_THU, "  Due   BY  Friday!! ", d(2026, 11, 20)),
    ("trailing-full-stop", LON_THU, "Jan 15.", d(2027, 1, 15)),
    ("upper-case", LON_THU, "TOMORROW", d(2026, 11, 20)),
    ("backticks", LON_THU, "`eom`", d(2026, 11, 30)),
    ("tabs-and-newlines", LON_THU, "\tin 3\ndays\n", d(2026, 11, 22)),
    # Los Angeles on Thursday evening, already Friday in UTC
    ("la-evening-today", LA_EVENING, "today", d(2026, 11, 19)),
    ("la-evening-tomorrow", LA_EVENING, "tomorrow", d(2026, 11, 20)),
    ("la-evening-friday", LA_EVENING, "friday", d(2026, 11, 20)),
    ("la-evening-eow", LA_EVENING, "end of week", d(2026, 11, 20)),
    ("la-evening-in-1-day", LA_EVENING, "in 1 day", d(2026, 11, 20)),
    ("la-evening-10pm", LA_EVENING, "10pm", at(LA_EVENING, 2026, 11, 19, 22)),
    ("la-evening-5pm", LA_EVENING, "5pm", at(LA_EVENING, 2026, 11, 20, 17)),
    ("la-evening-tomorrow-9am", LA_EVENING, "tomorrow 9am", at(LA_EVENING, 2026, 11, 20, 9)),
    # Tokyo on Friday morning, still Thursday in UTC
    ("tokyo-today", TOKYO_MORNING, "today", d(2026, 11, 20)),
    ("tokyo-tomorrow", TOKYO_MORNING, "tomorrow", d(2026, 11, 21)),
    ("tokyo-friday", TOKYO_MORNING, "friday", d(2026, 11, 27)),
    ("tokyo-eow", TOKYO_MORNING, "eow", d(2026, 11, 20)),
    ("tokyo-eod", TOKYO_MORNING, "eod", at(TOKYO_MORNING, 2026, 11, 20, 17)),
    ("tokyo-1-business-day", TOKYO_MORNING, "in 1 business day", d(2026, 11, 23)),
    # Kolkata on Sunday afternoon (UTC+05:30)
    ("kolkata-jan-15", KOLKATA_SUN, "Jan 15", d(2027, 1, 15)),
    ("kolkata-next-week", KOLKATA_SUN, "next week", d(2026, 11, 23)),
    ("kolkata-eow", KOLKATA_SUN, "end of week", d(2026, 11, 27)),
    ("kolkata-1-business-day", KOLKATA_SUN, "in 1 business day", d(2026, 11, 23)),
    ("kolkata-eod", KOLKATA_SUN, "eod", at(KOLKATA_SUN, 2026, 11, 22, 17)),
    ("kolkata-6pm", KOLKATA_SUN, "6pm", at(KOLKATA_SUN, 2026, 11, 22, 18)),
    ("kolkata-2pm", KOLKATA_SUN, "2pm", at(KOLKATA_SUN, 2026, 11, 23, 14)),
    # Sydney on Saturday morning
    ("sydney-eow", SYDNEY_SAT, "end of week", d(2026, 11, 27)),
    ("sydney-end-of-next-week", SYDNEY_SAT, "end of next week", d(2026, 12, 4)),
    ("sydney-5-business-days", SYDNEY_SAT, "in 5 business days", d(2026, 11, 27)),
    ("sydney-saturday", SYDNEY_SAT, "saturday", d(2026, 11, 28)),
    ("sydney-eod", SYDNEY_SAT, "eod", at(SYDNEY_SAT, 2026, 11, 21, 17)),
    # across DST changes the wall-clock time is the one asked for
    ("berlin-dst-tomorrow-9am", BERLIN_SAT, "tomorrow 9am", at(BERLIN_SAT, 2026, 3, 29, 9)),
    ("berlin-dst-tomorrow", BERLIN_SAT, "tomorrow", d(2026, 3, 29)),
    ("berlin-dst-bare-time", BERLIN_SAT, "9am", at(BERLIN_SAT, 2026, 3, 29, 9)),
    ("ny-dst-tomorrow-9am", NY_SAT, "tomorrow 9am", at(NY_SAT, 2026, 11, 1, 9)),
    ("ny-dst-in-2-days-5pm", NY_SAT, "in 2 days 5pm", at(NY_SAT, 2026, 11, 2, 17)),
    # the last day allowed
    ("five-years-ahead", LON_THU, "2031-11-19", d(2031, 11, 19)),
]


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_parse_due_reads(now: datetime, text: str, expected: date | datetime) -> None:
    result = parse_due(text, now=now)

    assert type(result) is type(expected)
    assert result == expected
    if isinstance(result, datetime):
        assert isinstance(expected, datetime)
        assert result.tzinfo is now.tzinfo
        assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("now", "text", "expected_utc"),
    [
        # Sunday 29 March is CEST (UTC+2): 09:00 local is 07:00 UTC.
        (BERLIN_SAT, "tomorrow 9am", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        # Saturday 28 March is still CET (UTC+1).
        (BERLIN_SAT, "10pm", datetime(2026, 3, 28, 21, 0, tzinfo=UTC)),
        # 02:30 does not exist on 29 March in Berlin: it moves past the gap, to 03:30 CEST.
        (BERLIN_SAT, "tomorrow 2:30am", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # Sunday 1 November is EST (UTC-5) in New York: 09:00 local is 14:00 UTC.
        (NY_SAT, "tomorrow 9am", datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
        # The Thursday-evening person in Los Angeles: Friday 17:00 PST is Saturday 01:00 UTC.
        (LA_EVENING, "tomorrow 5pm", datetime(2026, 11, 21, 1, 0, tzinfo=UTC)),
    ],
    ids=["berlin-cest", "berlin-cet", "berlin-gap", "new-york-est", "los-angeles"],
)
def test_times_are_the_right_instant(now: datetime, text: str, expected_utc: datetime) -> None:
    result = parse_due(text, now=now)

    assert isinstance(result, datetime)
    assert result.astimezone(UTC) == expected_utc


# (id, now, text, reason)
REFUSED: list[tuple[str, datetime, str, str]] = [
    ("past-iso", LON_THU, "2020-01-01", "past"),
    ("past-yesterday-with-year", LON_THU, "Nov 18 2026", "past"),
    ("past-numeric", LON_THU, "18/11/2026", "past"),
    ("past-quarter-with-year", LON_THU, "Q3 2026", "past"),
    ("past-today-time", LON_THU, "today 9am", "past"),
    ("past-eod-after-17", LON_LATE, "eod", "past"),
    ("past-cob-after-17", LON_LATE, "by COB", "past"),
    ("past-la-evening-eod", LA_EVENING, "eod", "past"),
    ("past-kolkata-today-2pm", KOLKATA_SUN, "today 2pm", "past"),
    ("too-far-iso", LON_THU, "2040-01-01", "too_far"),
    ("too-far-one-day-over", LON_THU, "2031-11-20", "too_far"),
    ("too-far-six-years", LON_THU, "2032-11-19", "too_far"),
    ("too-far-months", LON_THU, "in 100 months", "too_far"),
    ("too-far-huge-count", LON_THU, "in 99999 days", "too_far"),
    ("too-far-huge-count-with-time", LON_THU, "in 99999999 days 5pm", "too_far"),
    ("too-far-year-9999", LON_THU, "9999-12-31 23:00", "too_far"),
    ("unparseable-someday", LON_THU, "someday", "unparseable"),
    ("unparseable-asap", LON_THU, "asap", "unparseable"),
    ("unparseable-empty", LON_THU, "", "unparseable"),
    ("unparseable-spaces", LON_THU, "   ", "unparseable"),
    ("unparseable-prefix-only", LON_THU, "by", "unparseable"),
    ("unparseable-bare-number", LON_THU, "12", "unparseable"),
    ("unparseable-bare-month", LON_THU, "march", "unparseable"),
    ("unparseable-month-and-year", LON_THU, "March 2027", "unparseable"),
    ("unparseable-year", LON_THU, "2027", "unparseable"),
    ("unparseable-in-3", LON_THU, "in 3", "unparseable"),
    ("unparseable-month-first", LON_THU, "1/15/2027", "unparseable"),
    ("unparseable-no-such-day", LON_THU, "31/02/2027", "unparseable"),
    ("unparseable-no-such-day-no-year", LON_THU, "31 Apr", "unparseable"),
    ("unparseable-bad-hour", LON_THU, "25:00", "unparseable"),
    ("unparseable-13pm", LON_THU, "tomorrow 13pm", "unparseable"),
    ("unparseable-wrong-weekday", LON_THU, "Thu 15 Jan 2027", "unparseable"),
    ("unparseable-time-zone", LON_THU, "Jan 15 5pm PST", "unparseable"),
    ("past-yesterday", LON_THU, "yesterday", "past"),
    ("unparseable-last-friday", LON_THU, "last friday", "unparseable"),
    ("unparseable-ago", LON_THU, "2 days ago", "unparseable"),
    ("unparseable-timestamp", LON_THU, "1700000000", "unparseable"),
    ("unparseable-too-long", LON_THU, "friday " * 40, "unparseable"),
    ("unparseable-null-bytes", LON_THU, "fri\x00day", "unparseable"),
    ("unparseable-junk", LON_THU, "🗓️ \u200b\ufeff ∞", "unparseable"),
]


@pytest.mark.parametrize(
    ("now", "text", "reason"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_parse_due_refuses(now: datetime, text: str, reason: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_due(text, now=now)

    assert caught.value.reason == reason
    assert caught.value.message
    assert "*" not in caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "someday",
            "I couldn't read “someday” as a date. "
            "Try `friday`, `2027-01-15`, `in 3 days` or `eom`.",
        ),
        ("by 2020-01-01", "“2020-01-01” is in the past."),
        ("2040-01-01.", "“2040-01-01” is more than five years ahead."),
        ("Thu 15 Jan 2027", "“Thu 15 Jan 2027” doesn't add up: 15 Jan 2027 is a Friday."),
        ("", "I need a date. Try `friday`, `2027-01-15`, `in 3 days` or `eom`."),
    ],
    ids=["unparseable", "past", "too-far", "wrong-weekday", "empty"],
)
def test_messages_quote_what_was_typed(text: str, message: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_due(text, now=LON_THU)

    assert caught.value.message == message
    assert str(caught.value) == message


def test_long_text_is_refused_and_not_quoted() -> None:
    text = "x" * (MAX_INPUT_LENGTH + 1)

    with pytest.raises(DateError) as caught:
        parse_due(text, now=LON_THU)

    assert caught.value.reason == "unparseable"
    assert text not in caught.value.message


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_due("friday", now=LON_THU.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        (date(2026, 11, 27), None, "Fri 27 Nov"),
        (date(2026, 11, 27), date(2026, 11, 19), "Fri 27 Nov"),
        (date(2027, 1, 15), date(2026, 11, 19), "Fri 15 Jan 2027"),
        (date(2027, 1, 15), None, "Fri 15 Jan"),
        (datetime(2026, 11, 27, 17, 0, tzinfo=LONDON), None, "Fri 27 Nov 17:00"),
        (datetime(2026, 11, 2, 9, 5, tzinfo=TOKYO), date(2026, 11, 1), "Mon 2 Nov 09:05"),
        (datetime(2027, 1, 4, 9, 30, tzinfo=SYDNEY), date(2026, 12, 31), "Mon 4 Jan 2027 09:30"),
    ],
    ids=[
        "date",
        "date-same-year",
        "date-other-year",
        "date-no-today",
        "datetime",
        "datetime-zero-padded",
        "datetime-other-year",
    ],
)
def test_format_day(value: date | datetime, today: date | None, expected: str) -> None:
    assert format_day(value, today=today) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 11, 19), 0, date(2026, 11, 19)),  # Thu
        (date(2026, 11, 19), 1, date(2026, 11, 20)),  # Thu -> Fri
        (date(2026, 11, 19), 2, date(2026, 11, 23)),  # Thu -> Mon, over the weekend
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Fri -> Mon
        (date(2026, 11, 20), 5, date(2026, 11, 27)),  # Fri -> Fri
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # Sat -> Mon
        (date(2026, 11, 22), 1, date(2026, 11, 23)),  # Sun -> Mon
        (date(2026, 11, 21), 0, date(2026, 11, 21)),  # Sat stays
        (date(2026, 11, 16), 4, date(2026, 11, 20)),  # Mon -> Fri
        (date(2026, 11, 16), 12, date(2026, 12, 2)),  # Mon -> Wed two weeks on
        (date(2026, 11, 23), -1, date(2026, 11, 20)),  # Mon -> Fri before
        (date(2026, 11, 22), -1, date(2026, 11, 20)),  # Sun -> Fri before
        (date(2026, 11, 27), -5, date(2026, 11, 20)),  # Fri -> Fri before
    ],
)
def test_add_business_days(day: date, n: int, expected: date) -> None:
    assert add_business_days(day, n) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 9, 10, 23, 250])
def test_add_business_days_matches_counting(n: int) -> None:
    for start in (date(2026, 11, 16) + timedelta(days=i) for i in range(7)):
        day = start
        for _ in range(n):
            day += timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
        assert add_business_days(start, n) == day
        # and back again: to the start, or from a weekend start to the Friday before it
        friday_before = start - timedelta(days=start.weekday() - 4)
        assert add_business_days(day, -n) == (start if start.weekday() < 5 else friday_before)


# --- property: any text gives a date in range or a DateError, nothing else ---

NOWS = [
    LON_THU,
    LON_LATE,
    LON_YEAR_END,
    LA_EVENING,
    TOKYO_MORNING,
    KOLKATA_SUN,
    SYDNEY_SAT,
    BERLIN_SAT,
    NY_SAT,
]
VOCABULARY = [
    "by", "on", "due", "until", "in", "at", "the", "of", "this", "next", "end", "day", "days",
    "week", "weeks", "month", "months", "business", "working", "a", "an", "three", "twelve",
    "today", "tomorrow", "after", "friday", "fri", "monday", "sun", "eod", "cob", "eow", "eom",
    "eoq", "eoy", "q1", "q4", "jan", "january", "feb", "29", "15", "15th", "31", "0", "2027",
    "1999", "9999", "2027-01-15", "15/01/2027", "1/15", "5pm", "12am", "17:00", "9:30am",
    "noon", "+3d", "2w", "99999", ",", ".", "!", "`", "@", "\x00", "\n", " ", "é", "🗓️",
]  # fmt: skip
vocabulary_text = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(" ".join)


def check_any_text(text: str, now: datetime) -> None:
    result: date | datetime | DateError
    try:
        result = parse_due(text, now=now)
    except DateError as error:
        result = error
    if isinstance(result, DateError):
        assert result.reason in {"unparseable", "past", "too_far"}
        assert result.message
        return
    today = now.date()
    latest = today.replace(year=today.year + 5)
    if isinstance(result, datetime):
        assert result.tzinfo is now.tzinfo
        assert result >= now
        assert result.date() <= latest
    else:
        assert type(result) is date
        assert today <= result <= latest


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=80), now=st.sampled_from(NOWS))
def test_any_text_is_a_date_or_a_date_error(text: str, now: datetime) -> None:
    check_any_text(text, now)


@settings(max_examples=300, deadline=None, database=None)
@given(text=vocabulary_text, now=st.sampled_from(NOWS))
def test_any_mix_of_date_words_is_a_date_or_a_date_error(text: str, now: datetime) -> None:
    check_any_text(text, now)
