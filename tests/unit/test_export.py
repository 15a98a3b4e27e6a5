"""The register export: a CSV that opens cleanly and safely in a spreadsheet, built in a fixed
number of queries, from one workspace's project only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.errors import NotFound, UserError
from bot.fields import Value
from bot.services import export, items, people, projects
from bot.services.export import COLUMNS, cell, export_csv, export_size
from handlers.commands.export import export_request
from handlers.grammar import ExportItems
from storage.models import Issue, Project, Risk
from storage.repositories.exports import BATCH
from tests.conftest import ALICE, BOB, CHANNEL, START, TEAM

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def apollo(deps: Deps, alice: Actor) -> Actor:
    projects.bind_project(deps, alice, "Apollo")
    return alice


def add(deps: Deps, actor: Actor, kind: Kind, **values: Value) -> str:
    return items.add_item(deps, actor, kind, dict(values), None).item.ref


def read(content: bytes) -> list[dict[str, str]]:
    """The file as a spreadsheet would see it: BOM stripped, one dict per row."""
    assert content.startswith(BOM)
    text = content[len(BOM) :].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def header_of(content: bytes) -> list[str]:
    first_line = content[len(BOM) :].split(b"\r\n", 1)[0].decode()
    return first_line.split(",")


@contextmanager
def counting_statements(deps: Deps) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(deps.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(deps.db.engine, "before_cursor_execute", record)


# -- the file ------------------------------------------------------------------------------------


def test_a_risk_register_has_a_bom_a_header_crlf_and_every_column(
    deps: Deps, apollo: Actor
) -> None:
    add(
        deps,
        apollo,
        Kind.RISK,
        title="Vendor may slip",
        likelihood=4,
        impact=5,
        owner=BOB,
        category="supply",
        mitigation="weekly vendor calls",
        review=date(2026, 11, 27),
    )
    add(deps, apollo, Kind.RISK, title="Budget cut")

    exported = export_csv(deps, apollo, Kind.RISK, None)

    assert exported.content.startswith(BOM + b"ref,project,title,")
    assert header_of(exported.content) == list(COLUMNS[Kind.RISK])
    body = exported.content[len(BOM) :]
    assert body.count(b"\r\n") == 3
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert exported.rows == 2
    first, second = read(exported.content)
    assert first == {
        "ref": "R-1",
        "project": "Apollo",
        "title": "Vendor may slip",
        "description": "",
        "category": "supply",
        "status": "open",
        "owner_id": BOB,
        "owner_name": "",
        "likelihood": "4",
        "impact": "5",
        "score": "20",
        "mitigation": "weekly vendor calls",
        "review_on": "2026-11-27",
        "close_reason": "",
        "issues": "",
        "source_link": "",
        "created_by": ALICE,
        "created_at": "2026-11-19T15:00:00+00:00",
        "updated_at": "2026-11-19T15:00:00+00:00",
        "closed_at": "",
    }
    assert (second["ref"], second["score"], second["owner_id"]) == ("R-2", "9", ALICE)
    # Numbers we write are numbers: unquoted, unprefixed.
    assert b",4,5,20," in body


def test_filename_and_title_use_the_requesters_own_date(
    deps: Deps, apollo: Actor, clock: FixedClock
) -> None:
    add(deps, apollo, Kind.RISK, title="Vendor may slip")
    clock.set(datetime(2026, 11, 21, 23, 30, tzinfo=UTC))  # already Sunday 22nd in Tokyo
    tokyo = Actor(TEAM, ALICE, CHANNEL, timezone="Asia/Tokyo")
    london = export_csv(deps, apollo, Kind.RISK, None)
    far_east = export_csv(deps, tokyo, Kind.RISK, None)

    assert (london.filename, london.title) == (
        "apollo-risks-2026-11-21.csv",
        "Apollo risk register (21 Nov 2026)",
    )
    assert (far_east.filename, far_east.title) == (
        "apollo-risks-2026-11-22.csv",
        "Apollo risk register (22 Nov 2026)",
    )
    assert export_csv(deps, apollo, Kind.ACTION, None).filename == "apollo-actions-2026-11-21.csv"
    assert export_csv(deps, apollo, Kind.DECISION, None).title == (
        "Apollo decision log (21 Nov 2026)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("-2", "'-2"),
        ("+x", "'+x"),
        ("\tstarts with a tab", "'\tstarts with a tab"),
        ("\rstarts with a CR", "'\rstarts with a CR"),
        ("a=b, c+d and -e", "a=b, c+d and -e"),
        ("'already quoted", "'already quoted"),
        ("", ""),
        (None, ""),
        (7, 7),
        (25, 25),
        (date(2026, 11, 20), "2026-11-20"),
        (datetime(2026, 11, 20, 17, 30, 5, 123, tzinfo=UTC), "2026-11-20T17:30:05+00:00"),
    ],
    ids=[
        "equals",
        "at",
        "minus",
        "plus",
        "tab",
        "carriage-return",
        "inside-is-fine",
        "apostrophe",
        "empty",
        "none",
        "level",
        "score",
        "day",
        "moment",
    ],
)
def test_cells(value: object, expected: str | int) -> None:
    assert cell(value) == expected


def test_formula_cells_are_neutralised_in_the_file(deps: Deps, apollo: Actor) -> None:
    for title in ("=1+1", "@SUM(A1:A9)", "-2", "+x", '=HYPERLINK("http://evil","x")'):
        add(deps, apollo, Kind.ACTION, title=title)
    items.close_item(deps, apollo, Kind.ACTION, 1, "=cmd|' /C calc'!A0")

    rows = read(export_csv(deps, apollo, Kind.ACTION, None).content)

    assert [row["text"] for row in rows] == [
        "'=1+1",
        "'@SUM(A1:A9)",
        "'-2",
        "'+x",
        '\'=HYPERLINK("http://evil","x")',
    ]
    assert rows[0]["done_note"] == "'=cmd|' /C calc'!A0"


def test_unicode_commas_quotes_and_newlines_round_trip(deps: Deps, apollo: Actor) -> None:
    title = 'Zulieferer – Verzögerung 🚚 日本語, "quoted"\nsecond line'
    add(deps, apollo, Kind.ISSUE, title=title, description="naïve café ✓")

    [row] = read(export_csv(deps, apollo, Kind.ISSUE, None).content)

    assert (row["title"], row["description"]) == (title, "naïve café ✓")


def test_dates_times_and_closing_stamps_are_iso(
    deps: Deps, apollo: Actor, clock: FixedClock
) -> None:
    add(deps, apollo, Kind.ACTION, title="day", due=date(2026, 11, 20))
    five_pm_london = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    add(deps, apollo, Kind.ACTION, title="moment", due=five_pm_london)
    clock.advance(timedelta(hours=2, minutes=15))
    items.close_item(deps, apollo, Kind.ACTION, 1, "sent")

    day, moment = read(export_csv(deps, apollo, Kind.ACTION, None).content)

    assert (day["due"], day["status"], day["done_note"]) == ("2026-11-20", "done", "sent")
    assert (day["done_at"], day["updated_at"]) == ("2026-11-19T17:15:00+00:00",) * 2
    assert day["created_at"] == "2026-11-19T15:00:00+00:00"
    assert moment["due"] == "2026-11-20T17:00:00+00:00"
    assert moment["done_at"] == ""
    datetime.fromisoformat(moment["due"])  # parses back, with its offset


def test_every_kind_with_its_links_and_cached_names(deps: Deps, apollo: Actor) -> None:
    people.timezone_of(deps, apollo, ALICE)  # caches Alice's Slack name, as a command would
    add(deps, apollo, Kind.RISK, title="Vendor may slip", impact=5)
    add(deps, apollo, Kind.RISK, title="Budget cut")
    items.close_item(deps, apollo, Kind.RISK, 1, "shipment missed", occurred=True)
    add(deps, apollo, Kind.ACTION, title="chase vendor", owner=BOB)
    add(deps, apollo, Kind.DECISION, title="Use vendor A", rationale="cheaper", alternatives="B")
    add(deps, apollo, Kind.DECISION, title="Use vendor B")
    items.supersede_decision(deps, apollo, 1, 2)

    risks = read(export_csv(deps, apollo, Kind.RISK, None).content)
    actions = read(export_csv(deps, apollo, Kind.ACTION, None).content)
    issues = read(export_csv(deps, apollo, Kind.ISSUE, None).content)
    decisions = read(export_csv(deps, apollo, Kind.DECISION, None).content)

    assert [(r["ref"], r["status"], r["issues"]) for r in risks] == [
        ("R-1", "occurred", "I-1"),
        ("R-2", "open", ""),
    ]
    assert (risks[0]["close_reason"], risks[0]["owner_name"]) == ("shipment missed", "u0alice")
    assert risks[0]["closed_at"] == "2026-11-19T15:00:00+00:00"
    assert [(a["ref"], a["owner_id"], a["owner_name"]) for a in actions] == [("A-1", BOB, "")]
    [issue] = issues
    assert (issue["ref"], issue["risk"], issue["severity"], issue["status"]) == (
        "I-1",
        "R-1",
        "critical",
        "open",
    )
    assert [(d["ref"], d["status"], d["superseded_by"]) for d in decisions] == [
        ("D-1", "superseded", "D-2"),
        ("D-2", "active", ""),
    ]
    assert decisions[0]["made_by_id"] == ALICE
    assert decisions[0]["made_by_name"] == "u0alice"
    assert (decisions[0]["rationale"], decisions[0]["alternatives"]) == ("cheaper", "B")
    assert decisions[0]["decided_on"] == "2026-11-19"
    for kind, content in (
        (Kind.RISK, risks),
        (Kind.ACTION, actions),
        (Kind.ISSUE, issues),
        (Kind.DECISION, decisions),
    ):
        assert list(content[0]) == list(COLUMNS[kind])


def test_only_this_workspaces_project_is_exported(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.RISK, title="ours")
    zeus = Actor(TEAM, ALICE, "C0ZEUS", timezone="Europe/London")
    projects.bind_project(deps, zeus, "Zeus")
    add(deps, zeus, Kind.RISK, title="another project's")
    stranger = Actor("T0OTHER", "U0EVE", CHANNEL, timezone="Europe/London")
    projects.bind_project(deps, stranger, "Apollo")  # same slug and channel id, other team
    add(deps, stranger, Kind.RISK, title="another workspace's")

    mine = read(export_csv(deps, apollo, Kind.RISK, None).content)
    by_slug = read(export_csv(deps, zeus, Kind.RISK, "apollo").content)
    theirs = read(export_csv(deps, stranger, Kind.RISK, None).content)

    assert [r["title"] for r in mine] == ["ours"]
    assert [r["title"] for r in by_slug] == ["ours"]
    assert [r["title"] for r in theirs] == ["another workspace's"]
    assert [r["ref"] for r in theirs] == ["R-1"]
    assert export_size(deps, apollo, Kind.RISK, None).rows == 1


def test_size_counts_every_status_and_names_the_project(deps: Deps, apollo: Actor) -> None:
    add(deps, apollo, Kind.ACTION, title="one")
    add(deps, apollo, Kind.ACTION, title="two")
    items.close_item(deps, apollo, Kind.ACTION, 2, None)

    size = export_size(deps, apollo, Kind.ACTION, None)

    assert (size.project.name, size.rows) == ("Apollo", 2)
    assert export_size(deps, apollo, Kind.ISSUE, None).rows == 0
    assert export_csv(deps, apollo, Kind.ISSUE, None).rows == 0


def test_refusals_say_what_is_wrong(deps: Deps, alice: Actor) -> None:
    with pytest.raises(NotFound, match="Nothing has been logged"):
        export_size(deps, alice, Kind.RISK, None)
    projects.bind_project(deps, alice, "Apollo")
    elsewhere = Actor(TEAM, ALICE, "C0NOWHERE", timezone="Europe/London")
    with pytest.raises(UserError, match="/pmo project"):
        export_csv(deps, elsewhere, Kind.RISK, None)
    with pytest.raises(NotFound, match="no project `zeus`"):
        export_size(deps, alice, Kind.RISK, "zeus")


# -- cost ------------------------------------------------------------------------------------------


def seed(deps: Deps, actor: Actor, count: int) -> None:
    """`count` risks, every third with an issue raised from it, inserted in bulk."""
    with deps.db.write() as session:
        project = session.scalars(select(Project).where(Project.channel_id == actor.channel_id))
        apollo = project.one()
        first = 1 + (session.scalar(select(Risk.number).order_by(Risk.number.desc())) or 0)
        common = {
            "workspace_id": apollo.workspace_id,
            "project_id": apollo.id,
            "created_by": ALICE,
            "created_at": START,
            "updated_at": START,
        }
        risks = [
            common
            | {"number": n, "title": f"risk {n}", "likelihood": 1 + n % 5, "impact": 3}
            | {"owner_id": ALICE, "status": "open"}
            for n in range(first, first + count)
        ]
        session.execute(insert(Risk), risks)
        ids = session.execute(
            select(Risk.id, Risk.number).where(Risk.number >= first).order_by(Risk.number)
        ).all()
        issues = [
            common
            | {"number": n, "title": f"from risk {n}", "severity": "high", "risk_id": risk_id}
            | {"owner_id": BOB, "status": "open"}
            for risk_id, n in ids
            if n % 3 == 0
        ]
        if issues:
            session.execute(insert(Issue), issues)


def test_a_fixed_number_of_queries_for_10_or_2000_items(any_deps: Deps, alice: Actor) -> None:
    projects.bind_project(any_deps, alice, "Apollo")

    def statements_for(total: int) -> int:
        seed(any_deps, alice, total - export_size(any_deps, alice, Kind.RISK, None).rows)
        with counting_statements(any_deps) as statements:
            exported = export_csv(any_deps, alice, Kind.RISK, None)
        assert exported.rows == total
        assert exported.content.count(b"\r\n") == total + 1
        return len(statements)

    small, large = statements_for(10), statements_for(2000)

    assert small == large
    assert small <= 5  # workspace, project, issues raised from risks, the items (+ BEGIN)
    rows = read(export_csv(any_deps, alice, Kind.RISK, None).content)
    assert [r["ref"] for r in rows[:3]] == ["R-1", "R-2", "R-3"]
    assert (rows[2]["issues"], rows[3]["issues"]) == ("I-3", "")
    assert rows[-1]["ref"] == "R-2000"


def test_rows_are_streamed_in_batches(any_deps: Deps, alice: Actor) -> None:
    """The items query asks the driver for batches (yield_per), not for the whole register."""
    projects.bind_project(any_deps, alice, "Apollo")
    seed(any_deps, alice, 12)
    batches: list[object] = []

    def record(*args: object) -> None:
        statement, context = str(args[2]), args[4]
        if "FROM risks" in statement and "count(" not in statement:
            batches.append(getattr(context, "execution_options", {}).get("yield_per"))

    engine = any_deps.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert export.export_csv(any_deps, alice, Kind.RISK, None).rows == 12
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert batches == [BATCH]


# -- the lazy listener's cheap look at the text --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export", ExportItems(Kind.RISK)),
        ("EXPORT project:zeus", ExportItems(Kind.RISK, "zeus")),
        ("  export  ", ExportItems(Kind.RISK)),
        ("list", None),
        ("", None),
        ("add export the plan", None),
        ("export everything", None),
        ("exports", None),
    ],
    ids=["plain", "project", "spaces", "list", "empty", "add", "junk-after", "not-the-word"],
)
def test_export_request(text: str, expected: ExportItems | None) -> None:
    assert export_request(Kind.RISK, text, START) == expected
