"""Tests for handlers.grammar: every subcommand of every command, its refusals, and fuzzing."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Kind, Rag
from bot.errors import DateError, ParseError, UserError
from bot.fields import Value
from handlers.grammar import (
    AddHoliday,
    AddItem,
    CloseItem,
    EndAway,
    ExportItems,
    Help,
    ItemCommand,
    ListHolidays,
    ListItems,
    OpenAddForm,
    PmoCommand,
    ProjectCommand,
    RemindersCommand,
    RemoveHoliday,
    ReopenItem,
    SetAway,
    ShowAway,
    ShowItem,
    StatusCommand,
    SupersedeDecision,
    UpdateItem,
    parse_item_command,
    parse_pmo_command,
)
from handlers.portfolio_grammar import PortfolioCommand
from handlers.usage import ITEM_USAGE, PMO_USAGE, Usage, kind_overview, pmo_overview

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday
BOB = "<@U0BOB|bob>"
CAROL = "<@U0CAROL|carol>"

R, A, I, D = Kind.RISK, Kind.ACTION, Kind.ISSUE, Kind.DECISION  # noqa: E741
FRI = date(2026, 11, 20)


def parse(kind: Kind, text: str) -> ItemCommand:
    return parse_item_command(kind, text, now=NOW)


def add(kind: Kind, project: str | None = None, **values: Value) -> AddItem:
    return AddItem(kind, dict(values), project)


# -- the brief's session -----------------------------------------------------------------------


def test_the_session_from_the_brief() -> None:
    assert parse_pmo_command("project Apollo") == ProjectCommand("Apollo")
    risk = parse(R, f"add Vendor may slip impact:high likelihood:3 owner:{BOB} review:friday")
    assert risk == add(
        R, title="Vendor may slip", impact=4, likelihood=3, owner="U0BOB", review=FRI
    )
    assert isinstance(risk, AddItem)
    assert type(risk.values["review"]) is date
    assert parse(A, f"add {BOB} send contract due tomorrow") == add(
        A, title="send contract", owner="U0BOB", due=FRI
    )
    assert parse_pmo_command('status amber "vendor late"') == StatusCommand(
        Rag.AMBER, "vendor late"
    )
    assert parse(R, "list") == ListItems(R, "open")
    assert parse(A, "list overdue") == ListItems(A, "overdue")


# -- accepted item commands --------------------------------------------------------------------

ACCEPTED: list[tuple[str, Kind, str, ItemCommand]] = [
    ("risk-add-form", R, "add", OpenAddForm(R)),
    ("action-add-form-elsewhere", A, "add project:zeus", OpenAddForm(A, "zeus")),
    ("risk-export", R, "export", ExportItems(R)),
    ("action-export", A, "export project:apollo", ExportItems(A, "apollo")),
    ("issue-export", I, "export", ExportItems(I)),
    ("decision-export", D, "EXPORT", ExportItems(D)),
    # help
    ("empty-is-help", R, "", Help(R)),
    ("blank-is-help", A, "   ", Help(A)),
    ("help", I, "help", Help(I)),
    ("help-upper", D, "HELP", Help(D)),
    ("question-mark", R, "?", Help(R)),
    ("dash-h", A, "--help", Help(A)),
    # a bare id shows the item
    ("bare-id", R, "R-12", ShowItem(R, 12)),
    ("bare-id-lower", A, "a7", ShowItem(A, 7)),
    ("bare-id-hash", I, "#I-3", ShowItem(I, 3)),
    ("bare-number", D, "4", ShowItem(D, 4)),
    # add: risks
    ("risk-add-title", R, "add Vendor may slip", add(R, title="Vendor may slip")),
    (
        "risk-add-all-fields",
        R,
        f"add Vendor may slip likelihood:2 impact:very high owner:{BOB} review:next friday "
        'mitigation:"weekly vendor calls" category:supply description:"late since May"',
        add(
            R,
            title="Vendor may slip",
            likelihood=2,
            impact=5,
            owner="U0BOB",
            review=FRI,
            mitigation="weekly vendor calls",
            category="supply",
            description="late since May",
        ),
    ),
    ("risk-add-aliases", R, "add x l:low i:critical", add(R, title="x", likelihood=2, impact=5)),
    (
        "risk-add-two-word-levels",
        R,
        "add x impact:very low likelihood:very high",
        add(R, title="x", impact=1, likelihood=5),
    ),
    ("risk-add-quoted-level", R, 'add x impact:"very high"', add(R, title="x", impact=5)),
    (
        "risk-add-review-multiword",
        R,
        "add x review:in 3 days",
        add(R, title="x", review=date(2026, 11, 22)),
    ),
    (
        "risk-add-review-time-dropped",
        R,
        "add x review:tomorrow 5pm",
        add(R, title="x", review=FRI),
    ),
    (
        "risk-add-review-then-words",
        R,
        "add supplier review:friday may slip",
        add(R, title="supplier may slip", review=FRI),
    ),
    ("risk-add-title-field", R, 'add title:"Vendor may slip"', add(R, title="Vendor may slip")),
    ("risk-add-quoted-title", R, 'add "Vendor: may slip"', add(R, title="Vendor: may slip")),
    ("risk-add-note-colon", R, "add Note: vendor late", add(R, title="Note: vendor late")),
    ("risk-add-url", R, "add see https://x.com/a", add(R, title="see https://x.com/a")),
    (
        "risk-add-leading-owner",
        R,
        f"add {BOB} vendor slip",
        add(R, title="vendor slip", owner="U0BOB"),
    ),
    ("risk-add-project", R, "add x project:#Apollo", add(R, "apollo", title="x")),
    ("risk-add-project-first", R, "add project:apollo x", add(R, "apollo", title="x")),
    ("risk-add-status", R, "add x status:mitigating", add(R, title="x", status="mitigating")),
    ("alias-new", R, "new x", add(R, title="x")),
    ("alias-log", R, "LOG x", add(R, title="x")),
    # add: actions, with their natural forms
    (
        "action-add-natural",
        A,
        f"add {BOB} send contract due tomorrow",
        add(A, title="send contract", owner="U0BOB", due=FRI),
    ),
    (
        "action-add-by-eom",
        A,
        "add send contract by eom",
        add(A, title="send contract", due=date(2026, 11, 30)),
    ),
    (
        "action-add-due-on",
        A,
        "add send contract due on 15 Jan",
        add(A, title="send contract", due=date(2027, 1, 15)),
    ),
    (
        "action-add-due-time",
        A,
        "add call vendor due friday 5pm",
        add(A, title="call vendor", due=datetime(2026, 11, 20, 17, 0, tzinfo=LONDON)),
    ),
    (
        "action-add-due-mid-text",
        A,
        "add pay invoice due friday and file it",
        add(A, title="pay invoice and file it", due=FRI),
    ),
    (
        "action-add-due-key",
        A,
        "add x due:in 2 weeks",
        add(A, title="x", due=date(2026, 12, 3)),
    ),
    ("action-add-by-key", A, "add x by:eow", add(A, title="x", due=FRI)),
    (
        "action-add-owner-key",
        A,
        f"add send contract owner:{BOB}",
        add(A, title="send contract", owner="U0BOB"),
    ),
    (
        "action-add-trailing-owner",
        A,
        f"add send contract {BOB}",
        add(A, title="send contract", owner="U0BOB"),
    ),
    (
        "action-add-by-owner",
        A,
        f"add send contract by {BOB}",
        add(A, title="send contract", owner="U0BOB"),
    ),
    (
        "action-add-to-person-is-text",
        A,
        f"add talk to {BOB}",
        add(A, title="talk to <@U0BOB>"),
    ),
    (
        "action-add-by-not-at-end-is-text",
        A,
        "add send contract by friday please",
        add(A, title="send contract by friday please"),
    ),
    ("action-add-by-prose", A, "add go by bus", add(A, title="go by bus")),
    ("action-add-due-prose", A, "add due diligence", add(A, title="due diligence")),
    (
        "action-add-everything",
        A,
        f"add {BOB} send the signed contract due friday project:apollo",
        add(A, "apollo", title="send the signed contract", owner="U0BOB", due=FRI),
    ),
    (
        "action-add-link",
        A,
        "add x link:https://acme.slack.com/archives/C1/p1",
        add(A, title="x", link="https://acme.slack.com/archives/C1/p1"),
    ),
    # add: issues and decisions
    (
        "issue-add",
        I,
        "add Test rig down severity:high owner:<@U0DANA|dana> due tomorrow",
        add(I, title="Test rig down", severity="high", owner="U0DANA", due=FRI),
    ),
    ("issue-add-sev-alias", I, "add x sev:sev1", add(I, title="x", severity="critical")),
    (
        "decision-add",
        D,
        'add Use vendor B for hosting by:<@U0ERIN|erin> rationale:"cheaper, EU region" '
        'alternatives:"vendor A" review:eoq',
        add(
            D,
            title="Use vendor B for hosting",
            by="U0ERIN",
            rationale="cheaper, EU region",
            alternatives="vendor A",
            review=date(2026, 12, 31),
        ),
    ),
    (
        "decision-add-natural-by",
        D,
        "add Use vendor B by <@U0ERIN|erin>",
        add(D, title="Use vendor B", by="U0ERIN"),
    ),
    (
        "decision-add-by-is-not-a-date",
        D,
        "add Ship by friday",
        add(D, title="Ship by friday"),
    ),
    # list
    ("risk-list", R, "list", ListItems(R, "open")),
    ("risk-list-top", R, "list top", ListItems(R, "top")),
    ("risk-list-closed", R, "ls CLOSED", ListItems(R, "closed")),
    ("risk-list-all", R, "list all", ListItems(R, "all")),
    ("risk-list-mine", R, "list mine", ListItems(R, "mine")),
    (
        "risk-list-owner-project-page",
        R,
        f"list owner:{BOB} project:apollo page:3",
        ListItems(R, "open", "U0BOB", "apollo", 3),
    ),
    ("risk-list-bare-owner", R, f"list {BOB} all", ListItems(R, "all", "U0BOB")),
    ("action-list", A, "list", ListItems(A, "open")),
    ("action-list-overdue", A, "list overdue", ListItems(A, "overdue")),
    ("action-list-done", A, "list done page:2", ListItems(A, "done", page=2)),
    ("issue-list-resolved", I, "list resolved", ListItems(I, "resolved")),
    ("decision-list", D, "list", ListItems(D, "active")),
    ("decision-list-superseded", D, "list superseded", ListItems(D, "superseded")),
    ("decision-list-by", D, f"list by:{BOB}", ListItems(D, "active", "U0BOB")),
    # show and history
    ("show", R, "show R-12", ShowItem(R, 12)),
    ("show-issue", I, "show I-3", ShowItem(I, 3)),
    ("show-decision", D, "show D-4", ShowItem(D, 4)),
    ("show-bare-number", A, "show 7", ShowItem(A, 7)),
    ("alias-view", I, "view i3", ShowItem(I, 3)),
    ("alias-get", D, "get #D-4", ShowItem(D, 4)),
    ("history", R, "history r-12", ShowItem(R, 12, history=True)),
    ("history-action", A, "history A-7", ShowItem(A, 7, history=True)),
    ("history-issue", I, "history #i3", ShowItem(I, 3, history=True)),
    ("history-decision", D, "history D-4", ShowItem(D, 4, history=True)),
    # update
    (
        "risk-update",
        R,
        'update R-12 impact:5 mitigation:"second supplier"',
        UpdateItem(R, 12, {"impact": 5, "mitigation": "second supplier"}),
    ),
    (
        "risk-update-status-owner",
        R,
        f"update R-1 status:Mitigating owner:{CAROL}",
        UpdateItem(R, 1, {"status": "mitigating", "owner": "U0CAROL"}),
    ),
    (
        "action-update-text",
        A,
        'update A-7 text:"send the countersigned contract"',
        UpdateItem(A, 7, {"title": "send the countersigned contract"}),
    ),
    (
        "action-update-due",
        A,
        "update A-7 due:next friday",
        UpdateItem(A, 7, {"due": FRI}),
    ),
    ("issue-update", I, "update I-3 severity:critical", UpdateItem(I, 3, {"severity": "critical"})),
    (
        "decision-update",
        D,
        'update D-4 rationale:"EU data residency"',
        UpdateItem(D, 4, {"rationale": "EU data residency"}),
    ),
    # close and its aliases
    ("risk-close", R, "close R-12", CloseItem(R, 12)),
    (
        "risk-close-reason",
        R,
        "close R-12 vendor delivered",
        CloseItem(R, 12, "vendor delivered"),
    ),
    ("risk-done-alias", R, "done R-1", CloseItem(R, 1)),
    ("risk-resolve-alias", R, "resolve R-1", CloseItem(R, 1)),
    ("action-done", A, "done A-7 sent on Tuesday", CloseItem(A, 7, "sent on Tuesday")),
    ("action-close-alias", A, "close A-7", CloseItem(A, 7)),
    ("action-complete-alias", A, "complete A-7", CloseItem(A, 7)),
    ("action-finish-alias", A, "finish A-7", CloseItem(A, 7)),
    ("issue-resolve", I, "resolve I-3 rig repaired", CloseItem(I, 3, "rig repaired")),
    ("issue-done-alias", I, "done I-3", CloseItem(I, 3)),
    (
        "close-note-keeps-keys",
        A,
        "done A-7 blocked re:legal",
        CloseItem(A, 7, "blocked re:legal"),
    ),
    ("close-note-quoted", A, 'done A-7 "sent"', CloseItem(A, 7, "sent")),
    (
        "risk-occurred",
        R,
        "occurred R-12 shipment missed",
        CloseItem(R, 12, "shipment missed", occurred=True),
    ),
    ("risk-occurred-bare", R, "occurred R-12", CloseItem(R, 12, occurred=True)),
    # reopen, assign, due, snooze, supersede
    ("risk-reopen", R, "reopen R-12", ReopenItem(R, 12)),
    ("action-reopen", A, "reopen A-7", ReopenItem(A, 7)),
    ("issue-reopen", I, "reopen I-3", ReopenItem(I, 3)),
    (
        "action-assign",
        A,
        f"assign A-7 {CAROL}",
        UpdateItem(A, 7, {"owner": "U0CAROL"}, verb="assigned"),
    ),
    (
        "action-assign-key",
        A,
        f"assign A-7 owner:{CAROL}",
        UpdateItem(A, 7, {"owner": "U0CAROL"}, verb="assigned"),
    ),
    (
        "action-due",
        A,
        "due A-7 next friday",
        UpdateItem(A, 7, {"due": FRI}, verb="rescheduled"),
    ),
    (
        "action-due-time",
        A,
        "due A-7 tomorrow at 9:30am",
        UpdateItem(A, 7, {"due": datetime(2026, 11, 20, 9, 30, tzinfo=LONDON)}, verb="rescheduled"),
    ),
    (
        "action-snooze",
        A,
        "snooze A-7 in 3 days",
        UpdateItem(A, 7, {"due": date(2026, 11, 22)}, verb="snoozed"),
    ),
    ("decision-supersede", D, "supersede D-4 D-9", SupersedeDecision(4, 9)),
    ("decision-supersede-forms", D, "supersede d4 #9", SupersedeDecision(4, 9)),
]


@pytest.mark.parametrize(
    ("kind", "text", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_item_commands(kind: Kind, text: str, expected: ItemCommand) -> None:
    parsed = parse(kind, text)

    assert parsed == expected
    if isinstance(parsed, AddItem | UpdateItem):
        assert isinstance(expected, AddItem | UpdateItem)
        assert {k: type(v) for k, v in parsed.values.items()} == {
            k: type(v) for k, v in expected.values.items()
        }


def test_every_subcommand_is_covered() -> None:
    covered = {(case[1], case[2].split()[0].lower()) for case in ACCEPTED if case[2].strip()}

    missing = [(k, sub) for k in Kind for sub in ITEM_USAGE[k] if (k, sub) not in covered]
    assert missing == []


def _as_slack_sends(example: str) -> str:
    """Usage examples write people as `@bob`; Slack sends a picked person as `<@U…|bob>`."""
    return re.sub(r"@(\w+)", lambda m: f"<@U0{m.group(1).upper()}|{m.group(1)}>", example)


EXAMPLES = [(k, sub, u.example) for k in Kind for sub, u in ITEM_USAGE[k].items()]


@pytest.mark.parametrize(
    ("kind", "example"),
    [(k, e) for k, _, e in EXAMPLES],
    ids=[f"{k.noun}-{sub}" for k, sub, _ in EXAMPLES],
)
def test_every_usage_example_parses(kind: Kind, example: str) -> None:
    command, _, text = _as_slack_sends(example).partition(" ")

    assert command == kind.command
    assert not isinstance(parse(kind, text), Help)


@pytest.mark.parametrize("sub", list(PMO_USAGE), ids=list(PMO_USAGE))
def test_every_pmo_usage_example_parses(sub: str) -> None:
    command, _, text = PMO_USAGE[sub].example.partition(" ")
    # A channel named in an example is one picked from Slack's list: Slack sends it as a link.
    text = re.sub(r"#([a-z][\w-]*)", lambda m: f"<#C0{m[1].upper().replace('-', '')}|{m[1]}>", text)

    assert command == "/pmo"
    parse_pmo_command(text, now=NOW)


# -- refused item commands ---------------------------------------------------------------------


def usage(kind: Kind, sub: str | None) -> Usage:
    return ITEM_USAGE[kind][sub] if sub else kind_overview(kind)


# (id, kind, text, error type, start of the message, usage it teaches: a subcommand or None
# for the command's overview)
REFUSED: list[tuple[str, Kind, str, type[UserError], str, str | None]] = [
    (
        "unknown-sub-did-you-mean",
        R,
        "shwo R-1",
        ParseError,
        "“shwo” isn't a /risk command. Did you mean `/risk show`?",
        None,
    ),
    ("unknown-sub", A, "frobnicate", ParseError, "“frobnicate” isn't a /action command.", None),
    ("not-a-word-sub", I, BOB, ParseError, "“<@U0BOB>” isn't a /issue command.", None),
    (
        "decision-has-no-close",
        D,
        "close D-4",
        ParseError,
        "“close” isn't a /decision command",
        None,
    ),
    ("action-has-no-occurred", A, "occurred A-1", ParseError, "“occurred” isn't a", None),
    ("quote-left-open", R, 'add "Vendor may slip', ParseError, "A quote is left open", None),
    ("quote-left-open-pmo-like", A, "done A-7 “sent", ParseError, "A quote is left open", None),
    (
        "bare-other-kind-id",
        R,
        "A-12",
        ParseError,
        "A-12 is an action id, not a risk one: try `/action show A-12`.",
        "show",
    ),
    ("add-no-title", R, "add impact:4", ParseError, "A risk needs some text: what is it?", "add"),
    ("add-only-fields", A, f"add {BOB} due friday", ParseError, "An action needs some", "add"),
    (
        "add-unknown-key",
        R,
        "add x foo:bar",
        ParseError,
        "A risk has no field `foo`. Fields: title, description, category, likelihood, impact,",
        "add",
    ),
    ("add-key-twice", R, "add x impact:1 i:2", ParseError, "`impact` is given twice.", "add"),
    (
        "add-title-twice",
        R,
        "add x title:y",
        ParseError,
        "The risk text is given twice: as words and as a field.",
        "add",
    ),
    ("add-bad-level", R, "add x likelihood:6", ParseError, "`likelihood` must be 1–5", "add"),
    ("add-half-level", R, "add x impact:very", ParseError, "`impact` must be 1–5", "add"),
    ("add-odd-digit-level", R, "add x impact:²", ParseError, "`impact` must be 1–5", "add"),
    ("add-bad-severity", I, "add x severity:bogus", ParseError, "`severity` must be one", "add"),
    ("add-owner-not-mention", A, "add x owner:@bob", ParseError, "I couldn't tell who", "add"),
    (
        "add-empty-value",
        R,
        'add x mitigation:""',
        ParseError,
        "`mitigation:` needs a value.",
        "add",
    ),
    ("add-bad-review", R, "add x review:someday", DateError, "I couldn't read “someday”", "add"),
    (
        "add-past-review",
        R,
        "add x review:1 Jan 2020",
        DateError,
        "“1 Jan 2020” is in the past.",
        "add",
    ),
    ("add-past-due", A, "add x due 1 Jan 2020", DateError, "“1 Jan 2020” is in the past.", "add"),
    (
        "add-decision-no-due",
        D,
        "add x due:friday",
        ParseError,
        "A decision has no field `due`",
        "add",
    ),
    (
        "add-title-too-long",
        R,
        "add " + "x" * 301,
        ParseError,
        "The title is 301 characters; the limit is 300.",
        "add",
    ),
    (
        "add-action-text-too-long",
        A,
        "add " + "x " * 150 + "y",
        ParseError,
        "The text is 301 characters; the limit is 300.",
        "add",
    ),
    (
        "add-category-too-long",
        R,
        "add x category:" + "c" * 81,
        ParseError,
        "The category is 81 characters; the limit is 80.",
        "add",
    ),
    (
        "list-bad-scope",
        R,
        "list bogus",
        ParseError,
        "I can list [open|closed|all|mine|top], optionally with `owner:@person`; not “bogus”.",
        "list",
    ),
    ("list-other-kinds-scope", A, "list top", ParseError, "I can list [open|overdue|", "list"),
    ("list-owner-not-mention", R, "list owner:bob", ParseError, "Pick the owner from", "list"),
    ("list-page-zero", R, "list page:0", ParseError, "`page:` takes a page number", "list"),
    ("list-page-word", R, "list page:two", ParseError, "`page:` takes a page number", "list"),
    ("list-page-odd-digit", R, "list page:²", ParseError, "`page:` takes a page number", "list"),
    ("show-no-id", R, "show", ParseError, "`show` needs an id such as `R-12`.", "show"),
    ("show-garbage-id", A, "show banana", ParseError, "“banana” is not a action id", "show"),
    (
        "show-other-kind-id",
        R,
        "show A-12",
        ParseError,
        "A-12 is an action id, not a risk one: try `/action show A-12`.",
        "show",
    ),
    ("show-extra", R, "show R-1 now", ParseError, "`show` takes just an id;", "show"),
    ("history-no-id", D, "history", ParseError, "`history` needs an id such as `D-12`.", "history"),
    ("update-no-fields", R, "update R-1", ParseError, "Say what to change", "update"),
    (
        "update-free-words",
        R,
        "update R-1 foo",
        ParseError,
        "`update` takes `field:value`",
        "update",
    ),
    ("update-bad-status", R, "update R-1 status:bogus", ParseError, "`status` must be", "update"),
    ("update-quoted-id", R, 'update "R-1" impact:2', ParseError, "`update` needs an id", "update"),
    ("close-no-id", R, "close", ParseError, "`close` needs an id such as `R-12`.", "close"),
    ("done-other-kind", A, "done I-3", ParseError, "I-3 is an issue id, not an action", "done"),
    (
        "close-note-too-long",
        A,
        "done A-7 " + "n" * 2001,
        ParseError,
        "The note is 2,001 characters; the limit is 2,000.",
        "done",
    ),
    ("resolve-no-id", I, "resolve", ParseError, "`resolve` needs an id", "resolve"),
    ("occurred-no-id", R, "occurred", ParseError, "`occurred` needs an id", "occurred"),
    ("reopen-extra", R, "reopen R-1 extra", ParseError, "`reopen` takes just an id;", "reopen"),
    (
        "assign-no-mention",
        A,
        "assign A-7 carol",
        ParseError,
        "Name exactly one person, picked from Slack's @-mention list.",
        "assign",
    ),
    ("assign-two", A, f"assign A-7 {BOB} {CAROL}", ParseError, "Name exactly one", "assign"),
    ("assign-nobody", A, "assign A-7", ParseError, "Name exactly one person", "assign"),
    ("due-nothing", A, "due A-7", ParseError, "Say when, e.g. `friday`", "due"),
    ("due-bad-date", A, "due A-7 someday", DateError, "I couldn't read “someday”", "due"),
    (
        "due-trailing-words",
        A,
        "due A-7 friday please",
        DateError,
        "I read “friday” as the date but not “please”.",
        "due",
    ),
    (
        "snooze-past",
        A,
        "snooze A-7 1 Jan 2020",
        DateError,
        "“1 Jan 2020” is in the past.",
        "snooze",
    ),
    (
        "snooze-too-far",
        A,
        "snooze A-7 2040-01-01",
        DateError,
        "“2040-01-01” is more than",
        "snooze",
    ),
    (
        "supersede-one-id",
        D,
        "supersede D-4",
        ParseError,
        "`supersede` takes two ids: the old decision, then the one replacing it.",
        "supersede",
    ),
    (
        "supersede-three-ids",
        D,
        "supersede D-4 D-5 D-6",
        ParseError,
        "`supersede` takes",
        "supersede",
    ),
    ("supersede-none", D, "supersede", ParseError, "`supersede` needs an id", "supersede"),
    (
        "supersede-itself",
        D,
        "supersede D-4 d4",
        ParseError,
        "A decision can't supersede itself.",
        "supersede",
    ),
    (
        "supersede-other-kind",
        D,
        "supersede D-4 R-9",
        ParseError,
        "R-9 is a risk id, not a decision one",
        "supersede",
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "error", "message", "sub"),
    [c[1:] for c in REFUSED],
    ids=[c[0] for c in REFUSED],
)
def test_item_commands_refused(
    kind: Kind, text: str, error: type[UserError], message: str, sub: str | None
) -> None:
    with pytest.raises(UserError) as caught:
        parse(kind, text)

    assert type(caught.value) is error
    assert caught.value.message.startswith(message)
    taught = usage(kind, sub)
    assert (caught.value.usage, caught.value.example) == (taught.usage, taught.example)
    assert caught.value.usage
    assert caught.value.example


# -- /pmo --------------------------------------------------------------------------------------

PMO_ACCEPTED: list[tuple[str, str, PmoCommand]] = [
    ("empty-is-help", "", Help(None)),
    ("help", "help", Help(None)),
    ("help-upper", "HELP", Help(None)),
    ("question-mark", "?", Help(None)),
    ("project-show", "project", ProjectCommand(None)),
    ("project-create", "project Apollo", ProjectCommand("Apollo")),
    ("project-spaces", "PROJECT  Apollo   Moon", ProjectCommand("Apollo   Moon")),
    ("project-quoted", 'project "Apollo Moon"', ProjectCommand("Apollo Moon")),
    ("project-entities", "project R&amp;D", ProjectCommand("R&D")),
    ("project-colon-kept", "project Apollo:Moon", ProjectCommand("Apollo:Moon")),
    ("project-80-chars", "project " + "p" * 80, ProjectCommand("p" * 80)),
    ("status-show", "status", StatusCommand()),
    ("status-show-project", "status project:apollo", StatusCommand(project="apollo")),
    ("status-green", "status green", StatusCommand(Rag.GREEN)),
    (
        "status-green-reason",
        "status green back on track",
        StatusCommand(Rag.GREEN, "back on track"),
    ),
    ("status-g", "status G", StatusCommand(Rag.GREEN)),
    ("status-amber-quoted", 'status amber "vendor late"', StatusCommand(Rag.AMBER, "vendor late")),
    ("status-amber-curly", "status Amber “vendor late”", StatusCommand(Rag.AMBER, "vendor late")),
    ("status-yellow", "status yellow late", StatusCommand(Rag.AMBER, "late")),
    (
        "status-red-words",
        "status red the vendor is late",
        StatusCommand(Rag.RED, "the vendor is late"),
    ),
    (
        "status-red-project-anywhere",
        "status red project:apollo blocked",
        StatusCommand(Rag.RED, "blocked", "apollo"),
    ),
    (
        "status-reason-keeps-keys",
        "status red blocked ETA:friday",
        StatusCommand(Rag.RED, "blocked ETA:friday"),
    ),
    (
        "status-reason-mention",
        f"status r waiting on {BOB}",
        StatusCommand(Rag.RED, "waiting on <@U0BOB>"),
    ),
    ("portfolio", "portfolio", PortfolioCommand()),
    ("portfolio-upper", "Portfolio", PortfolioCommand()),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in PMO_ACCEPTED], ids=[c[0] for c in PMO_ACCEPTED]
)
def test_pmo_commands(text: str, expected: PmoCommand) -> None:
    assert parse_pmo_command(text) == expected


# (id, text, start of the message, subcommand whose usage it teaches, None for the overview)
PMO_REFUSED: list[tuple[str, str, str, str | None]] = [
    ("unknown", "bogus", "“bogus” isn't a /pmo command.", None),
    ("typo", "statsu", "“statsu” isn't a /pmo command.", None),
    ("quoted-sub", '"status"', "“status” isn't a /pmo command.", None),
    ("quote-left-open", 'status amber "vendor late', "A quote is left open", None),
    ("amber-needs-reason", "status amber", "Say why the project is amber, so the team", "status"),
    ("red-needs-reason", "status red project:apollo", "Say why the project is red", "status"),
    ("unknown-rag", "status blue", "The status is green, amber or red, not “blue”.", "status"),
    ("mention-as-rag", f"status {BOB}", "The status is green, amber or red", "status"),
    (
        "reason-too-long",
        "status red " + "r" * 2001,
        "The reason is 2,001 characters; the limit is 2,000.",
        "status",
    ),
    (
        "project-name-too-long",
        "project " + "p" * 81,
        "The project name is 81 characters; the limit is 80.",
        "project",
    ),
    ("project-no-letters", "project ---", "A project name needs at least one", "project"),
    ("project-key", "project project:apollo", "Give the project's name as words", "project"),
    (
        "portfolio-extra",
        "portfolio now",
        "`portfolio` takes `digest …` or nothing more; I don't know what “now” is.",
        "portfolio",
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "sub"), [c[1:] for c in PMO_REFUSED], ids=[c[0] for c in PMO_REFUSED]
)
def test_pmo_commands_refused(text: str, message: str, sub: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        parse_pmo_command(text)

    assert caught.value.message.startswith(message)
    taught = PMO_USAGE[sub] if sub else pmo_overview()
    assert (caught.value.usage, caught.value.example) == (taught.usage, taught.example)


# -- /pmo reminders, holiday, away ---------------------------------------------------------------

XMAS_EVE, XMAS = date(2026, 12, 24), date(2026, 12, 25)
NEXT_MON, NEXT_WED, NEXT_FRI = date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 27)

CALENDAR_ACCEPTED: list[tuple[str, str, PmoCommand]] = [
    ("reminders-show", "reminders", RemindersCommand()),
    ("reminders-show-project", "reminders project:apollo", RemindersCommand(project="apollo")),
    ("reminder-alias", "reminder", RemindersCommand()),
    ("reminders-on", "reminders on", RemindersCommand(enabled=True)),
    ("reminders-off-upper", "Reminders OFF", RemindersCommand(enabled=False)),
    ("reminders-disable", "reminders disable", RemindersCommand(enabled=False)),
    (
        "reminders-off-project-first",
        "reminders project:hermes off",
        RemindersCommand(enabled=False, project="hermes"),
    ),
    ("time-24h", "reminders time 09:30", RemindersCommand(at=time(9, 30))),
    ("time-no-zero", "reminders time 9:30", RemindersCommand(at=time(9, 30))),
    ("time-am", "reminders time 9:30am", RemindersCommand(at=time(9, 30))),
    ("time-am-apart", "reminders time 9:30 am", RemindersCommand(at=time(9, 30))),
    ("time-pm", "reminders time 5pm", RemindersCommand(at=time(17, 0))),
    ("time-at", "reminders at 17:15", RemindersCommand(at=time(17, 15))),
    ("time-noon", "reminders time noon", RemindersCommand(at=time(12, 0))),
    (
        "time-project",
        "reminders time 08:00 project:apollo",
        RemindersCommand(at=time(8, 0), project="apollo"),
    ),
    ("escalate", "reminders escalate 5", RemindersCommand(escalation_days=5)),
    ("escalate-1", "reminders escalate 1", RemindersCommand(escalation_days=1)),
    ("escalate-30", "reminders escalate 30", RemindersCommand(escalation_days=30)),
    ("escalate-days", "reminders escalate 5 days", RemindersCommand(escalation_days=5)),
    (
        "escalate-working-days",
        "reminders escalation 2 working days",
        RemindersCommand(escalation_days=2),
    ),
    ("holiday-alone-lists", "holiday", ListHolidays()),
    ("holiday-list", "holiday list", ListHolidays()),
    ("holidays-ls", "holidays ls", ListHolidays()),
    ("holiday-list-project", "holiday list project:apollo", ListHolidays("apollo")),
    ("holiday-add-iso", "holiday add 2026-12-25", AddHoliday(XMAS)),
    (
        "holiday-add-named",
        "holiday add dec 24 Christmas Eve",
        AddHoliday(XMAS_EVE, "Christmas Eve"),
    ),
    (
        "holiday-add-day-month-named",
        "holiday add 25 December Christmas Day",
        AddHoliday(XMAS, "Christmas Day"),
    ),
    ("holiday-add-all", "holiday add dec 25 all", AddHoliday(XMAS, workspace_wide=True)),
    (
        "holiday-add-named-all",
        "holiday add dec 25 Christmas all",
        AddHoliday(XMAS, "Christmas", workspace_wide=True),
    ),
    ("holiday-add-all-first", "holiday add all dec 25", AddHoliday(XMAS, workspace_wide=True)),
    (
        "holiday-add-quoted-all-is-a-name",
        'holiday add dec 25 "fun for all"',
        AddHoliday(XMAS, "fun for all"),
    ),
    ("holiday-add-today", "holiday add today", AddHoliday(date(2026, 11, 19))),
    (
        "holiday-add-weekday-name",
        "holiday add next monday team offsite",
        AddHoliday(NEXT_MON, "team offsite"),
    ),
    (
        "holiday-new-year-next-year",
        "holiday add jan 1 New Year's Day",
        AddHoliday(date(2027, 1, 1), "New Year's Day"),
    ),
    (
        "holiday-add-project",
        "holiday add dec 24 project:apollo Eve",
        AddHoliday(XMAS_EVE, "Eve", project="apollo"),
    ),
    ("holiday-remove", "holiday remove dec 24", RemoveHoliday(XMAS_EVE)),
    ("holiday-rm-all", "holiday rm 2026-12-25 all", RemoveHoliday(XMAS, workspace_wide=True)),
    ("holiday-delete", "holiday delete dec 24", RemoveHoliday(XMAS_EVE)),
    ("away-alone-shows", "away", ShowAway()),
    ("away-show", "away show", ShowAway()),
    ("away-off", "away off", EndAway()),
    ("away-back", "away back", EndAway()),
    ("ooo-alias", "ooo tomorrow", SetAway(FRI, FRI)),
    ("away-one-day", "away friday", SetAway(FRI, FRI)),
    ("away-today", "away today", SetAway(date(2026, 11, 19), date(2026, 11, 19))),
    ("away-range", "away friday to next wednesday", SetAway(FRI, NEXT_WED)),
    ("away-coming-week", "away monday to friday", SetAway(NEXT_MON, NEXT_FRI)),
    ("away-wed-to-mon", "away wednesday to monday", SetAway(NEXT_WED, date(2026, 11, 30))),
    ("away-same-day", "away friday to friday", SetAway(FRI, FRI)),
    (
        "away-over-new-year",
        "away dec 21 to jan 4",
        SetAway(date(2026, 12, 21), date(2027, 1, 4)),
    ),
    ("away-until", "away until friday", SetAway(date(2026, 11, 19), FRI)),
    ("away-dash", "away friday - monday", SetAway(FRI, NEXT_MON)),
    (
        "away-relative-both",
        "away in 2 weeks to in 3 weeks",
        SetAway(date(2026, 12, 3), date(2026, 12, 10)),
    ),
    ("away-through", "away next week through end of next week", SetAway(NEXT_MON, NEXT_FRI)),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in CALENDAR_ACCEPTED],
    ids=[c[0] for c in CALENDAR_ACCEPTED],
)
def test_calendar_commands(text: str, expected: PmoCommand) -> None:
    assert parse_pmo_command(text, now=NOW) == expected


def test_reading_days_without_now_is_a_programming_error() -> None:
    assert parse_pmo_command("reminders time 9:30") == RemindersCommand(at=time(9, 30))
    assert parse_pmo_command("away off") == EndAway()
    with pytest.raises(ValueError, match="needs `now`"):
        parse_pmo_command("away friday")


# (id, text, error type, start of the message, subcommand whose usage it teaches)
CALENDAR_REFUSED: list[tuple[str, str, type[UserError], str, str]] = [
    (
        "reminders-unknown",
        "reminders maybe",
        ParseError,
        "`reminders` takes on, off, `time <hh:mm>` or `escalate <days>`, not “maybe”.",
        "reminders",
    ),
    (
        "reminders-on-extra",
        "reminders on please",
        ParseError,
        "`reminders on` takes nothing more",
        "reminders",
    ),
    ("time-missing", "reminders time", ParseError, "Say at what time", "reminders"),
    (
        "time-25",
        "reminders time 25:00",
        ParseError,
        "“25:00” isn't a time of day: hours go from 0 to 23",
        "reminders",
    ),
    ("time-13pm", "reminders time 13pm", ParseError, "“13pm” isn't a time of day", "reminders"),
    ("time-bare-hour", "reminders time 9", ParseError, "“9” needs minutes", "reminders"),
    (
        "time-nonsense",
        "reminders time whenever",
        ParseError,
        "I couldn't read “whenever” as a time of day.",
        "reminders",
    ),
    (
        "escalate-missing",
        "reminders escalate",
        ParseError,
        "`escalate` takes how many",
        "reminders",
    ),
    (
        "escalate-off",
        "reminders escalate off",
        ParseError,
        "`escalate` takes how many",
        "reminders",
    ),
    (
        "escalate-zero",
        "reminders escalate 0",
        ParseError,
        "Escalate after 1 to 30 working days overdue; 0 is out of range.",
        "reminders",
    ),
    ("escalate-31", "reminders escalate 31", ParseError, "Escalate after 1 to 30", "reminders"),
    ("escalate-negative", "reminders escalate -2", ParseError, "`escalate` takes", "reminders"),
    ("escalate-decimal", "reminders escalate 2.5", ParseError, "`escalate` takes", "reminders"),
    ("escalate-digits", "reminders escalate ٣", ParseError, "`escalate` takes", "reminders"),
    (
        "escalate-weeks",
        "reminders escalate 2 weeks",
        ParseError,
        "`escalate 2` takes nothing more than `days`",
        "reminders",
    ),
    (
        "holiday-unknown",
        "holiday christmas",
        ParseError,
        "`holiday` takes add, list or remove",
        "holiday",
    ),
    ("holiday-add-no-date", "holiday add", ParseError, "Say which day", "holiday"),
    ("holiday-add-only-all", "holiday add all", ParseError, "Say which day", "holiday"),
    (
        "holiday-add-name-first",
        "holiday add Christmas dec 25",
        DateError,
        "I couldn't read “Christmas",
        "holiday",
    ),
    (
        "holiday-add-past",
        "holiday add yesterday",
        DateError,
        "“yesterday” is in the past",
        "holiday",
    ),
    (
        "holiday-add-time",
        "holiday add dec 24 5pm",
        ParseError,
        "A holiday is whole days",
        "holiday",
    ),
    (
        "holiday-add-all-and-project",
        "holiday add dec 25 all project:apollo",
        ParseError,
        "`all` means the whole workspace",
        "holiday",
    ),
    (
        "holiday-add-quoted-date",
        'holiday add "dec 25"',
        ParseError,
        "Give the date first",
        "holiday",
    ),
    (
        "holiday-name-too-long",
        "holiday add dec 25 " + "n" * 81,
        ParseError,
        "The holiday name is 81 characters; the limit is 80.",
        "holiday",
    ),
    (
        "holiday-remove-extra",
        "holiday remove dec 25 Christmas",
        ParseError,
        "`holiday remove` takes a date and `all` at most",
        "holiday",
    ),
    (
        "holiday-list-extra",
        "holiday list all",
        ParseError,
        "`holiday list` takes nothing more",
        "holiday",
    ),
    ("away-nonsense", "away someday", DateError, "I couldn't read “someday”", "away"),
    ("away-past", "away 2020-01-01", DateError, "“2020-01-01” is in the past", "away"),
    (
        "away-end-before-start",
        "away 2026-12-21 to 2026-12-20",
        ParseError,
        "The last day, Sun 20 Dec, is before the first, Mon 21 Dec.",
        "away",
    ),
    (
        "away-end-a-year-back",
        "away dec 28 to dec 24",
        ParseError,
        "The last day, Thu 24 Dec, is before the first, Mon 28 Dec.",
        "away",
    ),
    ("away-end-past", "away friday to yesterday", DateError, "“yesterday” is in the past", "away"),
    ("away-no-end", "away friday to", ParseError, "Say the last day after “to”", "away"),
    ("away-time", "away friday 5pm", ParseError, "Away is whole days", "away"),
    (
        "away-extra-words",
        "away friday for a trip",
        DateError,
        "I read “friday” as the date but not “for a trip”.",
        "away",
    ),
    ("away-mention", f"away {BOB}", ParseError, "Give days as dates", "away"),
    ("away-project", "away friday project:apollo", ParseError, "Away is about you", "away"),
    ("away-off-extra", "away off now", ParseError, "`away off` takes nothing more", "away"),
]


@pytest.mark.parametrize(
    ("text", "error", "message", "sub"),
    [c[1:] for c in CALENDAR_REFUSED],
    ids=[c[0] for c in CALENDAR_REFUSED],
)
def test_calendar_commands_refused(
    text: str, error: type[UserError], message: str, sub: str
) -> None:
    with pytest.raises(UserError) as caught:
        parse_pmo_command(text, now=NOW)

    assert type(caught.value) is error
    assert caught.value.message.startswith(message)
    taught = PMO_USAGE[sub]
    assert (caught.value.usage, caught.value.example) == (taught.usage, taught.example)


# -- no input crashes the parsers --------------------------------------------------------------

VOCABULARY = [
    *{sub for subs in ITEM_USAGE.values() for sub in subs},
    *PMO_USAGE,
    *("ls", "new", "view", "done", "resolve", "complete", "?", "help", "--help"),
    *("R-12", "r12", "#R-12", "A-7", "i3", "D-4", "12", "0", "²", "٣", "-"),
    *("owner:", "o:", "impact:", "likelihood:", "i:", "review:", "due:", "by:", "severity:"),
    *("status:", "title:", "text:", "mitigation:", "category:", "rationale:", "link:"),
    *("project:", "page:", "foo:", "https://x.io", "Note:", ":", "page:²", "impact:²"),
    *("very", "high", "low", "medium", "critical", "sev1", "open", "top", "overdue", "mine"),
    *('"', "“", "”", "„", '"a b"', "“x y”", "key:“v w”"),
    *(BOB, CAROL, "<@W0ERIN>", "<#C0APOLLO|apollo>", "<!channel>", "<!here>"),
    *("<!subteam^S1|@team>", "<http://evil|google.com>", "<http://x.io>", "<", ">", "|"),
    *("&lt;", "&gt;", "&amp;", "&lt;!channel&gt;", "\x00", "\t", "\n"),
    *("friday", "tomorrow", "next", "eom", "in", "3", "days", "by", "due", "on", "15", "Jan"),
    *("2027-01-15", "5pm", "at", "9:30", "yesterday", "someday", "1 Jan 2020", "2040-01-01"),
    *("green", "amber", "red", "g", "yellow"),
    *("to", "until", "all", "off", "on", "time", "escalate", "remove", "-", "9:30am", "25:00"),
]
vocabulary_text = st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=4), max_size=12).map(
    " ".join
)
glued_text = st.lists(st.sampled_from(VOCABULARY), max_size=8).map("".join)
any_text = st.text() | vocabulary_text | glued_text


def _refusal(parse_it: Callable[[], object]) -> UserError | None:
    """The UserError `parse_it` raises, or None when it parses; anything else propagates."""
    try:
        parse_it()
    except UserError as error:
        return error
    return None


def _parses_or_refuses_helpfully(parse_it: Callable[[], object]) -> None:
    error = _refusal(parse_it)
    if error is not None:
        assert error.message
        assert error.usage
        assert error.example


@settings(max_examples=300, deadline=None)
@given(text=any_text)
def test_any_text_is_an_item_command_or_a_user_error(text: str) -> None:
    for kind in Kind:
        _parses_or_refuses_helpfully(functools.partial(parse, kind, text))


@settings(max_examples=300, deadline=None)
@given(text=any_text)
def test_any_text_is_a_pmo_command_or_a_user_error(text: str) -> None:
    _parses_or_refuses_helpfully(lambda: parse_pmo_command(text, now=NOW))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=10))
def test_added_items_keep_a_title_within_limits(words: list[str]) -> None:
    for kind in Kind:
        try:
            parsed = parse(kind, "add " + " ".join(words))
        except UserError:
            continue
        if isinstance(parsed, OpenAddForm):  # nothing but `project:`/`page:` after `add`
            assert parsed.kind is kind
            continue
        assert isinstance(parsed, AddItem)
        title = parsed.values["title"]
        assert isinstance(title, str)
        assert title.strip()
        assert len(title) <= 300
        assert "\x00" not in title


def test_project_given_as_a_slack_channel_reference_names_that_channel() -> None:
    parsed = parse(R, "list project:<#C0ZEUS|zeus>")
    assert parsed == ListItems(R, "open", project="#C0ZEUS")


def test_due_at_the_end_must_be_a_date_but_due_in_prose_is_text() -> None:
    with pytest.raises(DateError, match="someday"):
        parse(A, "add call bob due someday")
    prose = parse(A, "add pay the due fees today please")
    assert isinstance(prose, AddItem)
    assert prose.values["title"] == "pay the due fees today please"


def test_due_yesterday_is_refused_as_past_not_taken_as_prose() -> None:
    with pytest.raises(DateError, match="in the past"):
        parse(A, "add send contract <@U0BOB|bob> due yesterday")


CALENDAR_HEADS = [
    *("reminders", "reminders time", "reminders escalate", "holiday", "holiday add"),
    *("holiday remove", "away", "away friday to"),
]


@settings(max_examples=300, deadline=None)
@given(
    head=st.sampled_from(CALENDAR_HEADS),
    rest=st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=4), max_size=8),
)
def test_any_calendar_text_parses_or_is_refused_helpfully(head: str, rest: list[str]) -> None:
    _parses_or_refuses_helpfully(lambda: parse_pmo_command(" ".join([head, *rest]), now=NOW))
