"""Keeping opened App Homes up to date (SQLite and PostgreSQL): a change marks the Homes it
touched stale in its own transaction, and rounds of drain_homes redraw each once per window,
through the recording gateway, never twice however many workers drain at once."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.errors import UserError
from bot.fields import Value
from bot.services import items, projects
from bot.services.home import CLAIM_BATCH, HOME_WINDOW, PUBLISH_HOLD, drain_homes, open_home
from handlers.blocks.home import draw_home
from storage.models import HomeDirty
from storage.repositories import homes
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.support.fakes import RecordingGateway

CAROL = "U0CAROL"


def person(user: str) -> Actor:
    return Actor(team_id=TEAM, user_id=user, channel_id=CHANNEL, timezone="Europe/London")


def homes_published(gateway: RecordingGateway) -> list[str]:
    return [post["user_id"] for post in gateway.posts if post["kind"] == "home"]


def stale(deps: Deps) -> set[str]:
    with deps.db.read() as session:
        rows = session.scalars(select(HomeDirty).where(HomeDirty.dirty_since.is_not(None)))
        return {row.user_id for row in rows}


def drain(deps: Deps) -> list[str]:
    """One round of the worker's redraws: whose Homes it published."""
    gateway = deps.slack
    assert isinstance(gateway, RecordingGateway)
    before = len(homes_published(gateway))
    drain_homes(deps, draw_home)
    return homes_published(gateway)[before:]


@pytest.fixture
def apollo(any_deps: Deps, clock: FixedClock, gateway: RecordingGateway) -> Deps:
    """Apollo bound by Alice; Alice and Bob have opened their Homes (each published once)."""
    projects.bind_project(any_deps, person(ALICE), "Apollo")
    for user in (ALICE, BOB):
        assert open_home(any_deps, person(user), draw_home)
    clock.advance(HOME_WINDOW)
    gateway.posts.clear()
    return any_deps


def test_opening_the_home_publishes_it_once_a_window(
    any_deps: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    assert open_home(any_deps, person(ALICE), draw_home)
    assert not open_home(any_deps, person(ALICE), draw_home)  # Slack's second event, same moment
    clock.advance(HOME_WINDOW)
    assert open_home(any_deps, person(ALICE), draw_home)
    [first, again] = (p for p in gateway.posts if p["kind"] == "home")
    assert first["user_id"] == again["user_id"] == ALICE
    assert first["view"]["type"] == "home"
    assert drain(any_deps) == []  # opening left nothing stale


def test_a_change_marks_the_homes_it_touched_and_one_round_redraws_them(
    apollo: Deps, gateway: RecordingGateway
) -> None:
    values: dict[str, Value] = {"title": "send it", "owner": BOB, "due": date(2026, 11, 20)}
    items.add_item(apollo, person(ALICE), Kind.ACTION, values, None)
    assert stale(apollo) == {ALICE, BOB}
    assert homes_published(gateway) == []  # the change itself draws nothing

    assert sorted(drain(apollo)) == [ALICE, BOB]
    assert stale(apollo) == set()
    [bobs] = [p["view"] for p in gateway.posts if p["kind"] == "home" and p["user_id"] == BOB]
    assert "send it" in str(bobs)


def test_a_reassignment_marks_the_old_owner_the_new_one_and_the_presser(
    apollo: Deps, clock: FixedClock
) -> None:
    assert open_home(apollo, person(CAROL), draw_home)
    items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "send it"}, None)
    clock.advance(HOME_WINDOW)
    drain(apollo)
    clock.advance(HOME_WINDOW)

    items.update_item(apollo, person(CAROL), Kind.ACTION, 1, {"owner": BOB}, "assigned")

    assert stale(apollo) == {ALICE, BOB, CAROL}


def test_the_mark_is_rolled_back_with_its_change(apollo: Deps, any_engine: Engine) -> None:
    def fail_at_commit(_connection: Any) -> None:
        raise RuntimeError("the database went away at commit")

    event.listen(any_engine, "commit", fail_at_commit)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            items.add_item(apollo, person(ALICE), Kind.RISK, {"title": "vendor may slip"}, None)
    finally:
        event.remove(any_engine, "commit", fail_at_commit)

    assert stale(apollo) == set()
    assert drain(apollo) == []


def test_refused_changes_and_mentions_in_text_mark_nothing(apollo: Deps) -> None:
    alice = person(ALICE)
    with pytest.raises(UserError):
        items.update_item(apollo, alice, Kind.RISK, 99, {"impact": 5}, "updated")
    with pytest.raises(UserError):
        items.add_item(apollo, alice, Kind.RISK, {"title": "slip"}, "nosuchproject")
    assert stale(apollo) == set()

    title: dict[str, Value] = {"title": "ask <@U0BOB> about the vendor"}  # Bob owns nothing
    items.add_item(apollo, alice, Kind.RISK, title, None)
    assert stale(apollo) == {ALICE}
    with pytest.raises(UserError):
        items.reopen_item(apollo, person(BOB), Kind.RISK, 1)  # open already: refused
    assert stale(apollo) == {ALICE}


def test_someone_who_never_opened_their_home_is_never_published(
    apollo: Deps, gateway: RecordingGateway
) -> None:
    items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "yours", "owner": CAROL}, None)
    items.add_item(apollo, person(CAROL), Kind.ACTION, {"title": "mine"}, None)
    assert drain(apollo) == [ALICE]
    assert CAROL not in homes_published(gateway)


def test_a_burst_publishes_each_persons_home_once_a_window(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    people = [f"U0P{n:02d}" for n in range(20)]
    for user in people:
        open_home(apollo, person(user), draw_home)
    clock.advance(HOME_WINDOW)
    gateway.posts.clear()

    def burst() -> None:
        for n in range(100):
            who = person(people[n % 20])
            items.add_item(apollo, who, Kind.ACTION, {"title": f"task {n}"}, None)

    burst()
    assert Counter(drain(apollo)) == Counter(people)  # 100 changes, 20 publishes
    burst()
    assert drain(apollo) == []  # within the window of the last redraw: they wait
    clock.advance(HOME_WINDOW / 2)
    assert drain(apollo) == []
    clock.advance(HOME_WINDOW / 2)
    assert Counter(drain(apollo)) == Counter(people)
    assert drain(apollo) == []


def test_a_failed_publish_stays_stale_for_the_next_round(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "send it"}, None)
    gateway.down = True
    assert drain(apollo) == []
    assert stale(apollo) == {ALICE}
    gateway.down = False
    clock.advance(HOME_WINDOW)
    assert drain(apollo) == [ALICE]
    assert stale(apollo) == set()


def test_a_slow_publish_holds_its_home_and_the_window_runs_from_its_end(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    """While Alice's publish waits on Slack (two windows long), a change marks her Home stale
    and another worker drains: it must not publish hers beside the first (the older of two
    overlapping publishes may land last). The window runs from the end of the publish."""
    items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "first"}, None)
    other = RecordingGateway()
    during: list[list[str]] = []

    def slow_publish(user_id: str, view: dict[str, Any]) -> bool:
        clock.advance(HOME_WINDOW * 2)
        if not during:
            items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "second"}, None)
            drain_homes(replace(apollo, slack=other), draw_home)
            during.append(homes_published(other))
        return RecordingGateway.publish_home(gateway, user_id, view)

    gateway.publish_home = slow_publish  # type: ignore[method-assign]
    assert drain(apollo) == [ALICE]
    assert during == [[]]  # held while its publish was under way
    assert stale(apollo) == {ALICE}  # the second change waits for the next round
    clock.advance(HOME_WINDOW / 2)
    assert drain(replace(apollo, slack=other)) == []  # within a window of the publish's end
    clock.advance(HOME_WINDOW / 2)
    assert drain(replace(apollo, slack=other)) == [ALICE]


def test_a_home_whose_drawer_died_mid_publish_is_drawn_once_its_hold_ends(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    """A worker claimed Alice's stale Home and was killed before publishing it: another draws
    it once the hold has ended (before, it read clean and stayed stale until her next change)."""
    items.add_item(apollo, person(ALICE), Kind.ACTION, {"title": "send it"}, None)
    with apollo.db.write() as session:
        ws = session.scalar(select(HomeDirty.workspace_id))
        assert ws is not None
        assert homes.claim_many(session, [(ws, ALICE)], clock.now(), HOME_WINDOW, PUBLISH_HOLD)
    assert drain(apollo) == []  # held: its drawer may still be publishing
    clock.advance(PUBLISH_HOLD + HOME_WINDOW)
    assert drain(apollo) == [ALICE]
    assert stale(apollo) == set()


def test_two_drainers_never_publish_the_same_home(
    apollo: Deps, clock: FixedClock, gateway: RecordingGateway
) -> None:
    """The second worker drains while the first is publishing its first batch of Homes,
    holding a list of stale Homes it read before the second took the rest: its claims of
    those fail."""
    people = [f"U0P{n:02d}" for n in range(CLAIM_BATCH + 4)]
    for user in people:
        open_home(apollo, person(user), draw_home)
        items.add_item(apollo, person(user), Kind.ACTION, {"title": "work"}, None)
    clock.advance(HOME_WINDOW)
    gateway.posts.clear()
    second = RecordingGateway()
    first = RecordingGateway()
    inside: list[int] = []
    once = threading.Lock()

    def publish_then_let_the_other_drain(user_id: str, view: dict[str, Any]) -> bool:
        with once:
            if not inside:
                inside.append(drain_homes(replace(apollo, slack=second), draw_home))
        return RecordingGateway.publish_home(first, user_id, view)

    first.publish_home = publish_then_let_the_other_drain  # type: ignore[method-assign]

    drain_homes(replace(apollo, slack=first), draw_home)

    by_first, by_second = homes_published(first), homes_published(second)
    assert len(by_first) == CLAIM_BATCH  # the batch it had claimed when the other drained
    assert inside == [len(by_second)]
    assert sorted(by_first + by_second) == sorted(people)


def test_drainers_at_the_same_moment_publish_each_home_once(
    apollo: Deps, clock: FixedClock
) -> None:
    people = [f"U0P{n:02d}" for n in range(20)]
    for user in people:
        open_home(apollo, person(user), draw_home)
        items.add_item(apollo, person(user), Kind.ACTION, {"title": "work"}, None)
    clock.advance(HOME_WINDOW)
    gateways = [RecordingGateway() for _ in range(3)]
    start = threading.Barrier(len(gateways))
    failures: list[BaseException] = []

    def worker(gateway: RecordingGateway) -> None:
        try:
            start.wait(10)
            drain_homes(replace(apollo, slack=gateway), draw_home)
        except BaseException as error:  # handed to the test's thread
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(g,)) for g in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    published = [user for g in gateways for user in homes_published(g)]
    assert sorted(published) == sorted(people)  # each once, whoever drew it
