"""Tests for handlers.blocks: every surface rendered from domain values, checked against Slack."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    AuditEntry,
    Change,
    Item,
    ItemPage,
    Kind,
    PortfolioRow,
    ProjectRef,
    ProjectStatus,
    Rag,
    ScoreBand,
    StatusEntry,
)
from bot.errors import ParseError, UserError
from bot.presses import Drawn, drawn
from handlers.blocks.controls import Target, item_controls, read_value
from handlers.blocks.items import (
    HISTORY_MAX,
    patch_item_blocks,
    render_change,
    render_item,
    render_page,
    summary_line,
)
from handlers.blocks.projects import (
    render_error,
    render_help,
    render_portfolio,
    render_project,
    render_status,
    render_status_change,
)
from handlers.blocks.reply import Reply, context, section
from handlers.blocks.text import Viewer, clip, escape, escape_clip, when
from handlers.grammar import parse_item_command, parse_pmo_command
from handlers.ids import item_block
from handlers.usage import ITEM_USAGE, PMO_USAGE, help_text, kind_overview
from tests.support.slack_specs import validate_message_payload

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday
VIEWER = Viewer(NOW, "Europe/London")
APOLLO = ProjectRef("apollo", "Apollo", "C0APOLLO", "Europe/London")
ISSUE_DUE = datetime(2026, 11, 20, 17, 0, tzinfo=LONDON)
ISSUE_DUE_SHOWN = "<!date^1795194000^{date_short_pretty} {time}|Fri 20 Nov 17:00 GMT>"
NOW_SHOWN = "<!date^1795100400^{date_short_pretty} {time}|Thu 19 Nov 15:00 GMT>"

# What may stand between < and > in mrkdwn we send: mentions, channels and dates, nothing else.
SLACK_REF = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^\d+\^[^|<>]*\|[^<>]*)>")
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def item(kind: Kind = Kind.RISK, number: int = 12, **fields: Any) -> Item:
    values: dict[str, Any] = {
        "title": "Vendor may slip",
        "status": "open",
        "owner_id": "U0BOB",
        "created_by": "U0ALICE",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Item(kind=kind, number=number, project=APOLLO, **values)


RISK = item(likelihood=3, impact=4, review_on=date(2026, 11, 27), mitigation="weekly calls")
ACTION = item(Kind.ACTION, 7, title="send contract", due_on=date(2026, 11, 18))
ISSUE = item(Kind.ISSUE, 3, title="Rig down", severity="high", due_at=ISSUE_DUE)
DECISION = item(Kind.DECISION, 4, title="Use vendor B", status="active", owner_id="U0ERIN")


def controls(reply: Reply) -> list[dict[str, Any]]:
    """The controls blocks (Done, Snooze, … or Update, Close)."""
    return [block for block in reply.blocks if block["type"] == "actions"]


def texts(reply: Reply) -> list[str]:
    """The text of each block: a section's, a context's elements', a header's (not controls)."""
    found = []
    for block in reply.blocks:
        if block["type"] == "actions":
            continue
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            found.append(element["text"])
    return found


def check(reply: Reply) -> dict[str, Any]:
    """Slack accepts the payload, and its mrkdwn holds nothing but mentions, channels, dates."""
    payload = reply.payload()
    validate_message_payload(payload)
    for text in [reply.text, *texts(reply)]:
        bare = SLACK_REF.sub("", text)
        assert "<" not in bare, text
        assert ">" not in bare, text
        assert not BARE_AMPERSAND.search(bare), text
    return payload


# -- render_change -----------------------------------------------------------------------------

RISK_LINE = (
    "*R-12* Vendor may slip · :large_orange_circle: 12 (L3×I4) · <@U0BOB> · review Fri 27 Nov"
)
ACTION_LINE = "*A-7* send contract · <@U0BOB> · due Wed 18 Nov :warning: *overdue*"

CHANGES: list[tuple[str, Change, list[str], str]] = [
    (
        "created-risk",
        Change(RISK, "created"),
        [
            f":memo: <@U0ALICE> logged {RISK_LINE}",
            "likelihood 3 × impact 4 · mitigation: weekly calls · project *Apollo*",
        ],
        "<@U0ALICE> logged R-12: Vendor may slip · review Fri 27 Nov",
    ),
    (
        "created-action-without-due",
        Change(replace(ACTION, due_on=None), "created"),
        [
            ":memo: <@U0ALICE> logged *A-7* send contract · <@U0BOB>",
            "no due date — set one with `due:&lt;date&gt;` · project *Apollo*",
        ],
        "<@U0ALICE> logged A-7: send contract",
    ),
    (
        "created-decision",
        Change(DECISION, "created"),
        [":memo: <@U0ALICE> logged *D-4* Use vendor B · by <@U0ERIN>", "project *Apollo*"],
        "<@U0ALICE> logged D-4: Use vendor B",
    ),
    (
        "updated",
        Change(
            replace(RISK, impact=5, status="mitigating", owner_id="U0CAROL"),
            "updated",
            {
                "impact": ["4", "5"],
                "owner": ["U0BOB", "U0CAROL"],
                "status": ["open", "mitigating"],
                "review": ["2026-11-27", None],
            },
        ),
        [
            ":pencil2: <@U0ALICE> updated *R-12* Vendor may slip · :red_circle: 15 (L3×I5) · "
            "<@U0CAROL> · review Fri 27 Nov · _mitigating_",
            "impact: “4” → “5” · owner: <@U0BOB> → <@U0CAROL> · "
            "status: “open” → “mitigating” · review: Fri 27 Nov → —",
        ],
        "<@U0ALICE> updated R-12: Vendor may slip · review Fri 27 Nov",
    ),
    (
        "assigned",
        Change(ACTION, "assigned", {"owner": ["U0ALICE", "U0BOB"]}),
        [f":pencil2: <@U0ALICE> reassigned {ACTION_LINE}", "owner: <@U0ALICE> → <@U0BOB>"],
        "<@U0ALICE> reassigned A-7: send contract · due Wed 18 Nov",
    ),
    (
        "rescheduled",
        Change(
            replace(ISSUE, due_at=ISSUE_DUE),
            "rescheduled",
            {"due": ["2026-11-18", "2026-11-20T17:00+00:00"]},
        ),
        [
            f":pencil2: <@U0ALICE> moved the due date of *I-3* Rig down · high · <@U0BOB> · "
            f"due {ISSUE_DUE_SHOWN}",
            f"due: Wed 18 Nov → {ISSUE_DUE_SHOWN}",
        ],
        f"<@U0ALICE> moved the due date of I-3: Rig down · due {ISSUE_DUE_SHOWN}",
    ),
    (
        "snoozed",
        Change(
            replace(ACTION, due_on=date(2026, 11, 26)),
            "snoozed",
            {"due": [None, "2026-11-26"]},
        ),
        [
            ":pencil2: <@U0ALICE> snoozed *A-7* send contract · <@U0BOB> · due Thu 26 Nov",
            "due: — → Thu 26 Nov",
        ],
        "<@U0ALICE> snoozed A-7: send contract · due Thu 26 Nov",
    ),
    (
        "closed-hides-status",
        Change(replace(RISK, status="closed"), "closed", {"status": ["open", "closed"]}),
        [
            ":lock: <@U0ALICE> closed *R-12* Vendor may slip · :large_orange_circle: 12 (L3×I4) "
            "· <@U0BOB> · _closed_"
        ],
        "<@U0ALICE> closed R-12: Vendor may slip",
    ),
    (
        "done-with-note",
        Change(
            replace(ACTION, status="done", note="sent"),
            "done",
            {"status": ["open", "done"], "note": [None, "sent"]},
        ),
        [
            ":white_check_mark: <@U0ALICE> completed *A-7* send contract · <@U0BOB> · "
            "due Wed 18 Nov · _done_",
            "note: — → “sent”",
        ],
        "<@U0ALICE> completed A-7: send contract · due Wed 18 Nov",
    ),
    (
        "resolved",
        Change(replace(ISSUE, status="resolved"), "resolved", {"status": ["open", "resolved"]}),
        [
            ":white_check_mark: <@U0ALICE> resolved *I-3* Rig down · high · <@U0BOB> · "
            f"due {ISSUE_DUE_SHOWN} · _resolved_"
        ],
        f"<@U0ALICE> resolved I-3: Rig down · due {ISSUE_DUE_SHOWN}",
    ),
    (
        "occurred-with-issue",
        Change(
            replace(RISK, status="occurred"),
            "occurred",
            {"status": ["open", "occurred"]},
            related=replace(ISSUE, number=8, title="Vendor slipped"),
        ),
        [
            ":boom: <@U0ALICE> marked as occurred *R-12* Vendor may slip · "
            ":large_orange_circle: 12 (L3×I4) · <@U0BOB> · _occurred_",
            ":rotating_light: Raised *I-8* Vendor slipped · high · <@U0BOB> · "
            f"due {ISSUE_DUE_SHOWN}",
        ],
        "<@U0ALICE> marked as occurred R-12: Vendor may slip",
    ),
    (
        "reopened",
        Change(ACTION, "reopened", {"status": ["done", "open"]}),
        [f":leftwards_arrow_with_hook: <@U0ALICE> reopened {ACTION_LINE}"],
        "<@U0ALICE> reopened A-7: send contract · due Wed 18 Nov",
    ),
    (
        "superseded",
        Change(
            replace(DECISION, status="superseded", links=("D-9",)),
            "superseded",
            {"status": ["active", "superseded"]},
            related=replace(DECISION, number=9, title="Use vendor C"),
        ),
        [
            ":pencil2: <@U0ALICE> superseded *D-4* Use vendor B · by <@U0ERIN> · _superseded_",
            ":arrow_right: In force now: *D-9* Use vendor C · by <@U0ERIN>",
        ],
        "<@U0ALICE> superseded D-4: Use vendor B",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected", "fallback"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_render_change(change: Change, expected: list[str], fallback: str) -> None:
    reply = render_change(change, "U0ALICE", VIEWER)

    check(reply)
    assert reply.in_channel
    assert texts(reply) == expected
    assert reply.text == fallback


def test_a_change_with_long_values_fits() -> None:
    long = "word " * 400
    change = Change(
        replace(RISK, title="t" * 300, mitigation=long),
        "updated",
        {name: [long, long] for name in ("title", "mitigation", "category", "description")},
    )

    reply = render_change(change, "U0ALICE", VIEWER)

    check(reply)
    assert all(len(t) <= 3000 for t in texts(reply))


# -- render_page -------------------------------------------------------------------------------


def page(
    items: list[Item], total: int, number: int = 1, scope: str = "open", size: int = 20
) -> ItemPage:
    return ItemPage(Kind.RISK, APOLLO, scope, tuple(items), total, number, size)


def risks(count: int, start: int = 1) -> list[Item]:
    return [replace(RISK, number=n, title=f"risk {n}") for n in range(start, start + count)]


def test_an_empty_page_says_how_to_add() -> None:
    reply = render_page(page([], 0), VIEWER)

    check(reply)
    assert texts(reply) == ["*Risks* in *Apollo*: none. Add one with `/risk add …`."]
    assert not reply.in_channel


def test_an_empty_filtered_page_names_its_filter() -> None:
    found = ItemPage(Kind.ACTION, APOLLO, "overdue", (), 0, 1, 20, owner_id="U0BOB")

    reply = render_page(found, VIEWER)

    assert texts(reply) == [
        "*Actions (overdue)* in *Apollo* owned by <@U0BOB>: none. Add one with `/action add …`."
    ]


def test_a_page_with_some_items() -> None:
    reply = render_page(page(risks(3), 3), VIEWER)

    check(reply)
    lines = texts(reply)
    assert lines[0] == "*Risks* in *Apollo* — 3 in all"
    assert lines[1:] == [
        RISK_LINE.replace("R-12* Vendor may slip", f"R-{n}* risk {n}") for n in (1, 2, 3)
    ]
    assert reply.text == "Risks in Apollo: 3"


@pytest.mark.parametrize(
    ("number", "shown", "total", "scope", "size", "more"),
    [
        (1, 20, 45, "open", 20, "…and 25 more. Next: `/risk list open project:apollo page:2`"),
        (2, 20, 45, "all", 20, "…and 5 more. Next: `/risk list all project:apollo page:3`"),
        (1, 10, 14, "top", 10, "…and 4 more. Next: `/risk list all project:apollo`"),
        (3, 5, 45, "open", 20, None),
    ],
    ids=["first-of-three", "middle", "top", "last"],
)
def test_a_page_of_many_says_where_the_rest_are(
    number: int, shown: int, total: int, scope: str, size: int, more: str | None
) -> None:
    reply = render_page(page(risks(shown), total, number, scope, size), VIEWER)

    check(reply)
    lines = texts(reply)
    assert len(reply.blocks) == 1 + 2 * shown + (
        1 if more else 0
    )  # each open risk: line + controls
    assert len(controls(reply)) == shown
    if more is None:
        assert lines[-1].startswith("*R-")
    else:
        assert lines[-1] == more


def test_a_full_page_of_long_escaped_titles_fits() -> None:
    titles = [("R&D <plan> " * 30)[:300] for _ in range(20)]
    items = [replace(RISK, number=n, title=t) for n, t in enumerate(titles, 1)]

    reply = render_page(page(items, 500), VIEWER)

    check(reply)
    assert len(reply.blocks) == 42


# -- render_item -------------------------------------------------------------------------------

ORDINARY = ("lorem ipsum dolor " * 120)[:2000]
ESCAPE_HEAVY = ("R&D <a> & b " * 200)[:2000]


def maxed(kind: Kind, text: str) -> Item:
    return item(
        kind,
        999_999_999,
        title=text[:300],
        status="closed" if kind is Kind.RISK else "open",
        description=text,
        category=text[:80],
        likelihood=5,
        impact=5,
        mitigation=text,
        review_on=date(2031, 11, 19),
        due_at=ISSUE_DUE,
        severity="critical",
        note=text,
        closed_at=NOW,
        rationale=text,
        alternatives=text,
        decided_on=date(2026, 1, 1),
        source_link="https://acme.slack.com/archives/C0APOLLO/p" + "1" * 450,
        links=tuple(f"I-{n}" for n in range(100)),
    )


DETAIL_LABELS = [
    "Description",
    "Category",
    "Mitigation",
    "Rationale",
    "Alternatives considered",
    "Decided on",
    "Closing note",
    "Closed",
    "Source",
]
LINK_LABELS = {
    Kind.RISK: "Raised as",
    Kind.ACTION: "Linked",
    Kind.ISSUE: "From risk",
    Kind.DECISION: "Superseded by",
}


@pytest.mark.parametrize("text", [ORDINARY, ESCAPE_HEAVY], ids=["ordinary", "escape-heavy"])
@pytest.mark.parametrize("kind", list(Kind), ids=[k.noun for k in Kind])
def test_an_item_with_every_field_maxed_out(kind: Kind, text: str) -> None:
    reply = render_item(maxed(kind, text), VIEWER)

    check(reply)
    lines = texts(reply)
    labels = [line.split(":*", 1)[0].lstrip("*") for line in lines[1:-1]]
    assert labels == [*DETAIL_LABELS, LINK_LABELS[kind]]
    assert lines[0].startswith(f"*{kind.value}-999999999* ")
    assert "…" in lines[0]  # the title is cut in the summary line
    assert all(len(line) <= 900 + len("*Alternatives considered:* ") for line in lines[1:-1])
    assert lines[-1] == (
        f"Project *Apollo* · logged by <@U0ALICE> {NOW_SHOWN} · "
        f"status _{'closed' if kind is Kind.RISK else 'open'}_"
    )
    assert not reply.in_channel


def test_an_item_without_details_is_two_blocks() -> None:
    reply = render_item(replace(RISK, mitigation=None), VIEWER)

    check(reply)
    assert texts(reply) == [
        RISK_LINE,
        f"Project *Apollo* · logged by <@U0ALICE> {NOW_SHOWN} · status _open_",
    ]
    assert reply.text == "R-12: Vendor may slip"


def history(count: int, text: str) -> tuple[AuditEntry, ...]:
    return tuple(
        AuditEntry(
            "updated",
            "U0BOB",
            NOW - timedelta(hours=count - n),
            {
                "title": [text[:300], f"{n} {text[:290]}"],
                "owner": ["U0BOB", "U0CAROL"],
                "due": ["2026-11-20", "2026-11-21T17:00+00:00"],
            },
        )
        for n in range(count)
    )


@pytest.mark.parametrize("text", [ORDINARY, ESCAPE_HEAVY], ids=["ordinary", "escape-heavy"])
def test_an_item_with_a_long_history_shows_the_latest(text: str) -> None:
    trail = history(200, text)

    reply = render_item(maxed(Kind.ACTION, text), VIEWER, trail)

    check(reply)
    assert len(reply.blocks) <= 50
    assert reply.blocks[2] == {"type": "divider"}
    lines = texts(reply)
    assert lines[2] == f"Showing the last {HISTORY_MAX} of 200 changes."
    entries = [e for block in lines[3:] for e in block.split("\n")]
    assert len(entries) == HISTORY_MAX
    assert all(e.startswith("• <!date^") and len(e) <= 280 for e in entries)
    assert "*updated* title: “" in entries[-1]
    assert not any(line.startswith("*Description:*") for line in lines)


def test_a_short_history_is_shown_whole() -> None:
    trail = (
        AuditEntry("created", "U0ALICE", NOW, {"title": [None, "Vendor may slip"]}),
        AuditEntry("updated", "U0BOB", NOW, {"review": ["2026-11-27", "2026-12-04"]}),
    )

    reply = render_item(RISK, VIEWER, trail)

    check(reply)
    assert texts(reply)[-1] == (
        f"• {NOW_SHOWN} <@U0ALICE> *created* title: — → “Vendor may slip”\n"
        f"• {NOW_SHOWN} <@U0BOB> *updated* review: Fri 27 Nov → Fri 4 Dec"
    )


def test_a_slack_connect_members_own_workspace_is_named_in_the_history() -> None:
    changes: dict[str, list[str | None]] = {"status": ["open", "closed"]}
    trail = (
        AuditEntry("closed", "U0VENDOR", NOW, changes, "T0VENDOR"),
        AuditEntry("reopened", "U0ALICE", NOW, {"status": ["closed", "open"]}),
        AuditEntry("updated", "U0EVE", NOW, {"title": ["a", "b"]}, "T<!channel>&"),
    )

    reply = render_item(RISK, VIEWER, trail)

    check(reply)
    first, ours, hostile = texts(reply)[-1].split("\n")
    assert first.startswith(f"• {NOW_SHOWN} <@U0VENDOR> (from their own workspace T0VENDOR) *")
    assert "from their own workspace" not in ours
    assert "(from their own workspace T&lt;!channel&gt;&amp;)" in hostile


# -- status and projects -----------------------------------------------------------------------


def entry(rag: Rag, reason: str | None, days_ago: int = 0) -> StatusEntry:
    return StatusEntry(rag, reason, "U0BOB", NOW - timedelta(days=days_ago))


def test_a_project_without_status() -> None:
    reply = render_status(ProjectStatus(APOLLO, None, ()), VIEWER)

    check(reply)
    assert texts(reply) == [
        "*Apollo* has no status yet. Set it with `/pmo status green|amber|red &lt;reason&gt;`."
    ]


def test_a_status_with_its_history() -> None:
    current = entry(Rag.AMBER, "vendor late")
    earlier = entry(Rag.GREEN, None, 7)

    reply = render_status(ProjectStatus(APOLLO, current, (current, earlier)), VIEWER)

    check(reply)
    assert texts(reply) == [
        f"*Apollo* is :large_orange_circle: *AMBER* — vendor late (<@U0BOB>, {NOW_SHOWN})",
        "Before that:\n• :large_green_circle: *GREEN* (<@U0BOB>, "
        "<!date^1794495600^{date_short_pretty} {time}|Thu 12 Nov 15:00 GMT>)",
    ]
    assert reply.text == "Apollo: amber"


def test_a_status_alone_has_no_history_block() -> None:
    current = entry(Rag.GREEN, None)

    reply = render_status(ProjectStatus(APOLLO, current, (current,)), VIEWER)

    check(reply)
    assert len(reply.blocks) == 1


@pytest.mark.parametrize("reason", [ORDINARY, ESCAPE_HEAVY], ids=["ordinary", "escape-heavy"])
def test_a_status_with_long_reasons_fits(reason: str) -> None:
    entries = tuple(entry(rag, reason, n) for n, rag in enumerate([Rag.RED, Rag.AMBER] * 3))

    reply = render_status(ProjectStatus(APOLLO, entries[0], entries), VIEWER)

    check(reply)
    assert len(texts(reply)[1]) <= 2000


@pytest.mark.parametrize(
    ("new", "previous", "expected"),
    [
        (entry(Rag.RED, "vendor late"), entry(Rag.GREEN, None), " (was green): vendor late"),
        (entry(Rag.RED, "still late"), entry(Rag.RED, "late"), ": still late"),
        (entry(Rag.GREEN, None), None, ""),
    ],
    ids=["changed", "same-rag", "first"],
)
def test_render_status_change(
    new: StatusEntry, previous: StatusEntry | None, expected: str
) -> None:
    reply = render_status_change(APOLLO, new, previous)

    check(reply)
    assert reply.in_channel
    label = {Rag.RED: ":red_circle: *RED*", Rag.GREEN: ":large_green_circle: *GREEN*"}[new.rag]
    assert texts(reply) == [f"<@U0BOB> set *Apollo* to {label}{expected}"]


def test_a_status_change_with_the_longest_reason_fits() -> None:
    reply = render_status_change(APOLLO, entry(Rag.RED, "r&d " * 500), None)

    check(reply)


@pytest.mark.parametrize("created", [True, False], ids=["created", "shown"])
def test_render_project(created: bool) -> None:
    reply = render_project(APOLLO, created, "U0ALICE")

    check(reply)
    assert reply.in_channel is created
    assert "*Apollo* (`apollo`)" in texts(reply)[0]


# -- the portfolio -----------------------------------------------------------------------------


def row(
    n: int,
    rag: Rag | None = Rag.GREEN,
    *,
    name: str | None = None,
    reason: str | None = None,
    previous: Rag | None = None,
) -> PortfolioRow:
    project = ProjectRef(f"p{n}", name or f"Project {n}", f"C{n:08d}")
    status = StatusEntry(rag, reason, "U0BOB", NOW) if rag else None
    bands = {ScoreBand.HIGH: n % 7} if n % 7 else {}
    return PortfolioRow(project, status, previous, n % 7, (n % 25) or None, n % 3, n % 5, bands)


def test_an_empty_portfolio_says_how_to_start() -> None:
    reply = render_portfolio(())

    check(reply)
    assert texts(reply) == [
        "No projects yet. Create one in its channel with `/pmo project &lt;name&gt;`."
    ]


@pytest.mark.parametrize(
    ("single", "expected"),
    [
        (
            PortfolioRow(
                APOLLO,
                entry(Rag.RED, "late"),
                Rag.AMBER,
                3,
                12,
                2,
                1,
                {ScoreBand.MEDIUM: 1, ScoreBand.LOW: 2},
            ),
            ":red_circle: *RED* :arrow_lower_right: _worsening_ *Apollo* <#C0APOLLO> · "
            "3 open risks (0 high, 1 medium, 2 low; top :large_orange_circle: 12) · "
            ":warning: 2 overdue · 1 open issue\n_late_",
        ),
        (
            PortfolioRow(APOLLO, entry(Rag.GREEN, None), Rag.RED, 1, 20, 0, 0, {ScoreBand.HIGH: 1}),
            ":large_green_circle: *GREEN* :arrow_upper_right: _improving_ *Apollo* <#C0APOLLO> · "
            "1 open risk (1 high, 0 medium, 0 low; top :red_circle: 20) · 0 overdue · "
            "0 open issues",
        ),
        (
            PortfolioRow(APOLLO, None, None, 0, None, 0, 0),
            ":white_circle: *no status* *Apollo* <#C0APOLLO> · 0 open risks · 0 overdue · "
            "0 open issues",
        ),
    ],
    ids=["red-worse", "green-better", "unset"],
)
def test_a_portfolio_of_one(single: PortfolioRow, expected: str) -> None:
    reply = render_portfolio((single,))

    check(reply)
    assert texts(reply) == ["Portfolio: 1 project", expected]
    assert reply.blocks[0]["type"] == "header"


def test_a_portfolio_of_500_ordinary_projects() -> None:
    rows = tuple(row(n, Rag.RED if n < 3 else Rag.GREEN) for n in range(500))

    reply = render_portfolio(rows)

    check(reply)
    lines = texts(reply)
    assert lines[0] == "Portfolio: 500 projects"
    assert len(reply.blocks) == 42
    rest = rows[40:]
    overdue, high = sum(r.overdue_actions for r in rest), sum(r.open_risks for r in rest)
    assert lines[-1] == (
        f"…and 460 more projects, all green or unset; between them {overdue} overdue actions "
        f"and {high} high-score risks. `/pmo status project:&lt;slug&gt;` shows any one."
    )
    assert reply.text == "Portfolio: 500 projects, 3 red"


def test_a_portfolio_of_500_with_long_names_and_reasons_fits() -> None:
    rows = tuple(
        row(n, Rag.RED, name=("R&D " * 20)[:80], reason=ESCAPE_HEAVY, previous=Rag.GREEN)
        for n in range(500)
    )

    reply = render_portfolio(rows)

    check(reply)
    shown = len(reply.blocks) - 2
    assert 0 < shown <= 40
    assert texts(reply)[-1].startswith(
        f"…and {500 - shown} more projects, of them {500 - shown} red and 0 amber; between them "
    )


def test_the_projects_left_out_are_not_called_green_when_they_are_not() -> None:
    rows = tuple(row(n, Rag.AMBER if n < 45 else None) for n in range(50))

    reply = render_portfolio(rows)

    check(reply)
    assert texts(reply)[-1].startswith("…and 10 more projects, of them 0 red and 5 amber; ")


# -- help and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind), ids=[k.noun for k in Kind])
def test_help_for_each_command(kind: Kind) -> None:
    overview = kind_overview(kind)

    reply = render_help(f"{kind.command} — {overview.summary}", overview.usage)

    check(reply)
    body = "\n".join(texts(reply))
    assert body.startswith(f"*{kind.command} — the {kind.noun} log*\n")
    for usage in ITEM_USAGE[kind].values():
        assert escape(usage.usage.split("  ")[0]) in body
    assert "&lt;" in body  # `<title>`, `<date>` shown, not swallowed by Slack as links


def test_help_for_pmo() -> None:
    reply = render_help("PMO Bot — everything, briefly", help_text())

    check(reply)
    body = "\n".join(texts(reply))
    for usage in PMO_USAGE.values():
        assert escape(usage.usage) in body
    for kind in Kind:
        assert f"*{kind.command}* — the {kind.noun} log" in body


def test_render_error_with_a_usage_line() -> None:
    error = ParseError("“x” is <odd> & wrong", usage="/risk show R-n", example="/risk show R-12")

    reply = render_error(error)

    check(reply)
    assert texts(reply) == [
        ":warning: “x” is &lt;odd&gt; &amp; wrong\n*Usage:* `/risk show R-n`\n"
        "*Example:* `/risk show R-12`"
    ]
    assert not reply.in_channel


def test_render_error_with_an_overview() -> None:
    overview = kind_overview(Kind.ACTION)
    error = ParseError("nope", usage=overview.usage, example=overview.example)

    reply = render_error(error)

    check(reply)
    assert texts(reply)[0].startswith(":warning: nope\n*Usage:* \n`/action add &lt;text&gt;")


def test_render_error_without_usage() -> None:
    reply = render_error(UserError("No such risk R-99."))

    check(reply)
    assert texts(reply) == [":warning: No such risk R-99."]


REFUSALS = [
    (Kind.RISK, "frobnicate"),
    (Kind.ACTION, "add due:friday"),
    (Kind.ISSUE, "add x severity:bogus"),
    (Kind.DECISION, "supersede D-4"),
    (Kind.RISK, 'add "open'),
    (Kind.ACTION, "due A-7 someday"),
    (Kind.RISK, "add " + "&lt;!channel&gt; " * 30),
]


@pytest.mark.parametrize(
    ("kind", "text"), REFUSALS, ids=[f"{k.noun}-{t[:12]}" for k, t in REFUSALS]
)
def test_every_refusal_renders(kind: Kind, text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_item_command(kind, text, now=NOW)

    reply = render_error(caught.value)

    check(reply)
    assert "*Usage:*" in texts(reply)[0]
    assert "*Example:*" in "\n".join(texts(reply))


@pytest.mark.parametrize("text", ["bogus", "status amber", 'status "x', "portfolio now"])
def test_every_pmo_refusal_renders(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_pmo_command(text)

    check(render_error(caught.value))


# -- text helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 27), "Fri 27 Nov"),
        (date(2027, 1, 15), "Fri 15 Jan 2027"),
        (ISSUE_DUE, ISSUE_DUE_SHOWN),
        (
            datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York")),
            "<!date^1795183200^{date_short_pretty} {time}|Fri 20 Nov 14:00 GMT>",
        ),
        (None, "none"),
    ],
    ids=["day", "day-next-year", "moment", "moment-other-zone", "none"],
)
def test_when(value: date | datetime | None, expected: str) -> None:
    assert when(value, VIEWER) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("a & b", 100, "a &amp; b"),
        ("&" * 10, 20, "&amp;&amp;…"),
        ("aa bb cc dd ee", 9, "aa bb…"),
        ("<@U0BOB> & <@U0CAROL>", 100, "<@U0BOB> &amp; <@U0CAROL>"),
    ],
    ids=["fits", "entities-not-cut", "word-cut", "mentions-kept"],
)
def test_escape_clip(text: str, limit: int, expected: str) -> None:
    clipped = escape_clip(text, limit)

    assert clipped == expected
    assert len(clipped) <= limit


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("&amp;&amp;", 8, "&amp;…"),
        ("a <@U0BOB> b", 8, "a…"),
        ("R&D plans", 4, "R…"),
        ("review by <!date^1795100400^{time}|Thu 19 Nov 15:00 GMT>,andmorewords", 62, "review by…"),
    ],
    ids=["fits", "not-inside-an-entity", "not-inside-a-mention", "raw-ampersand", "a-dates-space"],
)
def test_clip(text: str, limit: int, expected: str) -> None:
    assert clip(text, limit) == expected


AMPERSANDS = "&" * 2000


@pytest.mark.parametrize(
    "reply",
    [
        render_status_change(APOLLO, entry(Rag.RED, AMPERSANDS), None),
        render_status(
            ProjectStatus(APOLLO, entry(Rag.RED, AMPERSANDS), (entry(Rag.RED, AMPERSANDS),) * 5),
            VIEWER,
        ),
        render_item(
            replace(RISK, title=AMPERSANDS[:300], mitigation=AMPERSANDS),
            VIEWER,
            (AuditEntry("updated", "U0BOB", NOW, {"title": [AMPERSANDS[:300], None]}),),
        ),
        render_item(replace(RISK, title=AMPERSANDS[:300], description=AMPERSANDS), VIEWER),
        render_change(Change(RISK, "updated", {"title": [AMPERSANDS, None]}), "U0BOB", VIEWER),
        render_portfolio((PortfolioRow(APOLLO, entry(Rag.RED, AMPERSANDS), None, 1, 1, 1, 1),)),
        render_error(UserError(AMPERSANDS)),
    ],
    ids=["status-change", "status", "history", "item", "change", "portfolio", "error"],
)
def test_cut_text_never_ends_inside_an_entity(reply: Reply) -> None:
    check(reply)  # a cut `&amp;` left as `&am…` would be a bare ampersand


def test_patching_one_items_controls_leaves_a_similar_ref_alone() -> None:
    first = replace(ACTION, number=1)
    twelfth = replace(ACTION, number=12, title="another")
    message: list[dict[str, Any]] = []
    for item in (first, twelfth):
        message.append(section(summary_line(item, VIEWER), block_id=item_block(item.ref)))
        controls = item_controls(item)
        assert controls is not None
        message.append(controls)
    done = replace(first, status="done")

    patched = patch_item_blocks(message, done, VIEWER, context("done"))

    twelve = "controls:A-12|due=2026-11-18|owner=U0BOB"  # A-12 as its buttons were drawn
    assert [b.get("block_id") for b in patched if b["type"] == "actions"] == [twelve]
    [kept] = [b for b in patched if b.get("block_id") == twelve]
    assert kept == message[3]  # A-12's buttons still act on A-12


@pytest.mark.parametrize(
    ("value", "ref", "origin", "drawn"),
    [
        ("A-7", "A-7", "", Drawn()),
        ("A-7 show", "A-7", "show", Drawn()),
        ("A-7 list:open::apollo:1", "A-7", "list:open::apollo:1", Drawn()),
        ("A-7 due=2026-11-18 owner=U0BOB", "A-7", "", Drawn("2026-11-18", "U0BOB")),
        (
            "A-7 list:mine:U0BOB:apollo:2 due=1763658000 owner=-",
            "A-7",
            "list:mine:U0BOB:apollo:2",
            Drawn("1763658000", "-"),
        ),
    ],
    ids=["old-bare", "old-show", "old-list", "new-reminder", "new-list-due-time-no-owner"],
)
def test_a_controls_value_reads_back_what_it_acts_on(
    value: str, ref: str, origin: str, drawn: Drawn
) -> None:
    assert read_value(value) == Target(ref, origin, drawn)


@pytest.mark.parametrize(
    "action",
    [ACTION, replace(ACTION, owner_id=None, due_on=None), replace(ACTION, due_at=ISSUE_DUE)],
    ids=["due-day", "nothing", "due-time"],
)
@pytest.mark.parametrize("origin", ["", "show", "list:open::apollo:1"])
def test_every_control_of_an_action_carries_it_as_drawn(action: Item, origin: str) -> None:
    controls = item_controls(action, origin)
    assert controls is not None
    targets = [read_value(e["value"]) for e in controls["elements"] if "value" in e]
    picker = controls["block_id"].removeprefix("controls:").replace("|", " ")
    targets.append(read_value(picker))  # the user picker has no value: its block id says
    assert targets == [Target(action.ref, origin, drawn(action))] * 4
    assert len(controls["block_id"]) <= 255
