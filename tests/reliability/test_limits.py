"""Limits: every free-text field has a cap no larger than its column, counted as the database
counts (characters, not bytes); too long gets a clear refusal and stores nothing; forms carry
the same caps; and a 100,000-row export streams instead of holding the register in memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, String, insert, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.domain import Actor, Kind, ProjectRef
from bot.fields import FIELDS, FieldType
from bot.services import export, projects
from handlers.blocks.forms import FormMeta, add_form
from handlers.grammar import NAME_MAX, REASON_MAX
from storage.models import Action, Decision, Issue, Project, Risk, StatusUpdate, Workspace
from tests.conftest import ALICE, CHANNEL, START, TEAM, make_deps
from tests.reliability.hostile_support import Watch, running_app, send_command
from tests.scenario.conftest import SlackSide
from tests.support.fakes import RecordingGateway

MODELS = {Kind.RISK: Risk, Kind.ACTION: Action, Kind.ISSUE: Issue, Kind.DECISION: Decision}
# field name -> the column it is stored in, where that differs
COLUMN_OF = {"link": "source_link", "owner": "owner_id", "by": "owner_id", "review": "review_on"}
EXPORT_ROWS = 100_000
EXPORT_PEAK_MAX = 30 * 1024 * 1024


# -- the caps and the columns --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind), ids=[k.noun for k in Kind])
def test_every_text_cap_fits_its_column(kind: Kind) -> None:
    table = MODELS[kind].__table__
    for spec in FIELDS[kind]:
        if spec.type is not FieldType.TEXT:
            continue
        column = table.columns[COLUMN_OF.get(spec.name, spec.name)]
        if isinstance(column.type, String) and column.type.length is not None:
            assert spec.max_len <= column.type.length, (kind, spec.name)
    name = Project.__table__.columns["name"].type
    assert isinstance(name, String)
    assert name.length is not None
    assert name.length >= NAME_MAX


@pytest.mark.parametrize("kind", list(Kind), ids=[k.noun for k in Kind])
def test_forms_carry_the_same_caps(kind: Kind) -> None:
    apollo = ProjectRef("apollo", "Apollo", CHANNEL, "Europe/London")
    view = add_form(kind, FormMeta(kind, CHANNEL, "apollo"), ALICE, apollo)
    caps = {s.name: s.max_len for s in FIELDS[kind] if s.type is FieldType.TEXT}
    inputs = {
        block["element"]["action_id"]: block["element"]
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }
    assert inputs, "the form has text inputs"
    for name, element in inputs.items():
        assert element["max_length"] == caps[name], name


# -- too long: refused with the numbers, usage and example; nothing stored -------------------

TOO_LONG = [
    ("/risk", "add {}", "title", 300),
    ("/action", "add {}", "text", 300),
    ("/issue", "add {}", "title", 300),
    ("/decision", "add {}", "decision", 300),
    ("/risk", 'add Vendor may slip mitigation:"{}"', "mitigation", 2000),
    ("/risk", 'add Vendor may slip category:"{}"', "category", 80),
    ("/issue", 'add Rig down description:"{}"', "description", 2000),
    ("/decision", 'add Use vendor B rationale:"{}"', "rationale", 2000),
    ("/decision", 'add Use vendor B alternatives:"{}"', "alternatives", 2000),
    ("/risk", 'update R-1 title:"{}"', "title", 300),
    ("/pmo", "status red {}", "reason", REASON_MAX),
    ("/risk", "close R-1 {}", "note", 2000),
    ("/action", "done A-1 {}", "note", 2000),
]

TOO_LONG_IDS = [f"{command} {label}" for command, _, label, _ in TOO_LONG]


@pytest.fixture
def apollo(any_engine: Engine) -> Iterator[tuple[SlackSide, Watch]]:
    with running_app(any_engine) as (slack, fake):
        slack.reply("/pmo", "project Apollo")
        slack.reply("/risk", "add Seed risk")
        slack.reply("/action", "add Seed action")
        yield slack, Watch(slack, fake)


def everything(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        found: list[tuple[Any, ...]] = []
        for model in (*MODELS.values(), StatusUpdate):
            columns = list(model.__table__.columns)
            found += [tuple(row) for row in session.execute(select(*columns))]
        return found


@pytest.mark.parametrize(("command", "template", "label", "limit"), TOO_LONG, ids=TOO_LONG_IDS)
@pytest.mark.parametrize("size", ["plus-one", "10000"])
def test_a_too_long_value_is_refused_with_the_numbers_and_nothing_is_stored(
    apollo: tuple[SlackSide, Watch],
    any_engine: Engine,
    command: str,
    template: str,
    label: str,
    limit: int,
    size: str,
) -> None:
    slack, watch = apollo
    watch.check_new()
    length = limit + 1 if size == "plus-one" else 10_000
    value = ("🚚" * length) if size == "plus-one" else ("x" * length)  # characters, not bytes
    before = everything(any_engine)

    reply = send_command(slack, watch.fake, command, template.format(value))
    watch.check_new()

    assert reply is not None
    assert reply["response_type"] == "ephemeral", reply
    assert f"The {label} is {length:,} characters; the limit is {limit:,}." in reply["text"]
    assert "*Usage:*" in reply["text"], reply["text"]
    assert "*Example:*" in reply["text"], reply["text"]
    assert everything(any_engine) == before


@pytest.mark.parametrize("case", TOO_LONG, ids=TOO_LONG_IDS)
def test_a_value_at_the_cap_is_stored_whole(
    apollo: tuple[SlackSide, Watch], any_engine: Engine, case: tuple[str, str, str, int]
) -> None:
    """Four-byte characters up to the cap: the database counts characters as the check does."""
    slack, watch = apollo
    command, template, _, limit = case
    value = "🚚" * limit
    reply = send_command(slack, watch.fake, command, template.format(value))
    watch.check_new()
    assert reply is not None
    assert reply["response_type"] == "in_channel", reply
    flattened = [v for row in everything(any_engine) for v in row]
    assert value in flattened or any(isinstance(v, str) and value in v for v in flattened)


# -- a 100,000-row export streams ------------------------------------------------------------


def seed_risks(engine: Engine, actor: Actor, total: int) -> None:
    """`total` risks in Alice's project, by bulk insert (the app would take minutes)."""
    with Session(engine) as session, session.begin():
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == TEAM)).one()
        project = session.scalars(select(Project.id).where(Project.workspace_id == ws)).one()
        common = {"workspace_id": ws, "project_id": project, "created_by": ALICE}
        common |= {"owner_id": ALICE, "status": "open", "likelihood": 3, "impact": 4}
        common |= {"category": "Supply", "review_on": (START + timedelta(days=9)).date()}
        common |= {"created_at": START, "updated_at": START}
        batch = 10_000
        for first in range(1, total + 1, batch):
            rows = [
                common
                | {
                    "number": n,
                    "title": f"Vendor {n} may slip: late parts, “quotes”, commas",
                    "mitigation": "weekly vendor calls, a second supplier on standby",
                }
                for n in range(first, min(first + batch, total + 1))
            ]
            session.execute(insert(Risk), rows)


def test_a_100000_row_export_streams_to_a_file(any_engine: Engine) -> None:
    deps = make_deps(any_engine, FixedClock(START), RecordingGateway())
    alice = Actor(team_id=TEAM, user_id=ALICE, channel_id=CHANNEL, timezone="Europe/London")
    projects.bind_project(deps, alice, "Apollo")
    seed_risks(any_engine, alice, EXPORT_ROWS)

    tracemalloc.start()
    try:
        exported = export.export_csv(deps, alice, Kind.RISK, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    try:
        size = exported.path.stat().st_size
        with exported.path.open("rb") as csv_file:
            lines = sum(1 for _ in csv_file)
        assert (exported.rows, lines) == (EXPORT_ROWS, EXPORT_ROWS + 1)
        shown = f"{EXPORT_ROWS:,} rows: file {size / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB"
        assert peak < EXPORT_PEAK_MAX, shown
        assert peak < size, f"the export held as much as the whole file: {shown}"
        print(f"export of {shown}")
    finally:
        exported.discard()
