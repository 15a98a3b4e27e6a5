"""Every surface the bot draws, from generated data full of hostile text, within Slack's limits.

Titles of 2,000 characters, `&<>`, broadcasts, mentions, links, emoji, right-to-left text, very
long words and many items: measured after escaping, each message stays within 50 blocks and
12,000 characters, each view within 100 blocks, each text and element within its own limit, no
cut lands inside an entity or a token; and, with ../shared/slack-specs present, the blocks keep
to the Block Kit schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.digest_domain import Digest, DigestSettings, Listed, OwnerLoad, StandupWeek, Turnout
from bot.domain import (
    AuditEntry,
    AwaySpan,
    AwayStatus,
    Change,
    Dashboard,
    DigestDue,
    EscalationDue,
    HolidayEntry,
    HolidayList,
    Item,
    ItemPage,
    Kind,
    PortfolioDue,
    PortfolioRow,
    ProjectRef,
    ProjectSection,
    ProjectStatus,
    Rag,
    ReminderDue,
    ReminderSettings,
    StandupConfig,
    StandupEntry,
    StandupPromptDue,
    StandupReport,
    StandupSummaryDue,
    StatusEntry,
)
from bot.errors import UserError
from bot.fields import FIELDS
from handlers.blocks import (
    forms,
    home,
    items,
    projects,
    reminders,
    standup_settings,
    standup_thread,
)
from handlers.blocks import settings as reminder_settings
from handlers.blocks.digest import PARTS
from handlers.blocks.digest_settings import render_digest_settings
from handlers.blocks.portfolio_digest import render_portfolio_due
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from tests.support.slack_specs import specs_available, validate_blocks
from tests.support.surface_limits import assert_within_limits

NOW = datetime(2026, 11, 19, 15, 0).astimezone()
VIEWER = Viewer(NOW, "Europe/London")
TODAY = date(2026, 11, 19)
PIECES = [
    "&",
    "<",
    ">",
    "&amp;",
    "&<>" * 300,
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C0APOLLO>",
    "<http://evil.example|google.com>",
    "🚚",
    "👩🏽‍🚀",
    "שלום עולם",
    "\u202eevil",
    "*bold* ",
    "`code`",
    "\n",
    " ",
    "W" * 2000,
    "R&D ",
    "a" * 75,
]
hostile = st.lists(st.sampled_from(PIECES) | st.text(max_size=12), min_size=1, max_size=8).map(
    "".join
)


@dataclass(frozen=True)
class World:
    """What a generated example draws from: hostile texts and how many of everything."""

    texts: list[str]
    many: int

    def text(self, n: int) -> str:
        return self.texts[n % len(self.texts)]

    def capped(self, n: int, cap: int) -> str:
        return self.text(n)[:cap] or "x"

    @property
    def project(self) -> ProjectRef:
        return ProjectRef("apollo", self.capped(0, 80), "C0APOLLO", "Europe/London")

    def item(self, kind: Kind, n: int, **values: Any) -> Item:
        fields: dict[str, Any] = {
            "title": self.text(n),
            "status": "open",
            "owner_id": "U0BOB",
            "created_by": "U0ALICE",
            "created_at": NOW,
            "updated_at": NOW,
            "description": self.text(n + 1),
            "mitigation": self.text(n + 2),
            "category": self.capped(n + 3, 80),
            "note": self.text(n + 4),
            "rationale": self.text(n + 5),
            "alternatives": self.text(n + 6),
            "likelihood": 5,
            "impact": 4,
        }
        fields.update(values)
        return Item(kind=kind, number=n, project=self.project, **fields)

    def items(self, kind: Kind, count: int | None = None, **values: Any) -> tuple[Item, ...]:
        return tuple(self.item(kind, n, **values) for n in range(1, (count or self.many) + 1))

    def status(self, n: int = 0) -> StatusEntry:
        return StatusEntry(Rag.RED, self.text(n), "U0BOB", NOW)


Drawn = tuple[str, str, list[dict[str, Any]]]  # surface, fallback text, blocks


def message(drawn: tuple[str, list[dict[str, Any]]] | Reply) -> Drawn:
    if isinstance(drawn, Reply):
        return "message", drawn.text, drawn.blocks
    return "message", drawn[0], drawn[1]


def view(drawn: dict[str, Any]) -> Drawn:
    return drawn["type"], "", drawn["blocks"]


def item_surfaces(w: World) -> list[Drawn]:
    risks = w.items(Kind.RISK, min(w.many, 20) or 1)
    page = ItemPage(Kind.RISK, w.project, "open", risks, w.many + 25, 1, 20, owner_id="U0BOB")
    history = tuple(
        AuditEntry("updated", "U0BOB", NOW, {"title": [w.text(n), w.text(n + 1)]}, w.text(n))
        for n in range(w.many)
    )
    action = w.item(Kind.ACTION, 7, due_on=TODAY)
    change = Change(risks[0], "occurred", {"title": [w.text(1), w.text(2)]}, related=action)
    return [
        message(items.render_page(page, VIEWER)),
        message(items.render_item(risks[0], VIEWER)),
        message(items.render_item(risks[0], VIEWER, history)),
        message(items.render_change(change, "U0ALICE", VIEWER)),
        message(items.render_change(Change(action, "created"), "U0ALICE", VIEWER)),
    ]


def reminder_surfaces(w: World) -> list[Drawn]:
    late = w.items(Kind.ACTION, due_on=TODAY - timedelta(days=3))
    sections = tuple(
        ProjectSection(replace(w.project, slug=f"p{n}"), overdue=late, reviews=w.items(Kind.RISK))
        for n in range(1 + w.many // 20)
    )
    due = ReminderDue("k", 1, "T1", "U0BOB", TODAY, "Europe/London", sections)
    escalation = EscalationDue("e", 1, "T1", TODAY, w.item(Kind.ACTION, 3, due_on=TODAY), 4)
    _, blocks = reminders.render_reminder(due, VIEWER)
    pressed = replace(late[0], due_on=TODAY + timedelta(days=1)) if late else None
    for _ in range(3 if pressed else 0):
        assert pressed is not None
        note = items.control_note(pressed, "snoozed", "U0ALICE", VIEWER, w.text(2))
        blocks = items.patch_item_blocks(blocks, pressed, VIEWER, note)
    return [
        message(reminders.render_reminder(due, VIEWER)),
        message(reminders.render_escalation(escalation, VIEWER)),
        ("message", "", blocks),
    ]


def digest_surfaces(w: World) -> list[Drawn]:
    listed = Listed(w.items(Kind.RISK), w.many * 10)
    digest = Digest(
        project=w.project,
        team_id="T1",
        starts_at=NOW - timedelta(days=7),
        ends_at=NOW,
        local_day=TODAY,
        mentions=bool(w.many % 2),
        names={"U0BOB": w.text(3)},
        rag=w.status(1),
        last_week=w.status(2),
        risks_opened=listed,
        risks_closed=listed,
        top_risks=listed,
        actions_opened=w.many,
        actions_done=Listed(w.items(Kind.ACTION)),
        overdue=tuple(OwnerLoad(f"U{n}", n, w.items(Kind.ACTION, 3)) for n in range(w.many)),
        overdue_total=w.many * 3,
        overdue_owners=w.many,
        due_next_week=Listed(w.items(Kind.ACTION), w.many),
        issues_opened=Listed(),
        issues_resolved=Listed(w.items(Kind.ISSUE), w.many),
        issues_open=w.many,
        decisions=Listed(w.items(Kind.DECISION)),
        standup=StandupWeek(
            tuple(Turnout(f"U{n}", n, 5) for n in range(w.many)), Turnout(None, 1, 5), w.many
        ),
        heat_map={(5, 5): w.many},
        action_trend=((TODAY, 1, 2),),
    )
    drawn = [message(render(digest)) for render in PARTS.values()]
    due = DigestDue("d", 1, "T1", TODAY, digest)
    drawn.append(message(reminders.render_due(due, NOW)))
    drawn.append(
        message(
            render_digest_settings(DigestSettings(w.project, True, 4, time(16), True, NOW), VIEWER)
        )
    )
    return drawn


def portfolio_surfaces(w: World) -> list[Drawn]:
    rows = tuple(
        PortfolioRow(
            replace(w.project, slug=f"p{n}", channel_id=f"C{n}"),
            w.status(n),
            Rag.GREEN,
            n,
            25,
            n,
            n,
        )
        for n in range(w.many * 4)
    )
    return [
        message(projects.render_portfolio(rows)),
        message(render_portfolio_due(PortfolioDue("p", 1, "T1", "C1", TODAY, rows, w.many))),
        message(
            projects.render_status(
                ProjectStatus(w.project, w.status(), (w.status(1),) * w.many), VIEWER
            )
        ),
        message(projects.render_status_change(w.project, w.status(), w.status(1))),
        message(projects.render_project(w.project, True, "U0ALICE")),
        message(projects.render_error(UserError(w.text(0)))),
        message(projects.render_help(w.text(1), w.text(2) * 3)),
    ]


def home_surfaces(w: World) -> list[Drawn]:
    statuses = tuple(
        ProjectStatus(replace(w.project, slug=f"p{n}"), w.status(n), ()) for n in range(w.many)
    )
    dashboard = Dashboard(
        "U0ALICE",
        overdue=w.items(Kind.ACTION, due_on=TODAY - timedelta(days=1)),
        overdue_total=w.many * 2,
        upcoming=w.items(Kind.ACTION, due_on=TODAY + timedelta(days=1)),
        upcoming_total=w.many,
        risks=w.items(Kind.RISK),
        risks_total=w.many,
        projects=statuses,
        projects_total=w.many,
        decisions=w.items(Kind.DECISION, decided_on=TODAY),
        decisions_total=w.many * 3,
    )
    drawn = [view(home.render_home(dashboard, VIEWER))]
    drawn += [view(home.render_see_all(dashboard, name, VIEWER)) for name in home.SECTIONS]
    return drawn


def form_surfaces(w: World) -> list[Drawn]:
    """Forms show stored values, which never pass their caps (tests/reliability/test_limits)."""
    meta = forms.FormMeta(Kind.RISK, "C0APOLLO", "apollo")
    caps = {spec.name: spec.max_len for spec in FIELDS[Kind.RISK] if spec.max_len}
    stored = w.item(
        Kind.RISK,
        1,
        **{
            k: w.capped(n, caps[k])
            for n, k in enumerate(["title", "description", "mitigation", "category"])
        },
    )
    prefill = forms.prefill_from_message(w.text(0) + w.text(1))
    choices = tuple(replace(w.project, slug=f"p{n}") for n in range(w.many * 2))
    drawn = [
        view(forms.add_form(kind, replace(meta, kind=kind), "U0BOB", w.project)) for kind in Kind
    ]
    drawn.append(view(forms.edit_form(stored, "C0APOLLO", "Europe/London")))
    drawn.append(
        view(
            forms.message_form(Kind.ACTION, replace(meta, project=None), "U0BOB", prefill, choices)
        )
    )
    drawn.append(view(forms.explanation(w.text(2))))
    return drawn


def standup_surfaces(w: World) -> list[Drawn]:
    questions = tuple(w.capped(n, 300) for n in range(5))
    config = StandupConfig(
        1,
        1,
        "T1",
        "C0APOLLO",
        True,
        time(9, 30),
        (0, 1, 2, 3, 4),
        questions,
        "list",
        tuple(f"U{n:04d}" for n in range(w.many)),
        120,
        240,
        "Europe/London",
    )
    people = tuple(f"U{n:04d}" for n in range(w.many))
    answers = tuple(w.capped(n, 2000) for n in range(5))
    entries = tuple(StandupEntry(p, answers, NOW, answers[2]) for p in people)
    report = StandupReport(config, TODAY, TODAY, entries, people, people)
    return [
        message(standup_thread.render_parent(TODAY, questions)),
        message(standup_thread.render_answer(1, "U0BOB", questions, answers, 2)),
        message(standup_thread.render_answer_problems([(w.text(0), w.text(1))] * 5)),
        view(standup_thread.answer_modal(1, TODAY, "C0APOLLO", questions, answers, 2)),
        message(
            reminders.render_due(StandupPromptDue("s", 1, "T1", config, "U0BOB", TODAY, "UTC"), NOW)
        ),
        message(
            reminders.render_due(
                StandupSummaryDue("s", 1, "T1", config, TODAY, people, people, people), NOW
            )
        ),
        message(standup_settings.render_standup(config, VIEWER)),
        message(standup_settings.render_standup_report(report, VIEWER)),
    ]


def settings_surfaces(w: World) -> list[Drawn]:
    holidays = tuple(
        HolidayEntry(TODAY + timedelta(days=n), w.text(n), w.project) for n in range(w.many)
    )
    listing = HolidayList(w.project, TODAY, holidays, w.many * 2)
    spans = tuple(
        AwaySpan(TODAY + timedelta(days=n), TODAY + timedelta(days=n + 1)) for n in range(w.many)
    )
    return [
        message(
            reminder_settings.render_reminder_settings(
                ReminderSettings(w.project, True, time(9), 2, listing), VIEWER
            )
        ),
        message(reminder_settings.render_holidays(listing, VIEWER)),
        message(reminder_settings.render_away(AwayStatus("U0BOB", TODAY, spans, w.many), VIEWER)),
    ]


SURFACES: dict[str, Callable[[World], list[Drawn]]] = {
    "items": item_surfaces,
    "reminders": reminder_surfaces,
    "digest": digest_surfaces,
    "portfolio-status-errors": portfolio_surfaces,
    "home": home_surfaces,
    "forms": form_surfaces,
    "standups": standup_surfaces,
    "settings": settings_surfaces,
}
WORST = "&<>" * 700  # 2,100 characters that escape to 9,100: in every example, with others
worlds = st.builds(
    World,
    st.lists(hostile, min_size=2, max_size=6).map(lambda texts: [*texts, WORST]),
    st.integers(0, 60),
)


@pytest.mark.parametrize("name", SURFACES)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds)
@example(world=World([WORST], 60))  # every title the worst: the bug reports' lists and reminders
def test_every_surface_stays_within_slacks_limits(name: str, world: World) -> None:
    for surface, fallback, blocks in SURFACES[name](world):
        assert_within_limits(blocks, surface, fallback)
        if specs_available():
            validate_blocks(blocks, surface)


@pytest.mark.parametrize("name", SURFACES)
def test_the_worst_case_keeps_to_the_schema(name: str) -> None:
    """The longest escapes and the most of everything, against the Block Kit schema."""
    if not specs_available():
        pytest.skip("../shared/slack-specs absent: surfaces were checked against the limits only")
    world = World([WORST, "<!channel> 🚚 שלום \u202e", "W" * 2000], 120)
    for surface, fallback, blocks in SURFACES[name](world):
        assert_within_limits(blocks, surface, fallback)
        validate_blocks(blocks, surface)
