"""Use-cases on a real SQLite database with a fixed clock and a recording Slack gateway."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind, Rag, ScoreBand
from bot.errors import Conflict, NotFound, UserError
from bot.services import items, people, portfolio, projects, registers
from storage.models import AuditEvent, Issue
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.support.fakes import RecordingGateway

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def apollo(deps: Deps, alice: Actor) -> Actor:
    projects.bind_project(deps, alice, "Apollo")
    return alice


def add(deps: Deps, actor: Actor, kind: Kind, **values: object) -> str:
    return items.add_item(deps, actor, kind, dict(values), None).item.ref  # type: ignore[arg-type]


def test_add_defaults_owner_levels_and_audits_every_field(deps: Deps, apollo: Actor) -> None:
    change = items.add_item(deps, apollo, Kind.RISK, {"title": "Vendor may slip"}, None)
    risk = change.item
    assert (risk.ref, risk.owner_id, risk.likelihood, risk.impact, risk.score) == (
        "R-1",
        ALICE,
        3,
        3,
        9,
    )
    _, trail = registers.item_history(deps, apollo, Kind.RISK, 1)
    assert [e.verb for e in trail] == ["created"]
    assert trail[0].changes["title"] == [None, "Vendor may slip"]
    assert trail[0].changes["owner"] == [None, ALICE]


def test_command_without_project_says_how_to_create_one(deps: Deps, alice: Actor) -> None:
    with pytest.raises(UserError, match="/pmo project"):
        items.add_item(deps, alice, Kind.ACTION, {"title": "x"}, None)


def test_update_records_old_and_new_and_refuses_no_op(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.RISK, title="Vendor may slip", impact=3)
    change = items.update_item(deps, apollo, Kind.RISK, 1, {"impact": 5, "owner": BOB}, "updated")
    assert change.changes == {"impact": ["3", "5"], "owner": [ALICE, BOB]}
    assert change.item.score == 15
    with pytest.raises(Conflict, match="already has those values"):
        items.update_item(deps, apollo, Kind.RISK, 1, {"impact": 5}, "updated")


def test_close_reopen_and_double_close(deps: Deps, apollo: Actor, clock: FixedClock) -> None:
    add(deps, apollo, Kind.ACTION, title="send contract")
    done = items.close_item(deps, apollo, Kind.ACTION, 1, "sent")
    assert (done.item.status, done.item.note, done.item.closed_at) == ("done", "sent", clock.now())
    with pytest.raises(Conflict, match="already done"):
        items.close_item(deps, apollo, Kind.ACTION, 1, None)
    with pytest.raises(Conflict, match="reopen it first"):
        items.update_item(deps, apollo, Kind.ACTION, 1, {"due": date(2026, 12, 1)}, "snoozed")
    reopened = items.reopen_item(deps, apollo, Kind.ACTION, 1)
    assert (reopened.item.status, reopened.item.closed_at) == ("open", None)
    _, trail = registers.item_history(deps, apollo, Kind.ACTION, 1)
    assert [e.verb for e in trail] == ["created", "done", "reopened"]


def test_risk_occurred_raises_linked_issue(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.RISK, title="Vendor may slip", impact=5)
    change = items.close_item(deps, apollo, Kind.RISK, 1, "shipment missed", occurred=True)
    assert change.item.status == "occurred"
    assert change.related is not None
    assert (change.related.ref, change.related.severity, change.related.links) == (
        "I-1",
        "critical",
        ("R-1",),
    )
    assert registers.show_item(deps, apollo, Kind.RISK, 1).links == ("I-1",)
    with deps.db.read() as session:
        issue = session.scalars(select(Issue)).one()
    assert issue.title == "Vendor may slip"


def test_supersede_decision(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.DECISION, title="Host on vendor A")
    add(deps, apollo, Kind.DECISION, title="Host on vendor B")
    change = items.supersede_decision(deps, apollo, 1, 2)
    assert (change.item.status, change.item.links) == ("superseded", ("D-2",))
    with pytest.raises(Conflict):
        items.supersede_decision(deps, apollo, 1, 2)
    assert registers.list_items(deps, apollo, Kind.DECISION, "active").total == 1


def test_due_datetime_is_stored_utc_with_local_day(deps: Deps, apollo: Actor) -> None:
    due = datetime(2026, 11, 20, 17, 0, tzinfo=ZoneInfo("America/New_York"))
    change = items.add_item(deps, apollo, Kind.ACTION, {"title": "call", "due": due}, None)
    assert change.item.due_on == date(2026, 11, 20)
    assert change.item.due_at == due
    assert change.item.due_at is not None
    assert change.item.due_at.utcoffset() == timedelta(0)


def test_overdue_uses_the_readers_day(deps: Deps, apollo: Actor, clock: FixedClock) -> None:
    add(deps, apollo, Kind.ACTION, title="yesterday's", due=date(2026, 11, 18))
    add(deps, apollo, Kind.ACTION, title="today's", due=date(2026, 11, 19))
    add(deps, apollo, Kind.ACTION, title="no date")
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=LONDON))  # Friday 02:00 in London
    overdue = registers.list_items(deps, apollo, Kind.ACTION, "overdue")
    assert [i.title for i in overdue.items] == ["yesterday's", "today's"]
    tokyo = Actor(TEAM, ALICE, CHANNEL, timezone="America/Los_Angeles")  # still Thursday there
    assert [i.title for i in registers.list_items(deps, tokyo, Kind.ACTION, "overdue").items] == [
        "yesterday's"
    ]
    everything = registers.list_items(deps, apollo, Kind.ACTION, "open")
    assert [i.title for i in everything.items] == ["yesterday's", "today's", "no date"]


def test_risk_list_orders_by_score_pages_and_filters(deps: Deps, apollo: Actor) -> None:
    for n in range(1, 26):
        add(deps, apollo, Kind.RISK, title=f"r{n}", likelihood=(n % 5) + 1, impact=3)
    add(deps, apollo, Kind.RISK, title="bob's", owner=BOB, likelihood=5, impact=5)
    first = registers.list_items(deps, apollo, Kind.RISK, "open")
    assert (first.total, len(first.items), first.items[0].title) == (26, 20, "bob's")
    scores = [i.score or 0 for i in first.items]
    assert scores == sorted(scores, reverse=True)
    second = registers.list_items(deps, apollo, Kind.RISK, "open", page=2)
    assert len(second.items) == 6
    assert registers.list_items(deps, apollo, Kind.RISK, "top").page_size == 10
    mine = registers.list_items(deps, apollo, Kind.RISK, "mine")
    assert mine.total == 25
    bobs = registers.list_items(deps, apollo, Kind.RISK, "all", owner_id=BOB)
    assert [i.title for i in bobs.items] == ["bob's"]


def test_workspaces_never_see_each_other(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.RISK, title="secret")
    intruder = Actor(team_id="T0EVIL", user_id="U0EVE", channel_id=CHANNEL)
    with pytest.raises(NotFound):
        registers.show_item(deps, intruder, Kind.RISK, 1)
    with pytest.raises(NotFound):
        items.close_item(deps, intruder, Kind.RISK, 1, None)
    with pytest.raises(UserError, match="/pmo project"):
        registers.list_items(deps, intruder, Kind.RISK, "all")
    assert portfolio.portfolio_view(deps, intruder) == ()
    with pytest.raises(NotFound, match="no project `apollo`"):
        projects.set_status(deps, intruder, Rag.RED, "x", "apollo")


def test_project_binding_rules(deps: Deps, alice: Actor) -> None:
    created = projects.bind_project(deps, alice, "Apollo Moon!")
    assert (created.created, created.project.slug) == (True, "apollo-moon")
    again = projects.bind_project(deps, alice, None)
    assert (again.created, again.project.name) == (False, "Apollo Moon!")
    with pytest.raises(Conflict, match="already the home"):
        projects.bind_project(deps, alice, "Zeus")
    elsewhere = Actor(TEAM, ALICE, "C0OTHER")
    with pytest.raises(Conflict, match="already lives in <#C0APOLLO>"):
        projects.bind_project(deps, elsewhere, "apollo moon")


def test_status_history_and_portfolio(deps: Deps, apollo: Actor, clock: FixedClock) -> None:
    other = Actor(TEAM, ALICE, "C0ZEUS")
    projects.bind_project(deps, other, "Zeus")
    projects.set_status(deps, apollo, Rag.GREEN, None, None)
    clock.advance(timedelta(hours=1))
    _, entry, previous = projects.set_status(deps, apollo, Rag.AMBER, "vendor late", None)
    assert (entry.rag, entry.reason, previous and previous.rag) == (
        Rag.AMBER,
        "vendor late",
        Rag.GREEN,
    )
    clock.advance(timedelta(hours=1))
    projects.set_status(deps, other, Rag.RED, "budget", None)
    status = projects.project_status(deps, apollo, None)
    assert [e.rag for e in status.history] == [Rag.AMBER, Rag.GREEN]
    add(deps, apollo, Kind.RISK, title="big", likelihood=5, impact=4)
    add(deps, apollo, Kind.ACTION, title="late", due=date(2026, 11, 18))
    rows = portfolio.portfolio_view(deps, apollo)
    assert [r.project.name for r in rows] == ["Zeus", "Apollo"]
    apollo_row = rows[1]
    # Both statuses were set this week: 7 days ago it had none, so no trend yet.
    assert (apollo_row.week_ago, apollo_row.open_risks, apollo_row.top_risk_score) == (
        None,
        1,
        20,
    )
    assert apollo_row.bands == {ScoreBand.HIGH: 1}
    assert apollo_row.overdue_actions == 1


def test_portfolio_costs_a_fixed_number_of_queries(deps: Deps, alice: Actor) -> None:
    def count_for(projects_count: int) -> int:
        for n in range(projects_count):
            actor = Actor(TEAM, ALICE, f"C{projects_count}X{n}")
            projects.bind_project(deps, actor, f"P{projects_count}-{n}")
            projects.set_status(deps, actor, Rag.RED, "why", None)
            add(deps, actor, Kind.RISK, title="r")
        statements: list[str] = []
        engine = deps.db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            portfolio.portfolio_view(deps, alice)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert count_for(2) == count_for(30)


def test_timezone_is_cached_for_a_day_and_survives_slack_outage(
    deps: Deps, alice: Actor, clock: FixedClock, gateway: RecordingGateway
) -> None:
    assert people.timezone_of(deps, alice, BOB) == "America/New_York"
    assert people.timezone_of(deps, alice, BOB) == "America/New_York"
    assert gateway.lookups == [BOB]
    clock.advance(timedelta(hours=25))
    gateway.down = True
    assert people.timezone_of(deps, alice, BOB) == "America/New_York"
    assert people.timezone_of(deps, alice, "U0NOBODY") == "UTC"
    gateway.down = False
    gateway.zones[BOB] = "Asia/Tokyo"
    assert people.timezone_of(deps, alice, BOB) == "Asia/Tokyo"


def test_a_person_slack_cant_tell_about_gets_the_requests_then_the_workspaces_zone(
    deps: Deps, gateway: RecordingGateway
) -> None:
    for channel, zone in (
        ("C1", "America/New_York"),
        ("C2", "America/New_York"),
        ("C3", "Asia/Tokyo"),
    ):
        projects.bind_project(deps, Actor(TEAM, ALICE, channel, timezone=zone), f"P{channel}")
    gateway.down = True
    newcomer = "U0NEW"

    assert people.timezone_of(deps, Actor(TEAM, newcomer, "C3")) == "Asia/Tokyo"  # its project
    assert people.timezone_of(deps, Actor(TEAM, newcomer, "C9")) == "America/New_York"  # most
    carried = Actor(TEAM, newcomer, "C9", timezone="Europe/Paris")
    assert people.timezone_of(deps, carried) == "Europe/Paris"  # the zone the request has
    assert people.timezone_of(deps, Actor("T0OTHER", newcomer, "C1")) == "UTC"  # no projects
    assert deps.background.settle(timeout=5)


def test_every_change_is_audited_in_order(deps: Deps, apollo: Actor, clock: FixedClock) -> None:
    add(deps, apollo, Kind.ISSUE, title="rig down")
    for verb, values in (("updated", {"severity": "high"}), ("assigned", {"owner": BOB})):
        clock.advance(timedelta(minutes=1))
        items.update_item(deps, apollo, Kind.ISSUE, 1, values, verb)  # type: ignore[arg-type]
    clock.advance(timedelta(minutes=1))
    items.close_item(deps, apollo, Kind.ISSUE, 1, "fixed")
    with deps.db.read() as session:
        verbs = session.scalars(select(AuditEvent.verb).order_by(AuditEvent.at)).all()
    assert verbs == ["created", "updated", "assigned", "resolved"]


def test_a_decision_cannot_supersede_itself(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.DECISION, title="Host on vendor A")
    with pytest.raises(Conflict, match="itself"):
        items.supersede_decision(deps, apollo, 1, 1)
    assert registers.show_item(deps, apollo, Kind.DECISION, 1).status == "active"
