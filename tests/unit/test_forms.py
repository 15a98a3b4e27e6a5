"""Tests for handlers.blocks.forms: the modals for each kind, and reading what people submit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Item, Kind, ProjectRef
from bot.errors import ParseError
from bot.fields import NOTE_MAX, SHORT_MAX, TITLE_MAX
from handlers import ids
from handlers.blocks.forms import (
    DUE_TIME_BLOCK,
    FORM_FIELDS,
    KIND_BLOCK,
    PROJECT_BLOCK,
    FormMeta,
    Prefill,
    add_form,
    edit_form,
    fingerprint,
    message_form,
    no_project_form,
    parse_submission,
    picked_kind,
    prefill_from_message,
    prefill_from_state,
)
from tests.support.slack_specs import specs_available, validate_blocks, validate_web_api_call

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday
APOLLO = ProjectRef("apollo", "Apollo", "C0APOLLO", "Europe/London")
ZEUS = ProjectRef("zeus", "Zeus & co", "C0ZEUS", "Europe/London")
ALICE, BOB = "U0ALICE", "U0BOB"
LINK = "https://acme.slack.com/archives/C0APOLLO/p1700000000000100"


def valid_modal(view: dict[str, Any]) -> dict[str, Any]:
    """The view as views.open would send it, checked against Slack's specs when present."""
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    if specs_available():
        validate_blocks(view["blocks"], surface="modal")
        validate_web_api_call("views.open", {"trigger_id": "1.2.3", "view": view})
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def input_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


# -- state as Slack sends it -------------------------------------------------------------------


def text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def user(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def option(value: str | None) -> dict[str, Any]:
    picked = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "static_select", "selected_option": picked}


def day(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def clock(value: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": value}


def state(**elements: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`view.state.values`: block id -> action id -> element state (our ids are equal)."""
    return {name: {name: element} for name, element in elements.items()}


def meta(kind: Kind, **fields: Any) -> FormMeta:
    return FormMeta(kind, "C0APOLLO", "apollo", **fields)


def item(kind: Kind = Kind.RISK, **fields: Any) -> Item:
    values: dict[str, Any] = {
        "title": "Vendor may slip",
        "status": "open",
        "owner_id": BOB,
        "created_by": ALICE,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Item(kind=kind, number=12, project=APOLLO, **(values | fields))


# -- building ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.noun)
def test_each_kinds_add_form_fits_slack_and_presets_the_caller(kind: Kind) -> None:
    view = valid_modal(add_form(kind, meta(kind), ALICE, APOLLO))

    assert view["callback_id"] == ids.ADD_VIEW
    assert view["title"]["text"] == f"New {kind.noun}"
    expected = [
        n for name in FORM_FIELDS[kind] for n in (name, DUE_TIME_BLOCK)[: 2 if name == "due" else 1]
    ]
    assert input_ids(view) == expected
    person = "by" if kind is Kind.DECISION else "owner"
    assert block(view, person)["element"]["initial_user"] == ALICE
    assert block(view, person).get("optional") is not True
    title = block(view, "title")
    assert title["element"]["max_length"] == TITLE_MAX
    assert title.get("optional") is not True
    assert FormMeta.loads(view["private_metadata"]) == meta(kind)
    assert "Apollo" in view["blocks"][0]["elements"][0]["text"]


def test_the_risk_form_has_levels_with_words_defaulting_to_three() -> None:
    view = valid_modal(add_form(Kind.RISK, meta(Kind.RISK), ALICE, APOLLO))

    for name in ("likelihood", "impact"):
        select = block(view, name)["element"]
        assert select["type"] == "static_select"
        assert [o["value"] for o in select["options"]] == ["1", "2", "3", "4", "5"]
        assert select["options"][4]["text"]["text"] == "5 — very high"
        assert select["initial_option"]["value"] == "3"
    assert block(view, "category")["element"]["max_length"] == SHORT_MAX
    assert block(view, "description")["element"]["multiline"] is True
    assert block(view, "description")["element"]["max_length"] == NOTE_MAX
    assert block(view, "review")["element"]["type"] == "datepicker"
    assert block(view, "review")["optional"] is True


def test_the_issue_form_has_severities_defaulting_to_medium_and_a_due_time() -> None:
    view = valid_modal(add_form(Kind.ISSUE, meta(Kind.ISSUE), ALICE, APOLLO))

    severity = block(view, "severity")["element"]
    assert [o["value"] for o in severity["options"]] == ["low", "medium", "high", "critical"]
    assert severity["initial_option"]["value"] == "medium"
    assert block(view, DUE_TIME_BLOCK)["element"]["type"] == "timepicker"
    assert block(view, DUE_TIME_BLOCK)["optional"] is True


def test_a_channel_without_a_project_gets_an_explanation_not_a_form() -> None:
    view = valid_modal(no_project_form(Kind.RISK))

    assert "submit" not in view
    assert not input_ids(view)
    words = view["blocks"][0]["text"]["text"]
    assert "`/pmo project &lt;name&gt;`" in words
    assert "project:&lt;slug&gt;" in words


def test_the_message_form_is_prefilled_and_can_switch_kind() -> None:
    prefill = Prefill("Vendor may slip", "Vendor may slip\nsays their PM", person=BOB)
    view = valid_modal(message_form(Kind.RISK, meta(Kind.RISK, link=LINK), ALICE, prefill, ()))

    assert view["callback_id"] == ids.ADD_VIEW
    kind = block(view, KIND_BLOCK)
    assert kind["dispatch_action"] is True
    assert kind["element"]["action_id"] == ids.KIND_SELECT
    assert kind["element"]["initial_option"]["value"] == "R"
    assert PROJECT_BLOCK not in input_ids(view)
    assert block(view, "title")["element"]["initial_value"] == "Vendor may slip"
    assert block(view, "description")["element"]["initial_value"].endswith("says their PM")
    assert block(view, "owner")["element"]["initial_user"] == BOB
    assert FormMeta.loads(view["private_metadata"]).link == LINK

    as_action = valid_modal(message_form(Kind.ACTION, meta(Kind.RISK), ALICE, Prefill("x"), ()))
    assert input_ids(as_action) == [KIND_BLOCK, "title", "owner", "due", DUE_TIME_BLOCK]
    assert block(as_action, "owner")["element"]["initial_user"] == ALICE
    assert FormMeta.loads(as_action["private_metadata"]).kind is Kind.ACTION


def test_the_message_form_offers_the_projects_when_its_channel_has_none() -> None:
    where = FormMeta(Kind.ACTION, "C0RANDOM", link=LINK)
    view = valid_modal(message_form(Kind.ACTION, where, ALICE, Prefill("x"), (APOLLO, ZEUS)))

    picker = block(view, PROJECT_BLOCK)
    assert [o["value"] for o in picker["element"]["options"]] == ["apollo", "zeus"]
    assert picker["element"]["options"][1]["text"]["text"] == "Zeus & co"
    assert "initial_option" not in picker["element"]
    again = message_form(Kind.RISK, where, ALICE, Prefill("x", project="zeus"), (APOLLO, ZEUS))
    assert block(again, PROJECT_BLOCK)["element"]["initial_option"]["value"] == "zeus"

    nowhere = valid_modal(message_form(Kind.ACTION, where, ALICE, Prefill("x"), ()))
    assert not input_ids(nowhere)
    assert "/pmo project" in nowhere["blocks"][0]["text"]["text"]


def test_a_message_form_for_a_hundred_projects_stays_within_limits() -> None:
    many = tuple(ProjectRef(f"p{n}", "P" * 200, f"C{n}") for n in range(100))
    view = valid_modal(message_form(Kind.RISK, FormMeta(Kind.RISK, "C0X"), ALICE, Prefill(), many))

    assert len(block(view, PROJECT_BLOCK)["element"]["options"]) == 100


@pytest.mark.parametrize(
    ("message", "title", "description"),
    [
        ("Vendor may slip", "Vendor may slip", ""),
        ("  Vendor may slip  ", "Vendor may slip", ""),
        ("Vendor may slip\nThey said so today", "Vendor may slip They said so today", "same"),
        ("word " * 100, None, "same"),
        ("x" * 5000, None, None),
        ("", "", ""),
    ],
    ids=["short", "padded", "two-lines", "long", "huge", "empty"],
)
def test_a_message_prefills_a_title_within_limits_and_the_rest_as_description(
    message: str, title: str | None, description: str | None
) -> None:
    prefill = prefill_from_message(message)

    assert len(prefill.title) <= TITLE_MAX
    assert len(prefill.description) <= NOTE_MAX
    if title is not None:
        assert prefill.title == title
    else:
        assert prefill.title.endswith("…")
    if description == "same":
        assert prefill.description == message.strip()
    elif description is not None:
        assert prefill.description == description
    else:
        assert prefill.description.endswith("…")


def test_the_edit_form_is_prefilled_in_the_editors_zone() -> None:
    risk = item(
        description="Their PM said so",
        likelihood=4,
        impact=5,
        review_on=date(2026, 12, 1),
        mitigation="weekly calls",
    )
    view = valid_modal(edit_form(risk, "C0APOLLO", "Europe/London"))

    assert view["callback_id"] == ids.EDIT_VIEW
    assert view["title"]["text"] == "Edit R-12"
    assert block(view, "title")["element"]["initial_value"] == "Vendor may slip"
    assert block(view, "likelihood")["element"]["initial_option"]["value"] == "4"
    assert block(view, "impact")["element"]["initial_option"]["value"] == "5"
    assert block(view, "owner")["element"]["initial_user"] == BOB
    assert block(view, "review")["element"]["initial_date"] == "2026-12-01"
    assert block(view, "review").get("optional") is not True  # can't be emptied from here
    assert "initial_value" not in block(view, "category")["element"]
    assert block(view, "status")["element"]["initial_option"]["value"] == "open"
    edited = FormMeta.loads(view["private_metadata"])
    assert (edited.kind, edited.number, edited.is_edit) == (Kind.RISK, 12, True)
    assert len(view["private_metadata"]) < 500

    due = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    action = item(Kind.ACTION, due_at=due, due_on=date(2026, 11, 20))
    in_new_york = valid_modal(edit_form(action, "C0APOLLO", "America/New_York"))
    assert block(in_new_york, "due")["element"]["initial_date"] == "2026-11-20"
    assert block(in_new_york, DUE_TIME_BLOCK)["element"]["initial_time"] == "17:30"
    in_tokyo = edit_form(action, "C0APOLLO", "Asia/Tokyo")
    assert block(in_tokyo, "due")["element"]["initial_date"] == "2026-11-21"
    assert block(in_tokyo, DUE_TIME_BLOCK)["element"]["initial_time"] == "07:30"


def test_a_closed_risk_is_edited_without_its_status() -> None:
    view = valid_modal(edit_form(item(status="closed"), "C0APOLLO", "UTC"))

    assert "status" not in input_ids(view)


# -- reading submissions -----------------------------------------------------------------------

VALID: list[tuple[Kind, dict[str, dict[str, Any]], dict[str, Any]]] = [
    (
        Kind.RISK,
        state(
            title=text("  Vendor may slip "),
            description=text(None),
            category=text("supply"),
            likelihood=option("4"),
            impact=option("5"),
            owner=user(BOB),
            review=day("2026-11-27"),
            mitigation=text("weekly calls"),
        ),
        {
            "title": "Vendor may slip",
            "category": "supply",
            "likelihood": 4,
            "impact": 5,
            "owner": BOB,
            "review": date(2026, 11, 27),
            "mitigation": "weekly calls",
        },
    ),
    (
        Kind.ACTION,
        state(title=text("send contract"), owner=user(ALICE), due=day("2026-11-20")),
        {"title": "send contract", "owner": ALICE, "due": date(2026, 11, 20)},
    ),
    (
        Kind.ACTION,
        state(
            title=text("call"), owner=user(ALICE), due=day("2026-11-19"), due_time=clock("16:00")
        ),
        {"title": "call", "owner": ALICE, "due": datetime(2026, 11, 19, 16, tzinfo=LONDON)},
    ),
    (
        Kind.ISSUE,
        state(
            title=text("Build broken"),
            description=text("since Tuesday"),
            severity=option("high"),
            owner=user(BOB),
            due=day(None),
            due_time=clock(None),
        ),
        {"title": "Build broken", "description": "since Tuesday", "severity": "high", "owner": BOB},
    ),
    (
        Kind.DECISION,
        state(
            title=text("Use Postgres"),
            by=user(BOB),
            rationale=text("we know it"),
            alternatives=text("MySQL"),
            review=day("2031-11-19"),
        ),
        {
            "title": "Use Postgres",
            "by": BOB,
            "rationale": "we know it",
            "alternatives": "MySQL",
            "review": date(2031, 11, 19),
        },
    ),
]


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    VALID,
    ids=["risk", "action-day", "action-time", "issue-no-due", "decision-5-years"],
)
def test_valid_forms_give_the_grammars_typed_values(
    kind: Kind, values: dict[str, dict[str, Any]], expected: dict[str, Any]
) -> None:
    form = parse_submission(meta(kind), values, now=NOW)

    assert form.errors == {}
    assert form.values == expected
    assert form.project is None


def test_a_due_time_is_read_in_the_submitters_zone() -> None:
    values = state(title=text("call"), owner=user(ALICE), due=day("2026-11-20"))
    values |= state(due_time=clock("09:00"))
    form = parse_submission(meta(Kind.ACTION), values, now=NOW.astimezone(ZoneInfo("Asia/Tokyo")))

    due = form.values["due"]
    assert isinstance(due, datetime)
    assert due.astimezone(UTC) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


ACTION_OK = {"title": text("send contract"), "owner": user(ALICE)}
RISK_OK = {"title": text("slip"), "likelihood": option("3"), "impact": option("3")}
RISK_OK |= {"owner": user(ALICE)}
ERRORS: list[tuple[Kind, dict[str, dict[str, Any]], str, str]] = [
    (Kind.RISK, state(**(RISK_OK | {"title": text(None)})), "title", "needs some text"),
    (Kind.RISK, state(**(RISK_OK | {"title": text("   ")})), "title", "needs some text"),
    (Kind.RISK, state(**(RISK_OK | {"title": text("x" * 301)})), "title", "limit is 300"),
    (Kind.RISK, state(**(RISK_OK | {"category": text("c" * 81)})), "category", "limit is 80"),
    (Kind.RISK, state(**(RISK_OK | {"owner": user(None)})), "owner", "Pick an owner"),
    (Kind.RISK, state(**(RISK_OK | {"owner": user("bob")})), "owner", "Pick a person"),
    (Kind.RISK, state(**(RISK_OK | {"impact": option("9")})), "impact", "1 to 5"),
    (Kind.RISK, state(**(RISK_OK | {"review": day("2026-11-18")})), "review", "in the past"),
    (Kind.RISK, state(**(RISK_OK | {"review": day("2031-11-20")})), "review", "five years"),
    (Kind.RISK, state(**(RISK_OK | {"review": day("someday")})), "review", "calendar"),
    (Kind.ACTION, state(**(ACTION_OK | {"due": day("2026-11-18")})), "due", "in the past"),
    (Kind.ACTION, state(**ACTION_OK, due_time=clock("17:00")), DUE_TIME_BLOCK, "Pick a day"),
    (
        Kind.ACTION,
        state(**ACTION_OK, due=day("2026-11-19"), due_time=clock("09:00")),
        DUE_TIME_BLOCK,
        "already passed",
    ),
    (
        Kind.ACTION,
        state(**ACTION_OK, due=day("2026-11-20"), due_time=clock("9am")),
        DUE_TIME_BLOCK,
        "time",
    ),
    (Kind.ISSUE, state(**(ACTION_OK | {"severity": option("huge")})), "severity", "one of low"),
    (Kind.DECISION, state(title=text("Use Postgres"), by=user(None)), "by", "who made"),
]


@pytest.mark.parametrize(
    ("kind", "values", "block_id", "message"),
    ERRORS,
    ids=[
        "empty-title",
        "blank-title",
        "title-too-long",
        "category-too-long",
        "missing-owner",
        "owner-not-a-user",
        "level-out-of-range",
        "past-review",
        "review-over-5-years",
        "not-a-date",
        "past-due",
        "time-without-day",
        "passed-time-today",
        "bad-time",
        "unknown-severity",
        "missing-decider",
    ],
)
def test_each_refusal_lands_under_its_input_and_nothing_else_is_refused(
    kind: Kind, values: dict[str, dict[str, Any]], block_id: str, message: str
) -> None:
    form = parse_submission(meta(kind), values, now=NOW)

    assert list(form.errors) == [block_id]
    assert message in form.errors[block_id]
    assert len(form.errors[block_id]) < 200


def test_several_refusals_come_together() -> None:
    values = state(title=text(""), owner=user(None), due=day("2020-01-01"))
    form = parse_submission(meta(Kind.ACTION), values, now=NOW)

    assert set(form.errors) == {"title", "owner", "due"}


def test_a_message_form_needs_a_project_picked_and_keeps_the_link() -> None:
    where = FormMeta(Kind.ACTION, "C0RANDOM", link=LINK)
    unpicked = state(**ACTION_OK, project=option(None))
    assert parse_submission(where, unpicked, now=NOW).errors == {
        PROJECT_BLOCK: "Pick the project to log this in."
    }

    picked = parse_submission(where, state(**ACTION_OK, project=option("zeus")), now=NOW)
    assert picked.errors == {}
    assert picked.project == "zeus"
    assert picked.values["link"] == LINK


def test_an_edit_keeps_only_what_changed() -> None:
    risk = item(
        description="Their PM said so",
        likelihood=4,
        impact=5,
        review_on=date(2026, 11, 2),  # passed since: still accepted while unchanged
    )
    shown = FormMeta.loads(edit_form(risk, "C0APOLLO", "UTC")["private_metadata"])
    same = state(
        title=text("Vendor may slip"),
        description=text("Their PM said so"),
        category=text(None),
        likelihood=option("4"),
        impact=option("5"),
        owner=user(BOB),
        review=day("2026-11-02"),
        mitigation=text(None),
        status=option("open"),
    )
    unchanged = parse_submission(shown, same, now=NOW)
    assert (unchanged.values, unchanged.errors) == ({}, {})

    changed = same | state(impact=option("2"), description=text(""), status=option("mitigating"))
    edit = parse_submission(shown, changed, now=NOW)
    assert edit.errors == {}
    assert edit.values == {"impact": 2, "description": "", "status": "mitigating"}

    moved = same | state(review=day("2026-11-10"))
    assert "in the past" in parse_submission(shown, moved, now=NOW).errors["review"]
    emptied = same | state(review=day(None))
    assert "can't be removed" in parse_submission(shown, emptied, now=NOW).errors["review"]
    untitled = same | state(title=text(""))
    assert "needs some text" in parse_submission(shown, untitled, now=NOW).errors["title"]


def test_an_edit_of_a_timed_due_compares_the_moment_not_the_clock() -> None:
    action = item(Kind.ACTION, due_at=datetime(2026, 11, 20, 22, 30, tzinfo=UTC))
    shown = FormMeta.loads(edit_form(action, "C0APOLLO", "America/New_York")["private_metadata"])
    base = state(title=text("Vendor may slip"), owner=user(BOB), due=day("2026-11-20"))
    in_new_york = NOW.astimezone(ZoneInfo("America/New_York"))

    same = parse_submission(shown, base | state(due_time=clock("17:30")), now=in_new_york)
    assert same.values == {}
    whole_day = parse_submission(shown, base | state(due_time=clock(None)), now=in_new_york)
    assert whole_day.values == {"due": date(2026, 11, 20)}


def test_the_metadata_round_trips_and_refuses_junk() -> None:
    full = FormMeta(Kind.ISSUE, "C0APOLLO", "apollo", LINK, 7, {"title": fingerprint("x")})
    assert FormMeta.loads(full.dumps()) == full
    assert FormMeta.loads(meta(Kind.RISK).dumps()) == meta(Kind.RISK)
    assert full.edited == 7
    with pytest.raises(ParseError):
        _ = meta(Kind.RISK).edited
    for junk in (
        None,
        "",
        "{",
        "[]",
        '{"kind": "Z"}',
        '{"channel": "C1"}',
        '{"kind":"R","number":"x"}',
    ):
        with pytest.raises(ParseError, match="out of date"):
            FormMeta.loads(junk)


def test_fingerprints_treat_empty_as_none_and_moments_by_instant() -> None:
    assert fingerprint(None) == fingerprint("")
    assert fingerprint(3) == fingerprint("3")
    moment = datetime(2026, 11, 20, 17, tzinfo=LONDON)
    assert fingerprint(moment) == fingerprint(moment.astimezone(ZoneInfo("Asia/Tokyo")))
    assert fingerprint(date(2026, 11, 20)) != fingerprint(moment)


def test_switching_kind_keeps_what_was_typed() -> None:
    typed = state(
        kind=option("A"),
        project=option("zeus"),
        title=text("my edited title"),
        owner=user(BOB),
        due=day(None),
    )
    assert prefill_from_state(typed) == Prefill("my edited title", "", BOB, "zeus")
    as_decision = prefill_from_state(state(title=text(None), by=user(BOB)))
    assert as_decision == Prefill("", "", BOB, None)
    assert picked_kind({"selected_option": {"value": "D"}}) is Kind.DECISION
    with pytest.raises(ParseError):
        picked_kind({"selected_option": None})


def test_a_prefilled_title_too_long_for_the_input_is_clipped() -> None:
    view = message_form(Kind.RISK, meta(Kind.RISK), ALICE, Prefill("t" * 400, "d" * 3000), ())

    assert len(block(view, "title")["element"]["initial_value"]) <= TITLE_MAX
    assert len(block(view, "description")["element"]["initial_value"]) <= NOTE_MAX
    assert FormMeta.loads(view["private_metadata"]) == meta(Kind.RISK)


def test_only_the_mentions_a_form_was_prefilled_with_stay_mentions() -> None:
    prefill = prefill_from_message("<@U0BOB> says <#C0OPS> is down")
    assert prefill.refs == ("@U0BOB", "#C0OPS")
    form = message_form(Kind.ACTION, meta(Kind.ACTION, link=LINK), ALICE, prefill, ())
    kept = FormMeta.loads(form["private_metadata"])
    assert kept.refs == ("@U0BOB", "#C0OPS")
    typed = state(title=text(prefill.title), owner=user(ALICE))
    switched = message_form(Kind.RISK, kept, ALICE, prefill_from_state(typed), ())
    assert FormMeta.loads(switched["private_metadata"]).refs == kept.refs  # kept on a switch

    typed = state(title=text("<@U0BOB> says <#C0OPS> is down, <@U0EVE>"), owner=user(ALICE))
    read = parse_submission(kept, typed, now=NOW)
    assert read.values["title"] == "<@U0BOB> says <#C0OPS> is down, <\u2060@U0EVE>"
    blank = parse_submission(meta(Kind.ACTION), typed, now=NOW)  # the add form: nothing kept
    assert blank.values["title"] == "<\u2060@U0BOB> says <\u2060#C0OPS> is down, <\u2060@U0EVE>"


def test_an_edit_form_keeps_the_items_own_mentions() -> None:
    risk = item(title="ask <@U0CAROL>", description="and <#C0OPS>", mitigation="<@U0CAROL>")
    kept = FormMeta.loads(edit_form(risk, "C0APOLLO", "UTC")["private_metadata"])
    assert kept.refs == ("@U0CAROL", "#C0OPS")


@pytest.mark.parametrize("markdown", ["", "   ", "\n"])
def test_an_explanation_with_nothing_to_say_is_still_a_view_slack_takes(markdown: str) -> None:
    from handlers.blocks.forms import explanation

    view = explanation(markdown)
    assert len(view["blocks"]) == 1
    assert view["blocks"][0]["text"]["text"].strip()
