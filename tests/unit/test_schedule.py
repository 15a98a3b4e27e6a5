"""Tests for bot.services.schedule: the pure planner of reminders and missed sends.

Every test builds a Snapshot from domain values at a fixed, aware `now`; nothing touches a clock
or a database. The reference week is Monday 16 to Friday 20 November 2026 (London on GMT, Los
Angeles on PST, Sydney on AEDT), then the weekend of 21-22 and Monday 23.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Item, Kind, ProjectRef, ReminderDue
from bot.services.escalation_schedule import plan_escalations
from bot.services.schedule import (
    DEFAULT_REMINDER_TIME,
    Plan,
    Rules,
    Snapshot,
    Tracked,
    plan,
    reminder_key,
)

# -- builders ------------------------------------------------------------------------------

WS = 1
TEAM = "T0001"
ALICE = "U0ALICE"
BOB = "U0BOB"

LONDON = "Europe/London"
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"
TOKYO = "Asia/Tokyo"
SYDNEY = "Australia/Sydney"

# The loader's project ids, by slug: holidays and rules refer to projects by id.
APOLLO_ID, HERMES_ID, ZEUS_ID = 1, 2, 3
PROJECT_IDS = {"apollo": APOLLO_ID, "hermes": HERMES_ID, "zeus": ZEUS_ID}

MON, TUE, WED, THU, FRI = (date(2026, 11, d) for d in range(16, 21))
SAT, SUN, NEXT_MON, NEXT_TUE, NEXT_WED = (date(2026, 11, d) for d in range(21, 26))
PREV_SUN, LAST_FRI = date(2026, 11, 15), date(2026, 11, 13)
LONG_AGO = date(2026, 1, 5)  # before every date used here, the DST weekends included
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def project(slug: str = "apollo", tz: str = LONDON, name: str | None = None) -> ProjectRef:
    return ProjectRef(slug, name or slug.title(), f"C0{slug.upper()}", tz)


APOLLO, ZEUS = project("apollo"), project("zeus")


def item(
    kind: Kind,
    number: int = 1,
    *,
    owner: str | None = ALICE,
    proj: ProjectRef = APOLLO,
    due_on: date | None = None,
    due_at: datetime | None = None,
    review_on: date | None = None,
) -> Item:
    if due_at is not None and due_on is None:
        due_on = due_at.date()  # as the loader stores it: both columns set
    return Item(
        kind=kind,
        number=number,
        project=proj,
        title=f"{kind.noun} {number}",
        status="open",
        owner_id=owner,
        created_by=BOB,
        created_at=CREATED,
        updated_at=CREATED,
        due_on=due_on,
        due_at=due_at,
        review_on=review_on,
    )


action = partial(item, Kind.ACTION)
issue = partial(item, Kind.ISSUE)
risk = partial(item, Kind.RISK)


def track(
    it: Item,
    *,
    at: time = DEFAULT_REMINDER_TIME,
    escalation_days: int = 3,
    workspace_id: int = WS,
) -> Tracked:
    """The item as the loader feeds it, with its project's rules (zone from the project)."""
    ref = it.project
    rules = Rules(PROJECT_IDS[ref.slug], ref.timezone, at, escalation_days)
    return Tracked(workspace_id, TEAM, rules, it)


def snap(
    now: datetime,
    *items: Item | Tracked,
    zones: Mapping[tuple[int, str], str] | None = None,
    holidays: Mapping[int | None, Iterable[date]] | None = None,
    away: Mapping[str, tuple[tuple[date, date], ...]] | None = None,
    last_pass: datetime | None = None,
) -> Snapshot:
    """A snapshot of workspace WS; `holidays` by project slug's id (None: the workspace)."""
    return Snapshot(
        now=now,
        items=tuple(i if isinstance(i, Tracked) else track(i) for i in items),
        zones=zones or {},
        holidays={WS: {p: frozenset(days) for p, days in (holidays or {}).items()}},
        away={(WS, user): spans for user, spans in (away or {}).items()},
        last_pass=last_pass,
    )


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def only_reminder(result: Plan) -> ReminderDue:
    assert len(result.reminders) == 1, result
    return result.reminders[0]


def outcome(result: Plan) -> str:
    """One person's fate in a plan: their reminder's key, `waiting`, `quiet` or `nothing`."""
    if result.reminders:
        return only_reminder(result).key
    if result.waiting:
        return "waiting"
    return "quiet" if result.quiet else "nothing"


def key(day: date, user: str = ALICE) -> str:
    return reminder_key(TEAM, user, day)


def buckets(reminder: ReminderDue) -> dict[str, list[str]]:
    """Each non-empty bucket of a one-project reminder, as item refs."""
    (section,) = reminder.sections
    lists = {
        "overdue": section.overdue,
        "today": section.today,
        "tomorrow": section.tomorrow,
        "reviews": section.reviews,
    }
    return {name: [i.ref for i in items] for name, items in lists.items() if items}


def passes(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    moment = start
    while moment < end:
        yield moment
        moment += step


# Always in the reminder, whatever the day: a risk whose review is long overdue.
STANDING = risk(99, review_on=LONG_AGO)


# -- reminder time, in each person's zone --------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        (LONDON, utc(MON, 8, 59), "waiting"),
        (LONDON, utc(MON, 9, 0), key(MON)),
        (LONDON, utc(MON, 17, 5), key(MON)),
        (LOS_ANGELES, utc(MON, 16, 55), "waiting"),  # 08:55 PST
        (LOS_ANGELES, utc(MON, 17, 5), key(MON)),  # 09:05 PST
        (LOS_ANGELES, utc(MON, 7, 0), "quiet"),  # Sunday 23:00 PST
        (TOKYO, utc(PREV_SUN, 23, 55), "waiting"),  # Monday 08:55 JST
        (TOKYO, utc(MON, 0, 5), key(MON)),  # Monday 09:05 JST
        (TOKYO, utc(FRI, 23, 55), "quiet"),  # Saturday 08:55 JST
        (SYDNEY, utc(PREV_SUN, 21, 55), "waiting"),  # Monday 08:55 AEDT
        (SYDNEY, utc(PREV_SUN, 22, 5), key(MON)),  # Monday 09:05 AEDT, still Sunday in UTC
        (SYDNEY, utc(FRI, 22, 5), "quiet"),  # Saturday 09:05 AEDT
    ],
    ids=[
        "london-before",
        "london-at",
        "london-after",
        "la-before",
        "la-after",
        "la-still-sunday",
        "tokyo-before",
        "tokyo-after",
        "tokyo-already-saturday",
        "sydney-before",
        "sydney-after",
        "sydney-already-saturday",
    ],
)
def test_reminder_fires_at_the_local_time_with_the_local_date(
    tz: str, now: datetime, expected: str
) -> None:
    result = plan(snap(now, risk(review_on=LONG_AGO, proj=project(tz=tz))))
    assert outcome(result) == expected


def test_reminder_carries_the_local_day_and_zone() -> None:
    sydney_risk = risk(proj=project(tz=SYDNEY), review_on=LONG_AGO)
    reminder = only_reminder(plan(snap(utc(PREV_SUN, 22, 5), sydney_risk)))
    assert (reminder.local_day, reminder.timezone, reminder.user_id) == (MON, SYDNEY, ALICE)
    assert reminder.target == ALICE


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        ({}, "waiting"),  # the project's zone: London, 00:05
        ({(WS, ALICE): TOKYO}, key(MON)),  # her own zone: Tokyo, 09:05
        ({(WS, BOB): TOKYO}, "waiting"),  # someone else's zone
        ({(WS + 1, ALICE): TOKYO}, "waiting"),  # her zone in another workspace
    ],
    ids=["project-zone", "own-zone", "other-person", "other-workspace"],
)
def test_person_zone_comes_from_profiles_else_the_project(
    zones: dict[tuple[int, str], str], expected: str
) -> None:
    result = plan(snap(utc(MON, 0, 5), STANDING, zones=zones))
    assert outcome(result) == expected


# -- DST weekends --------------------------------------------------------------------------

# (zone, the Friday before the change, the Monday after, UTC offset change in hours); the
# clocks change on the Sunday in between at 02:00 (Berlin 03:00 in autumn) local time.
DST_WEEKENDS = [
    (BERLIN, date(2026, 3, 27), date(2026, 3, 30), +1),
    (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), +1),
    (BERLIN, date(2026, 10, 23), date(2026, 10, 26), -1),
    (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), -1),
]
DST_IDS = ["berlin-spring", "new-york-spring", "berlin-autumn", "new-york-autumn"]


@cache
def simulate(tz: str, friday: date, monday: date) -> dict[str, tuple[datetime, int]]:
    """A pass every 15 minutes from Friday 00:00 to Tuesday 00:00 local, each knowing the one
    before: for each reminder key planned, the first pass planning it and how many did."""
    zone = ZoneInfo(tz)
    begin = datetime.combine(friday, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    seen: dict[str, tuple[datetime, int]] = {}
    last: datetime | None = None
    for now in passes(begin, end, timedelta(minutes=15)):
        result = plan(snap(now, risk(proj=project(tz=tz), review_on=LONG_AGO), last_pass=last))
        assert result.missed == (), now  # a pass every 15 minutes misses nothing
        for reminder in result.reminders:
            first, count = seen.get(reminder.key, (now, 0))
            seen[reminder.key] = (first, count + 1)
        last = now
    return seen


@pytest.mark.parametrize(("tz", "friday", "monday", "shift"), DST_WEEKENDS, ids=DST_IDS)
def test_dst_change_keeps_the_reminder_at_its_local_time(
    tz: str, friday: date, monday: date, shift: int
) -> None:
    seen = simulate(tz, friday, monday)
    (fri, _), (mon, _) = seen[key(friday)], seen[key(monday)]
    zone = ZoneInfo(tz)
    assert fri.astimezone(zone).time() == mon.astimezone(zone).time() == time(9, 0)
    assert mon - fri == timedelta(days=3, hours=-shift)  # the UTC instants moved, not the local


@pytest.mark.parametrize(("tz", "friday", "monday", "shift"), DST_WEEKENDS, ids=DST_IDS)
def test_dst_weekend_gives_one_key_per_working_day_and_none_at_the_weekend(
    tz: str, friday: date, monday: date, shift: int
) -> None:
    seen = simulate(tz, friday, monday)
    assert list(seen) == [key(friday), key(monday)]  # one key a day; Saturday, Sunday none
    # each planned on every pass from 09:00 to midnight local: never skipped, never restarted
    assert [count for _, count in seen.values()] == [15 * 4, 15 * 4]


# -- what goes in a reminder ---------------------------------------------------------------

NOW = utc(MON, 10, 0)  # Monday 10:00 in London


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (action(due_on=LAST_FRI), {"overdue": ["A-1"]}),
        (action(due_on=MON), {"today": ["A-1"]}),
        (action(due_on=TUE), {"tomorrow": ["A-1"]}),
        (action(due_on=WED), None),
        (action(due_at=utc(MON, 9, 30)), {"overdue": ["A-1"]}),
        (action(due_at=utc(MON, 15, 0)), {"today": ["A-1"]}),
        (action(due_at=utc(TUE, 12, 0)), {"tomorrow": ["A-1"]}),
        (action(due_at=utc(WED, 0, 0)), None),
        (action(), None),
        (issue(due_on=LAST_FRI), {"overdue": ["I-1"]}),
        (issue(due_on=MON), {"today": ["I-1"]}),
        (issue(due_on=TUE), {"tomorrow": ["I-1"]}),
        (issue(due_on=WED), None),
        (risk(review_on=LAST_FRI), {"reviews": ["R-1"]}),
        (risk(review_on=MON), {"reviews": ["R-1"]}),
        (risk(review_on=TUE), None),
        (risk(), None),
        (risk(review_on=LAST_FRI, due_on=LAST_FRI), {"reviews": ["R-1"]}),
    ],
    ids=[
        "action-overdue",
        "action-today",
        "action-tomorrow",
        "action-later",
        "action-due-at-earlier-today",
        "action-due-at-later-today",
        "action-due-at-tomorrow",
        "action-due-at-later",
        "action-no-due",
        "issue-overdue",
        "issue-today",
        "issue-tomorrow",
        "issue-later",
        "risk-review-past",
        "risk-review-today",
        "risk-review-tomorrow",
        "risk-no-review",
        "risk-reviewed-not-due",
    ],
)
def test_bucket_of_each_item(due: Item, expected: dict[str, list[str]] | None) -> None:
    result = plan(snap(NOW, due))
    if expected is None:
        assert result.reminders == ()
    else:
        assert buckets(only_reminder(result)) == expected


@pytest.mark.parametrize(
    ("tz", "now", "due_at", "expected"),
    [
        # 09:05 PST Monday; due 23:00 PST Monday (07:00 UTC Tuesday): today, not tomorrow
        (LOS_ANGELES, utc(MON, 17, 5), utc(TUE, 7, 0), "today"),
        # 09:05 JST Monday; due 01:00 JST Tuesday (16:00 UTC Monday): tomorrow, not today
        (TOKYO, utc(MON, 0, 5), utc(MON, 16, 0), "tomorrow"),
    ],
    ids=["los-angeles", "tokyo"],
)
def test_due_time_is_read_on_the_persons_calendar(
    tz: str, now: datetime, due_at: datetime, expected: str
) -> None:
    result = plan(snap(now, action(due_at=due_at), zones={(WS, ALICE): tz}))
    assert buckets(only_reminder(result)) == {expected: ["A-1"]}


def test_items_without_owner_are_ignored() -> None:
    result = plan(snap(utc(THU, 10, 0), action(owner=None, due_on=MON)))
    assert result == Plan()


def test_nothing_due_nothing_sent() -> None:
    result = plan(snap(NOW, action(due_on=NEXT_MON), risk(review_on=NEXT_MON)))
    assert (result.reminders, result.waiting, result.quiet) == ((), 0, 0)


def test_one_reminder_per_person() -> None:
    result = plan(snap(NOW, action(1, due_on=MON), action(2, owner=BOB, due_on=MON), STANDING))
    assert [(r.user_id, r.count) for r in result.reminders] == [(ALICE, 2), (BOB, 1)]


def test_items_within_a_bucket_are_ordered_by_due_date() -> None:
    result = plan(snap(NOW, action(1, due_on=LAST_FRI), action(2, due_on=LONG_AGO)))
    assert buckets(only_reminder(result)) == {"overdue": ["A-2", "A-1"]}


def test_sections_are_grouped_by_project_sorted_by_name() -> None:
    athena = project("hermes", name="athena")  # lower-case name sorts among the others
    result = plan(
        snap(
            NOW,
            action(1, proj=ZEUS, due_on=MON),
            action(2, proj=APOLLO, due_on=TUE),
            action(3, proj=athena, due_on=LAST_FRI),
            risk(4, proj=ZEUS, review_on=MON),
        )
    )
    sections = only_reminder(result).sections
    assert [s.project.name for s in sections] == ["Apollo", "athena", "Zeus"]
    assert [s.count for s in sections] == [1, 1, 2]


# -- holidays, away periods ----------------------------------------------------------------


def test_project_holiday_drops_only_that_projects_items() -> None:
    result = plan(
        snap(
            NOW,
            action(1, proj=APOLLO, due_on=MON),
            action(2, proj=ZEUS, due_on=MON),
            holidays={APOLLO_ID: [MON]},
        )
    )
    assert [s.project for s in only_reminder(result).sections] == [ZEUS]


def test_project_holiday_on_all_her_projects_sends_nothing() -> None:
    result = plan(snap(NOW, action(due_on=MON), holidays={APOLLO_ID: [MON]}))
    assert result.reminders == ()


def test_project_holiday_on_all_her_projects_counts_as_quiet() -> None:
    result = plan(snap(NOW, action(due_on=MON), holidays={APOLLO_ID: [MON]}))
    assert result.quiet == 1


def test_workspace_holiday_silences_everything() -> None:
    snapshot = snap(
        utc(THU, 10, 0),
        action(1, proj=APOLLO, due_on=MON),
        action(2, proj=ZEUS, due_on=THU),
        action(3, owner=BOB, due_on=THU),
        holidays={None: [THU]},
    )
    result = plan(snapshot)
    assert (result.reminders, plan_escalations(snapshot), result.quiet) == ((), (), 2)


def test_holidays_of_another_workspace_do_not_count() -> None:
    snapshot = Snapshot(
        now=NOW,
        items=(track(STANDING),),
        holidays={WS + 1: {None: frozenset({MON})}},
        away={(WS + 1, ALICE): ((MON, MON),)},
    )
    assert outcome(plan(snapshot)) == key(MON)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ((THU, FRI), "quiet"),  # starts today
        ((TUE, THU), "quiet"),  # ends today
        ((WED, FRI), "quiet"),  # in the middle
        ((THU, THU), "quiet"),  # one day
        ((FRI, NEXT_MON), key(THU)),  # starts tomorrow
        ((MON, WED), key(THU)),  # ended yesterday
    ],
    ids=["first-day", "last-day", "middle", "single-day", "before", "after"],
)
def test_away_period_silences_reminders_inclusively(span: tuple[date, date], expected: str) -> None:
    result = plan(snap(utc(THU, 10, 0), STANDING, away={ALICE: (span,)}))
    assert outcome(result) == expected


def test_away_silences_only_that_person() -> None:
    result = plan(
        snap(
            utc(THU, 10, 0),
            STANDING,
            risk(2, owner=BOB, review_on=MON),
            away={ALICE: ((THU, THU),)},
        )
    )
    assert [r.user_id for r in result.reminders] == [BOB]
    assert result.quiet == 1


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(MON, 7, 59), "waiting"),
        (utc(MON, 8, 0), key(MON)),  # Zeus's 08:00 comes before Apollo's 10:00
    ],
    ids=["before-earliest", "at-earliest"],
)
def test_earliest_reminder_time_of_her_projects_is_used(now: datetime, expected: str) -> None:
    items = [
        track(action(1, proj=APOLLO, due_on=MON), at=time(10, 0)),
        track(action(2, proj=ZEUS, due_on=MON), at=time(8, 0)),
    ]
    result = plan(snap(now, *items))
    assert outcome(result) == expected
    if result.reminders:
        assert result.reminders[0].count == 2  # both projects in the one reminder


@pytest.mark.parametrize(
    ("now", "expected"),
    [(utc(MON, 8, 30), "waiting"), (utc(MON, 10, 0), key(MON))],
    ids=["excluded-project-time-ignored", "included-project-time"],
)
def test_earliest_time_counts_only_projects_in_the_reminder(now: datetime, expected: str) -> None:
    items = [
        track(action(1, proj=APOLLO, due_on=MON), at=time(10, 0)),
        track(action(2, proj=ZEUS, due_on=MON), at=time(8, 0)),  # on holiday today
    ]
    result = plan(snap(now, *items, holidays={ZEUS_ID: [MON]}))
    assert outcome(result) == expected


def test_earliest_time_ignores_projects_with_nothing_due() -> None:
    items = [
        track(action(1, proj=APOLLO, due_on=MON), at=time(10, 0)),
        track(action(2, proj=ZEUS, due_on=NEXT_MON), at=time(8, 0)),  # not due yet
    ]
    assert outcome(plan(snap(utc(MON, 8, 30), *items))) == "waiting"


# -- missed while down ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_pass", "now", "expected"),
    [
        (None, utc(NEXT_TUE, 10, 0), []),
        (utc(FRI, 8, 0), utc(NEXT_TUE, 10, 0), [key(FRI), key(NEXT_MON)]),
        (utc(FRI, 10, 0), utc(NEXT_TUE, 10, 0), [key(NEXT_MON)]),
        (utc(FRI, 10, 0), utc(NEXT_TUE, 8, 0), [key(NEXT_MON)]),
        (utc(NEXT_TUE, 7, 0), utc(NEXT_TUE, 10, 0), []),
        (utc(NEXT_MON, 10, 0), utc(NEXT_TUE, 10, 0), []),
        (utc(NEXT_MON, 8, 59), utc(NEXT_TUE, 8, 0), [key(NEXT_MON)]),
        (
            utc(date(2026, 11, 9), 10, 0),  # only the last 7 days are looked at
            utc(NEXT_TUE, 10, 0),
            [key(d) for d in (TUE, WED, THU, FRI, NEXT_MON)],
        ),
    ],
    ids=[
        "first-pass-ever",
        "down-from-friday-morning",
        "down-from-friday-after-reminder",
        "down-from-friday-back-before-time",
        "down-within-the-day",
        "down-since-yesterdays-reminder",
        "down-just-before-yesterdays",
        "down-beyond-the-lookback",
    ],
)
def test_missed_reminders_of_earlier_days(
    last_pass: datetime | None, now: datetime, expected: list[str]
) -> None:
    result = plan(snap(now, STANDING, last_pass=last_pass))
    assert list(result.missed) == expected


def test_downtime_within_the_day_leaves_todays_reminder_due() -> None:
    result = plan(snap(utc(NEXT_TUE, 10, 0), STANDING, last_pass=utc(NEXT_TUE, 7, 0)))
    assert (outcome(result), result.missed) == (key(NEXT_TUE), ())


@pytest.mark.parametrize(
    ("holidays", "away", "expected"),
    [
        ({None: [NEXT_MON]}, {}, []),
        ({}, {ALICE: ((NEXT_MON, NEXT_MON),)}, []),
        ({}, {BOB: ((NEXT_MON, NEXT_MON),)}, [key(NEXT_MON)]),
        ({ZEUS_ID: [NEXT_MON]}, {}, [key(NEXT_MON)]),
    ],
    ids=["workspace-holiday", "away", "someone-else-away", "other-projects-holiday"],
)
def test_days_off_are_not_missed(
    holidays: dict[int | None, list[date]],
    away: dict[str, tuple[tuple[date, date], ...]],
    expected: list[str],
) -> None:
    last_pass = utc(FRI, 10, 0)
    result = plan(
        snap(utc(NEXT_TUE, 10, 0), STANDING, holidays=holidays, away=away, last_pass=last_pass)
    )
    assert list(result.missed) == expected


def test_project_holiday_is_not_missed() -> None:
    result = plan(
        snap(
            utc(NEXT_TUE, 10, 0),
            STANDING,
            holidays={APOLLO_ID: [NEXT_MON]},
            last_pass=utc(FRI, 10, 0),
        )
    )
    assert list(result.missed) == []


def test_missed_uses_the_time_of_the_projects_in_that_days_reminder() -> None:
    items = [
        track(action(1, proj=APOLLO, due_on=LONG_AGO), at=time(10, 0)),
        track(action(2, proj=ZEUS, due_on=LONG_AGO), at=time(8, 0)),  # on holiday Monday
    ]
    result = plan(
        snap(
            utc(NEXT_TUE, 10, 0),
            *items,
            holidays={ZEUS_ID: [NEXT_MON]},
            last_pass=utc(NEXT_MON, 9, 0),  # after Zeus's 08:00, before Apollo's 10:00
        )
    )
    assert list(result.missed) == [key(NEXT_MON)]


def test_missed_days_are_the_persons_local_days() -> None:
    # Down from Friday 00:30 UTC to Tuesday 00:30 UTC: in Tokyo (09:30 JST both) Friday's
    # reminder had gone out, Monday's was missed and Tuesday's is due now. (In London,
    # Friday's would have been missed and Tuesday's not yet due.)
    zones = {(WS, ALICE): TOKYO}
    result = plan(snap(utc(NEXT_TUE, 0, 30), STANDING, zones=zones, last_pass=utc(FRI, 0, 30)))
    assert (list(result.missed), outcome(result)) == ([key(NEXT_MON)], key(NEXT_TUE))
