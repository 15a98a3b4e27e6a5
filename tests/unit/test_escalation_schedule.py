"""Tests for bot.services.escalation_schedule: one escalation per project per day, each late
action raised once — on the working day it reaches the threshold, or after downtime in the
project's next message — and an away owner's actions raised on time, marked.

The builders and the reference week (Monday 16 to Friday 20 November 2026, London) are
test_schedule's.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.domain import EscalationDue, Item
from bot.services.escalation_schedule import (
    escalation_key,
    ledger_keys,
    legacy_key,
    plan_escalations,
    unraised,
)
from tests.unit.test_schedule import (
    ALICE,
    APOLLO,
    APOLLO_ID,
    BOB,
    FRI,
    LAST_FRI,
    LOS_ANGELES,
    MON,
    NEXT_MON,
    NEXT_TUE,
    NEXT_WED,
    SAT,
    SUN,
    TEAM,
    THU,
    TOKYO,
    TUE,
    WED,
    WS,
    ZEUS,
    ZEUS_ID,
    action,
    issue,
    project,
    risk,
    snap,
    track,
    utc,
)


def only(dues: tuple[EscalationDue, ...]) -> EscalationDue:
    assert len(dues) == 1, dues
    return dues[0]


def key(day: date, project_id: int = APOLLO_ID) -> str:
    return escalation_key(TEAM, project_id, day)


@pytest.mark.parametrize(
    ("due", "now", "days", "holidays", "late", "crossed"),
    [
        (MON, utc(WED, 10, 0), 3, {}, None, None),
        (MON, utc(THU, 8, 59), 3, {}, None, None),
        (MON, utc(THU, 9, 0), 3, {}, 3, THU),
        (MON, utc(FRI, 10, 0), 3, {}, 4, THU),
        (MON, utc(THU, 10, 0), 3, {APOLLO_ID: [TUE]}, None, None),
        (MON, utc(FRI, 9, 0), 3, {APOLLO_ID: [TUE]}, 3, FRI),
        (MON, utc(FRI, 9, 0), 3, {None: [TUE]}, 3, FRI),
        (MON, utc(THU, 10, 0), 3, {ZEUS_ID: [TUE]}, 3, THU),
        (MON, utc(THU, 10, 0), 3, {APOLLO_ID: [THU]}, None, None),
        (MON, utc(THU, 10, 0), 3, {None: [THU]}, None, None),
        (LAST_FRI, utc(TUE, 10, 0), 3, {}, None, None),
        (LAST_FRI, utc(WED, 9, 0), 3, {}, 3, WED),
        (WED, utc(SAT, 10, 0), 1, {}, None, None),
        (MON, utc(MON, 10, 0), 1, {}, None, None),
        (MON, utc(TUE, 8, 59), 1, {}, None, None),
        (MON, utc(TUE, 9, 0), 1, {}, 1, TUE),
        (MON, utc(FRI, 10, 0), 5, {}, None, None),
        (MON, utc(NEXT_MON, 9, 0), 5, {}, 5, NEXT_MON),
        (MON, utc(NEXT_MON, 9, 0), 3, {}, 5, THU),
        (MON, utc(NEXT_MON, 9, 0), 1, {}, 5, TUE),
        (LAST_FRI, utc(NEXT_WED, 9, 0), 1, {}, None, None),
        (date(2026, 11, 2), utc(NEXT_MON, 9, 0), 3, {}, None, None),
    ],
    ids=[
        "default-wednesday-too-soon",
        "default-thursday-before-time",
        "default-thursday-at-time",
        "default-friday-crossed-thursday",
        "project-holiday-delays",
        "project-holiday-next-day",
        "workspace-holiday-delays",
        "other-projects-holiday-ignored",
        "project-holiday-today",
        "workspace-holiday-today",
        "due-friday-tuesday-too-soon",
        "due-friday-escalated-wednesday",
        "never-on-weekend",
        "one-day-not-on-due-day",
        "one-day-before-time",
        "one-day-next-day",
        "five-days-friday-too-soon",
        "five-days-next-monday",
        "crossed-over-the-weekend-before",
        "crossed-six-days-back-within-the-lookback",
        "crossed-nine-days-back-before-the-lookback",
        "crossed-weeks-back",
    ],
)
def test_an_action_is_listed_from_the_day_it_reaches_the_threshold(
    due: date,
    now: datetime,
    days: int,
    holidays: dict[int | None, list[date]],
    late: int | None,
    crossed: date | None,
) -> None:
    dues = plan_escalations(
        snap(now, track(action(due_on=due), escalation_days=days), holidays=holidays)
    )
    if late is None:
        assert dues == ()
    else:
        escalation = only(dues)
        [listed] = escalation.actions
        assert (listed.working_days_late, listed.crossed_on) == (late, crossed)
        assert escalation.key == key(now.date())
        assert escalation.local_day == now.date()


def test_a_project_raises_all_its_late_actions_in_one_message_to_its_channel() -> None:
    late = [action(n, owner=ALICE if n % 2 else BOB, due_on=MON) for n in range(120, 0, -1)]
    late.append(action(121, due_on=TUE))  # not late enough yet
    escalation = only(plan_escalations(snap(utc(THU, 10, 0), *late)))

    assert escalation.key == f"escalation:{TEAM}:{APOLLO_ID}:{THU.isoformat()}"
    assert escalation.target == APOLLO.channel_id
    assert escalation.escalation_days == 3
    assert [a.item.number for a in escalation.actions] == list(range(1, 121))
    assert {a.item.owner_id for a in escalation.actions} == {ALICE, BOB}


def test_each_project_has_its_own_message() -> None:
    dues = plan_escalations(
        snap(utc(THU, 10, 0), action(1, due_on=MON), action(2, proj=ZEUS, due_on=MON))
    )
    assert [d.key for d in dues] == [key(THU), key(THU, ZEUS_ID)]
    assert [d.target for d in dues] == [APOLLO.channel_id, ZEUS.channel_id]


def test_projects_keep_their_own_threshold_and_time() -> None:
    items = [
        track(action(1, due_on=MON), escalation_days=3),
        track(action(2, proj=ZEUS, due_on=MON), escalation_days=1, at=time(11, 0)),
    ]
    assert [d.key for d in plan_escalations(snap(utc(THU, 10, 0), *items))] == [key(THU)]
    assert plan_escalations(snap(utc(TUE, 11, 0), *items))[0].key == key(TUE, ZEUS_ID)


@pytest.mark.parametrize(
    ("now", "escalated"),
    [
        (utc(THU, 16, 59), False),  # 08:59 PST Thursday
        (utc(THU, 17, 0), True),  # 09:00 PST Thursday
        (utc(FRI, 1, 0), True),  # Thursday 17:00 PST, already Friday in UTC
    ],
    ids=["before-project-time", "at-project-time", "utc-next-day"],
)
def test_escalation_reads_time_in_the_project_zone(now: datetime, escalated: bool) -> None:
    la_action = action(due_on=MON, proj=project(tz=LOS_ANGELES))
    # The owner's own zone (Tokyo, where it is already Friday) plays no part.
    dues = plan_escalations(snap(now, la_action, zones={(WS, ALICE): TOKYO}))
    assert bool(dues) is escalated
    if escalated:
        assert only(dues).local_day == THU
        assert only(dues).actions[0].crossed_on == THU


@pytest.mark.parametrize(
    "late_item",
    [issue(due_on=MON), risk(review_on=MON, due_on=MON), action(due_on=MON, owner=None), action()],
    ids=["issue", "risk", "action-without-owner", "action-without-due"],
)
def test_only_owned_dated_actions_escalate(late_item: Item) -> None:
    assert plan_escalations(snap(utc(THU, 10, 0), late_item)) == ()


# -- raised once: the ledger's word ----------------------------------------------------------


def test_an_action_raised_on_its_day_is_not_raised_again() -> None:
    thursday = only(plan_escalations(snap(utc(THU, 10, 0), action(1, due_on=MON))))
    friday = only(
        plan_escalations(snap(utc(FRI, 10, 0), action(1, due_on=MON), action(2, due_on=TUE)))
    )

    assert unraised(thursday, set()) == thursday
    assert unraised(thursday, {thursday.key}) == thursday  # today's own row: a retry, same list
    kept = unraised(friday, {thursday.key})
    assert kept is not None
    assert [a.item.ref for a in kept.actions] == ["A-2"]  # A-1 went out on Thursday
    assert unraised(friday, {thursday.key, friday.key}) == kept
    monday = only(plan_escalations(snap(utc(NEXT_MON, 10, 0), action(1, due_on=MON))))
    assert unraised(monday, {thursday.key}) is None


def test_after_downtime_the_first_message_raises_what_crossed_meanwhile_once() -> None:
    """Down from Wednesday to Monday: A-1 (crossed Thursday) and A-2 (crossed Friday) go out in
    Monday's message, with A-3 crossing that day; Tuesday's raises none of them again."""
    items = [action(1, due_on=MON), action(2, due_on=TUE), action(3, due_on=WED)]
    monday = only(plan_escalations(snap(utc(NEXT_MON, 10, 0), *items)))
    assert ledger_keys(monday) == {
        key(THU),
        key(FRI),
        key(SAT),
        key(SUN),
        *(legacy_key(TEAM, i) for i in items),
    }
    kept = unraised(monday, set())
    assert kept is not None
    assert [(a.item.ref, a.crossed_on) for a in kept.actions] == [
        ("A-1", THU),
        ("A-2", FRI),
        ("A-3", NEXT_MON),
    ]

    tuesday = only(plan_escalations(snap(utc(NEXT_TUE, 10, 0), *items)))
    assert unraised(tuesday, {monday.key}) is None


def test_an_action_raised_under_the_old_per_action_key_is_not_raised_again() -> None:
    """Rows of the release before (`escalation:<team>:A-n:<due day>`) count as raised."""
    items = [action(1, due_on=MON), action(2, due_on=MON)]
    thursday = only(plan_escalations(snap(utc(THU, 10, 0), *items)))
    old = legacy_key(TEAM, items[0])
    assert old == f"escalation:{TEAM}:A-1:{MON.isoformat()}"

    kept = unraised(thursday, {old})
    assert kept is not None
    assert [a.item.ref for a in kept.actions] == ["A-2"]
    friday = only(plan_escalations(snap(utc(FRI, 10, 0), *items)))
    assert unraised(friday, {old, legacy_key(TEAM, items[1])}) is None


def test_a_redated_action_crosses_again_from_its_new_due_date() -> None:
    thursday = only(plan_escalations(snap(utc(THU, 10, 0), action(due_on=MON))))
    redated = only(plan_escalations(snap(utc(NEXT_WED, 10, 0), action(due_on=FRI))))
    assert redated.actions[0].crossed_on == NEXT_WED
    assert unraised(redated, {thursday.key, legacy_key(TEAM, action(due_on=MON))}) == redated


# -- away owners -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "until"),
    [
        (((WED, THU),), THU),
        (((WED, FRI),), FRI),
        (((WED, THU), (FRI, NEXT_MON)), NEXT_MON),
        (((WED, FRI), (NEXT_TUE, NEXT_WED)), FRI),
        (((MON, TUE),), None),
        (((FRI, NEXT_MON),), None),
    ],
    ids=["ends-today", "ends-friday", "back-to-back", "gap-before-next", "was-away", "away-later"],
)
def test_an_away_owners_late_action_is_raised_on_time_marked(
    periods: tuple[tuple[date, date], ...], until: date | None
) -> None:
    dues = plan_escalations(snap(utc(THU, 10, 0), action(due_on=MON), away={ALICE: periods}))
    [listed] = only(dues).actions
    assert (listed.crossed_on, listed.away_until) == (THU, until)


def test_only_the_away_owners_actions_are_marked() -> None:
    items = [action(1, due_on=MON), action(2, owner=BOB, due_on=MON)]
    escalation = only(plan_escalations(snap(utc(THU, 10, 0), *items, away={BOB: ((THU, FRI),)})))
    assert [(a.item.ref, a.away_until) for a in escalation.actions] == [("A-1", None), ("A-2", FRI)]
