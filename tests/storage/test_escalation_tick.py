"""Escalations through scheduler passes on the real database (SQLite and PostgreSQL): a project's
late actions go out in one message a day, each action in exactly one of them, after downtime
too; rows under the old per-action keys are not raised again; an away owner's are on time."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Due, EscalationDue, Kind
from bot.services import items, projects, settings
from bot.services.tick import run_tick
from handlers.blocks.escalation import LISTED_MAX
from handlers.blocks.reminders import render_due
from storage.models import Delivery, Project, Workspace
from tests.conftest import ALICE, BOB, TEAM
from tests.support.fakes import RecordingGateway

LONDON = ZoneInfo("Europe/London")
MON, TUE, WED, THU, FRI = (date(2026, 11, d) for d in range(16, 21))
NEXT_MON, NEXT_TUE = date(2026, 11, 23), date(2026, 11, 24)
PER_DAY = 40  # late actions crossing the three-day threshold on each of Thu, Fri and Monday


def at(day: date, hour: int = 9, minute: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def apollo(any_deps: Deps, alice: Actor, clock: FixedClock) -> Deps:
    """Apollo (London, escalation after 3 working days) with 120 open actions: 40 due on each of
    Mon 16, Tue 17 and Wed 18 November, owned by Alice and Bob in turn; created the week before."""
    clock.set(at(date(2026, 11, 9)))
    projects.bind_project(any_deps, alice, "Apollo")
    for number, due in enumerate([MON] * PER_DAY + [TUE] * PER_DAY + [WED] * PER_DAY):
        values: dict[str, Any] = {"title": f"task {number}", "due": due}
        values["owner"] = ALICE if number % 2 else BOB
        items.add_item(any_deps, alice, Kind.ACTION, values, None)
    return any_deps


class Passes:
    """Runs passes, keeping each escalation sent with the actions it covered."""

    def __init__(self, deps: Deps, clock: FixedClock, gateway: RecordingGateway) -> None:
        self.deps, self.clock, self.gateway = deps, clock, gateway
        self.covered: dict[str, list[str]] = {}

    def run(self, when: datetime) -> None:
        self.clock.set(when)

        def render(due: Due, now: datetime) -> tuple[str, list[dict[str, Any]]]:
            if isinstance(due, EscalationDue):
                self.covered[due.key] = [late.item.ref for late in due.actions]
            return render_due(due, now)

        run_tick(self.deps, render, worker="w1")

    def escalations(self) -> list[str]:
        return [k for k in self.gateway.sent_keys() if k.startswith("escalation:")]

    def listed(self) -> Counter[str]:
        return Counter(ref for refs in self.covered.values() for ref in refs)


def project_id(deps: Deps) -> int:
    with deps.db.read() as session:
        found: int | None = session.scalar(select(Project.id))
    assert found is not None
    return found


def key(deps: Deps, day: date) -> str:
    return f"escalation:{TEAM}:{project_id(deps)}:{day.isoformat()}"


def refs(first: int, last: int) -> list[str]:
    return [f"A-{n}" for n in range(first, last + 1)]


def test_120_late_actions_give_one_post_a_day_each_action_listed_once(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    passes = Passes(apollo, clock, gateway)
    for when in (at(WED), at(THU), at(THU, 15), at(FRI), at(FRI, 17), at(NEXT_MON), at(NEXT_TUE)):
        passes.run(when)

    assert passes.escalations() == [key(apollo, THU), key(apollo, FRI), key(apollo, NEXT_MON)]
    assert passes.covered == {
        key(apollo, THU): refs(1, 40),
        key(apollo, FRI): refs(41, 80),
        key(apollo, NEXT_MON): refs(81, 120),
    }
    sent = [p for p in gateway.posts if p["kind"] == "send" and p["key"].startswith("escalation")]
    assert {p["channel"] for p in sent} == {"C0APOLLO"}
    assert all(len(p["blocks"]) <= 50 for p in sent)
    assert f"…and {40 - LISTED_MAX} more — `/action list overdue`" in str(sent[0]["blocks"])


def test_after_downtime_the_first_pass_raises_what_crossed_meanwhile_once(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    passes = Passes(apollo, clock, gateway)
    passes.run(at(WED))  # then down until Monday noon
    passes.run(at(NEXT_MON, 12))
    passes.run(at(NEXT_MON, 16))
    passes.run(at(NEXT_TUE))

    assert passes.escalations() == [key(apollo, NEXT_MON)]
    assert passes.covered == {key(apollo, NEXT_MON): refs(1, 120)}
    assert set(passes.listed().values()) == {1}


def test_actions_escalated_under_the_old_per_action_keys_are_not_raised_again(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    """The release before sent A-1…A-40 on Thursday and A-41…A-50 early on Friday, one message
    each; the upgraded worker's Friday pass raises only Friday's other thirty."""
    with apollo.db.write() as session:
        workspace_id = session.scalar(select(Workspace.id))
        old = [(n, MON, THU) for n in range(1, 41)] + [(n, TUE, FRI) for n in range(41, 51)]
        session.execute(
            insert(Delivery),
            [
                {
                    "workspace_id": workspace_id,
                    "key": f"escalation:{TEAM}:A-{n}:{due.isoformat()}",
                    "kind": "escalation",
                    "target": "C0APOLLO",
                    "local_day": day,
                    "status": "sent",
                    "attempts": 1,
                    "created_at": at(day),
                }
                for n, due, day in old
            ],
        )
    passes = Passes(apollo, clock, gateway)
    passes.run(at(FRI, 10))
    passes.run(at(NEXT_MON))

    assert passes.covered == {key(apollo, FRI): refs(51, 80), key(apollo, NEXT_MON): refs(81, 120)}


def test_an_away_owners_late_actions_go_out_on_time_marked(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    clock.set(at(WED))
    bob = Actor(TEAM, BOB, "C0APOLLO", timezone="Europe/London")
    settings.set_away(apollo, bob, THU, date(2026, 11, 27))
    passes = Passes(apollo, clock, gateway)
    passes.run(at(THU))

    assert passes.covered == {key(apollo, THU): refs(1, 40)}
    [sent] = [p for p in gateway.posts if p["kind"] == "send" and p["key"] == key(apollo, THU)]
    lines = {
        b["block_id"]: b["text"]["text"]
        for b in sent["blocks"]
        if str(b.get("block_id", "")).startswith("item:")
    }
    assert lines["item:A-1"].endswith("· _owner away until Fri 27 Nov_")  # Bob's
    assert "away" not in lines["item:A-2"]  # Alice's


def test_holidays_older_than_the_passs_week_count_towards_how_late(
    any_deps: Deps, alice: Actor, clock: FixedClock, gateway: RecordingGateway
) -> None:
    """Escalated after 10 working days, due Mon 2 Nov with Wed 4 Nov a holiday: the tenth
    working day late is Tue 17, not Mon 16, though the 4th is more than a week before."""
    clock.set(at(date(2026, 10, 26)))
    projects.bind_project(any_deps, alice, "Apollo")
    settings.change_reminders(any_deps, alice, None, escalation_days=10)
    settings.add_holiday(any_deps, alice, date(2026, 11, 4), "offsite")
    values: dict[str, Any] = {"title": "send contract", "due": date(2026, 11, 2)}
    items.add_item(any_deps, alice, Kind.ACTION, values, None)
    passes = Passes(any_deps, clock, gateway)
    for day in (MON, TUE, WED):
        passes.run(at(day))

    assert passes.covered == {key(any_deps, TUE): ["A-1"]}
