"""App Home: the dashboard service on a real database and its renderer against Slack's specs
(keeping Homes up to date after changes: tests/storage/test_home_tabs.py)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import (
    RISKS,
    SECTIONS,
    Actor,
    Dashboard,
    Item,
    Kind,
    ProjectRef,
    ProjectStatus,
    Rag,
    StatusEntry,
)
from bot.fields import Value
from bot.services import items, projects
from bot.services.access import settle_privacy
from bot.services.home import dashboard
from handlers import ids
from handlers.blocks import home as blocks
from handlers.blocks.home import MODAL_ITEMS, render_home, render_see_all
from handlers.blocks.text import Viewer
from tests.conftest import ALICE, BOB, TEAM
from tests.support.slack_specs import validate_blocks, validate_web_api_call

LONDON = ZoneInfo("Europe/London")
# What may stand between < and > in mrkdwn we send: mentions, channels and dates, nothing else.
SLACK_REF = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^\d+\^[^|<>]*\|[^<>]*)>")
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def in_channel(channel: str, user: str = ALICE, team: str = TEAM) -> Actor:
    return Actor(team_id=team, user_id=user, channel_id=channel, timezone="Europe/London")


def add(deps: Deps, actor: Actor, kind: Kind, title: str, **values: Value) -> str:
    return items.add_item(deps, actor, kind, {"title": title, **values}, None).item.ref


def refs(found: tuple[Item, ...]) -> list[str]:
    return [item.ref for item in found]


# -- the service ---------------------------------------------------------------------------------


@pytest.fixture
def workspace(any_deps: Deps, clock: FixedClock) -> Deps:
    """Alice's world on Thursday 19 November 2026, 15:00 in London, in four projects of which
    she belongs to three, plus a workspace of someone else's with her user id in it."""
    deps = any_deps
    apollo, gemini, mercury, vostok = (in_channel(c) for c in ("C0APOLLO", "C0GEM", "C0MER", "C0V"))
    bob_gemini, bob_mercury, bob_vostok = (
        in_channel(a.channel_id, BOB) for a in (gemini, mercury, vostok)
    )
    # Decisions are dated the day they are logged: these two are old news by today.
    clock.set(datetime(2026, 10, 30, 12, tzinfo=UTC))
    projects.bind_project(deps, apollo, "Apollo")
    projects.bind_project(deps, bob_gemini, "Gemini")
    add(deps, apollo, Kind.DECISION, "Old decision")  # D-1, 20 days ago
    clock.set(datetime(2026, 11, 5, 12, tzinfo=UTC))
    add(deps, apollo, Kind.DECISION, "Fortnight-old decision")  # D-2, exactly 14 days ago
    clock.set(datetime(2026, 11, 19, 15, tzinfo=UTC))
    projects.bind_project(deps, bob_mercury, "Mercury")
    projects.bind_project(deps, bob_vostok, "Vostok")
    projects.set_status(deps, apollo, Rag.GREEN, None, None)
    projects.set_status(deps, bob_gemini, Rag.AMBER, "vendor late", None)
    projects.set_status(deps, mercury, Rag.RED, "no budget", None)  # Alice sets Mercury's RAG
    projects.set_status(deps, bob_vostok, Rag.RED, "not hers", None)

    add(deps, apollo, Kind.ACTION, "two days late", due=date(2026, 11, 17))
    add(deps, apollo, Kind.ACTION, "a day late", due=date(2026, 11, 18))
    add(deps, apollo, Kind.ACTION, "due today", due=date(2026, 11, 19))
    add(deps, gemini, Kind.ACTION, "due in 14 days", due=date(2026, 12, 3))  # A-4, in Gemini
    add(deps, apollo, Kind.ACTION, "due in 15 days", due=date(2026, 12, 4))
    add(deps, apollo, Kind.ACTION, "no due date")
    add(deps, apollo, Kind.ACTION, "done already", due=date(2026, 11, 1))
    items.close_item(deps, apollo, Kind.ACTION, 7, None)
    add(deps, apollo, Kind.ACTION, "bob's", owner=BOB, due=date(2026, 11, 1))
    at = datetime(2026, 11, 19, 14, 0, tzinfo=LONDON)
    add(deps, apollo, Kind.ACTION, "an hour late", due=at)
    add(deps, apollo, Kind.ACTION, "late on the 14th day", due=at + timedelta(days=14, hours=9))
    add(deps, apollo, Kind.ACTION, "just past the horizon", due=at + timedelta(days=15))
    add(deps, bob_vostok, Kind.ACTION, "hers, but done", owner=ALICE)
    items.close_item(deps, bob_vostok, Kind.ACTION, 12, None)

    add(deps, apollo, Kind.RISK, "small", likelihood=2, impact=2)  # 4
    add(deps, apollo, Kind.RISK, "big", likelihood=5, impact=4)  # 20
    add(deps, gemini, Kind.RISK, "mitigating", likelihood=3, impact=3)  # 9
    items.update_item(deps, gemini, Kind.RISK, 3, {"status": "mitigating"}, "updated")
    add(deps, apollo, Kind.RISK, "closed", likelihood=5, impact=5)
    items.close_item(deps, apollo, Kind.RISK, 4, None)
    add(deps, apollo, Kind.RISK, "bob's", owner=BOB, likelihood=5, impact=5)

    add(deps, bob_gemini, Kind.DECISION, "Use vendor B")  # D-3, today, in Gemini
    add(deps, bob_vostok, Kind.DECISION, "Not her project")  # D-4
    add(deps, bob_mercury, Kind.DECISION, "Mercury's call")  # D-5

    # Another workspace where Alice has the same user id: none of it may show.
    evil = in_channel("C0EVIL", ALICE, "T0EVIL")
    projects.bind_project(deps, evil, "Elsewhere")
    add(deps, evil, Kind.ACTION, "elsewhere late", due=date(2026, 11, 18))
    add(deps, evil, Kind.RISK, "elsewhere risk", likelihood=5, impact=5)
    add(deps, evil, Kind.DECISION, "elsewhere decision")
    projects.set_status(deps, evil, Rag.RED, "elsewhere", None)
    return deps


def test_dashboard_sections_and_their_order(workspace: Deps, alice: Actor) -> None:
    board = dashboard(workspace, alice)

    assert refs(board.overdue) == ["A-1", "A-2", "A-9"]  # longest overdue first
    # Today, then up to 14 days on; on one day, a time before the day's end.
    assert refs(board.upcoming) == ["A-3", "A-10", "A-4"]
    assert board.upcoming[2].project.name == "Gemini"
    assert refs(board.risks) == ["R-2", "R-3", "R-1"]  # by score, mitigating ones too
    # Hers: she owns items in Apollo and Gemini, created Apollo and set Mercury's RAG.
    assert [(p.project.name, p.current.rag if p.current else None) for p in board.projects] == [
        ("Mercury", Rag.RED),
        ("Gemini", Rag.AMBER),
        ("Apollo", Rag.GREEN),
    ]
    assert board.projects[1].current is not None
    assert board.projects[1].current.reason == "vendor late"
    # The last 14 days of her projects, newest first.
    assert refs(board.decisions) == ["D-5", "D-3", "D-2"]
    totals = (board.overdue_total, board.upcoming_total, board.risks_total)
    assert totals == (3, 3, 3)
    assert (board.projects_total, board.decisions_total) == (3, 3)
    assert not board.is_empty


def test_dashboard_counts_beyond_the_limit(workspace: Deps, alice: Actor) -> None:
    board = dashboard(workspace, alice, limit=1)
    assert (refs(board.overdue), board.overdue_total) == (["A-1"], 3)
    assert (refs(board.risks), board.risks_total) == (["R-2"], 3)
    assert (len(board.projects), board.projects_total) == (1, 3)


def test_dashboard_reads_only_the_sections_asked_for(workspace: Deps, alice: Actor) -> None:
    board = dashboard(workspace, alice, sections=(RISKS,))
    assert refs(board.risks) == ["R-2", "R-3", "R-1"]
    assert (board.overdue, board.overdue_total, board.projects) == ((), 0, ())
    with pytest.raises(ValueError, match="unknown"):
        dashboard(workspace, alice, sections=("everything",))


def test_dashboard_days_are_the_readers(workspace: Deps, alice: Actor, clock: FixedClock) -> None:
    # Friday 02:00 in London is still Thursday evening in Los Angeles.
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=LONDON))
    london = dashboard(workspace, alice)
    los_angeles = dashboard(workspace, replace(alice, timezone="America/Los_Angeles"))
    assert "A-3" in refs(london.overdue)
    assert "A-3" in refs(los_angeles.upcoming)


def test_other_workspaces_and_strangers_see_nothing(workspace: Deps, alice: Actor) -> None:
    stranger = replace(alice, team_id="T0NEW")
    assert dashboard(workspace, stranger).is_empty
    evil = dashboard(workspace, replace(alice, team_id="T0EVIL"))
    assert [i.title for i in evil.overdue] == ["elsewhere late"]
    assert [p.project.name for p in evil.projects] == ["Elsewhere"]
    newcomer = dashboard(workspace, replace(alice, user_id="U0NEWBIE"))
    assert newcomer.is_empty


def test_dashboard_costs_a_fixed_number_of_queries(deps: Deps, clock: FixedClock) -> None:
    def statements_for(projects_count: int) -> int:
        for n in range(projects_count):
            actor = in_channel(f"C{projects_count}X{n}")
            projects.bind_project(deps, actor, f"P{projects_count}-{n}")
            projects.set_status(deps, actor, Rag.AMBER, "why", None)
            add(deps, actor, Kind.ACTION, "late", due=date(2026, 11, 1))
            add(deps, actor, Kind.ACTION, "soon", due=date(2026, 11, 25))
            add(deps, actor, Kind.RISK, "r", likelihood=n % 5 + 1)
            add(deps, actor, Kind.DECISION, "d")
        settle_privacy(deps)  # as a scheduler pass does: Slack has said which are private
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(deps.db.engine, "before_cursor_execute", listener)
        try:
            board = dashboard(deps, in_channel("C0ANY"))
        finally:
            event.remove(deps.db.engine, "before_cursor_execute", listener)
        assert board.projects_total == board.overdue_total
        return len(statements)

    small, large = statements_for(2), statements_for(40)
    assert small == large
    assert small <= 8  # BEGIN, the workspace, the projects not known public, one per section


# -- the renderer -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
VIEWER = Viewer(NOW, "Europe/London")
APOLLO = ProjectRef("apollo", "Apollo", "C0APOLLO", "Europe/London")
HOSTILE = "<!channel> R&D <http://evil|google.com> &amp; " + "&<>" * 100


def item(kind: Kind, number: int, title: str = "Vendor may slip", **fields: Any) -> Item:
    values: dict[str, Any] = {
        "status": "open" if kind is not Kind.DECISION else "active",
        "owner_id": ALICE,
        "created_by": ALICE,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Item(kind=kind, number=number, project=APOLLO, title=title, **values)


def typical() -> Dashboard:
    return Dashboard(
        ALICE,
        overdue=(item(Kind.ACTION, 1, "send contract", due_on=date(2026, 11, 18)),),
        overdue_total=1,
        upcoming=(item(Kind.ACTION, 2, "book room", due_at=NOW + timedelta(days=2)),),
        upcoming_total=1,
        risks=(item(Kind.RISK, 3, likelihood=4, impact=5),),
        risks_total=1,
        projects=(
            ProjectStatus(APOLLO, StatusEntry(Rag.AMBER, "vendor late", BOB, NOW), ()),
            ProjectStatus(replace(APOLLO, name="Gemini", channel_id="C0GEM"), None, ()),
        ),
        projects_total=2,
        decisions=(item(Kind.DECISION, 4, "Use vendor B", decided_on=date(2026, 11, 17)),),
        decisions_total=1,
    )


def huge(title: str = HOSTILE, projects: int = 50) -> Dashboard:
    late = date(2026, 11, 1)
    project = replace(APOLLO, name=HOSTILE[:80])
    return Dashboard(
        ALICE,
        overdue=tuple(item(Kind.ACTION, n, title, due_on=late) for n in range(1, 501)),
        overdue_total=500,
        upcoming=tuple(
            item(Kind.ACTION, n, title, due_at=NOW + timedelta(hours=n)) for n in range(501, 1001)
        ),
        upcoming_total=500,
        risks=tuple(
            item(Kind.RISK, n, title, likelihood=5, impact=5, mitigation=title)
            for n in range(1, 301)
        ),
        risks_total=300,
        projects=tuple(
            ProjectStatus(
                replace(project, slug=f"p{n}", channel_id=f"C{n:04d}"),
                StatusEntry(Rag.RED, HOSTILE * 3, BOB, NOW),
                (),
            )
            for n in range(projects)
        ),
        projects_total=projects,
        decisions=tuple(
            replace(item(Kind.DECISION, n, title, decided_on=date(2026, 11, 18)), project=project)
            for n in range(1, 201)
        ),
        decisions_total=200,
    )


def mrkdwn(node: Any) -> list[str]:
    """Every text a reader sees: mrkdwn and plain_text objects, anywhere in the view."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") else []
        return own + [t for value in node.values() for t in mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in mrkdwn(value)]
    return []


def check_home(view: dict[str, Any]) -> list[dict[str, Any]]:
    assert view["type"] == "home"
    validate_blocks(view["blocks"], surface="home")
    validate_web_api_call("views.publish", {"user_id": ALICE, "view": json.dumps(view)})
    check_text(view)
    return list(view["blocks"])


def check_modal(view: dict[str, Any]) -> list[dict[str, Any]]:
    assert view["type"] == "modal"
    validate_blocks(view["blocks"], surface="modal")
    validate_web_api_call("views.open", {"trigger_id": "1.2.3", "view": json.dumps(view)})
    check_text(view)
    return list(view["blocks"])


def check_text(view: dict[str, Any]) -> None:
    """Nothing but mentions, channels and dates between < and >; every & an entity."""
    assert "<!channel>" not in json.dumps(view)
    for text in mrkdwn(view):
        bare = SLACK_REF.sub("", text)
        assert "<" not in bare, text
        assert ">" not in bare, text
        assert not BARE_AMPERSAND.search(bare), text


def text_of(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(mrkdwn(blocks))


def see_all_values(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in blocks
        if b.get("accessory", {}).get("action_id") == ids.HOME_SEE_ALL
    ]


def test_empty_home_welcomes_a_newcomer() -> None:
    shown = check_home(render_home(Dashboard(ALICE), VIEWER))
    text = text_of(shown)
    assert "`/pmo project &lt;name&gt;`" in text
    assert "`/action add &lt;text&gt; due friday`" in text
    assert len(shown) <= 3


def test_typical_home_has_every_section_with_controls() -> None:
    shown = check_home(render_home(typical(), VIEWER))
    text = text_of(shown)
    for heading in ("Overdue actions (1)", "Due in the next 14 days (1)", "Your open risks (1)"):
        assert heading in text
    assert "Your projects (2)" in text
    assert "Decisions, last 14 days (1)" in text
    assert "*A-1* send contract" in text
    assert ":warning: *overdue*" in text
    assert ":large_orange_circle: *AMBER* *Apollo* <#C0APOLLO> — _vendor late_" in text
    assert "*NO STATUS* *Gemini*" in text
    assert "*D-4* Use vendor B" in text
    # Keyed by ref: an action's block id goes on with what its buttons act on (due, owner).
    controls = {b["block_id"].split("|")[0]: b for b in shown if b["type"] == "actions"}
    assert set(controls) == {ids.controls_block("A-1"), ids.controls_block("A-2")} | {
        ids.controls_block("R-3")
    }
    action_ids = [e["action_id"] for e in controls[ids.controls_block("A-1")]["elements"]]
    assert action_ids == [ids.DONE, ids.SNOOZE_DAY, ids.SNOOZE_WEEK, ids.REASSIGN]
    risk_ids = [e["action_id"] for e in controls[ids.controls_block("R-3")]["elements"]]
    assert risk_ids == [ids.UPDATE, ids.CLOSE]
    assert see_all_values(shown) == []  # nothing more to see


def test_empty_sections_say_what_to_do() -> None:
    only_projects = replace(Dashboard(ALICE), projects=typical().projects, projects_total=2)
    text = text_of(check_home(render_home(only_projects, VIEWER)))
    assert "Nothing overdue." in text
    assert "`/action add &lt;text&gt; due friday`" in text
    assert "`/risk add &lt;title&gt;`" in text
    assert "No decisions in your projects in the last 14 days." in text


def test_huge_home_stays_within_slacks_limits() -> None:
    shown = check_home(render_home(huge(), VIEWER))
    assert len(shown) <= 100
    text = text_of(shown)
    assert "…and 492 more overdue actions." in text
    assert "…and 492 more actions due soon." in text
    assert "…and 292 more open risks." in text
    assert "…and 40 more projects." in text
    assert "…and 192 more decisions." in text
    assert see_all_values(shown) == ["overdue", "upcoming", "risks", "projects", "decisions"]
    assert set(see_all_values(shown)) == set(SECTIONS)
    assert shown[-1]["accessory"]["value"] == "decisions"  # nothing was cut at the end


def test_one_more_is_singular() -> None:
    board = replace(typical(), overdue_total=2)
    assert "…and 1 more overdue action." in text_of(check_home(render_home(board, VIEWER)))


@pytest.mark.parametrize("name", SECTIONS)
def test_see_all_lists_up_to_the_modals_limit(name: str) -> None:
    view = render_see_all(huge(projects=120), name, VIEWER)
    shown = check_modal(view)
    assert len(view["title"]["text"]) <= 24
    assert len(shown) == MODAL_ITEMS + 2
    pointer = {
        "overdue": "`/action list overdue`",
        "upcoming": "`/action list mine`",
        "risks": "`/risk list mine`",
        "projects": "`/pmo portfolio`",
        "decisions": "`/decision list all`",
    }[name]
    assert "…and" in text_of(shown[-1:])
    assert pointer in text_of(shown[-1:])


@pytest.mark.parametrize("name", SECTIONS)
def test_see_all_of_an_emptied_section(name: str) -> None:
    shown = check_modal(render_see_all(Dashboard(ALICE), name, VIEWER))
    assert len(shown) == 1


def test_see_all_when_everything_fits() -> None:
    shown = check_modal(render_see_all(typical(), "risks", VIEWER))
    assert text_of(shown[:1]) == "1 open risk, highest score first."
    assert "…and" not in text_of(shown)


def test_renderer_sections_are_the_services() -> None:
    assert tuple(blocks.SECTIONS) == SECTIONS
