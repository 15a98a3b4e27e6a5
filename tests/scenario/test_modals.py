"""Modals through the real app: the add form, the edit form, and "Log as RAID item"."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from handlers import ids
from storage.models import Action, AuditEvent, Decision, Issue, Project, Risk
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.scenario.conftest import SlackSide, count, reply_text, stored
from tests.support.http import HttpAnswer
from tests.support.signing import interaction_body, new_view_id, sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.slack_specs import specs_available, validate_blocks

LINK = "https://acme.slack.com/archives/C0APOLLO/p1700000000000100"
MESSAGE_TS = "1700000000.000100"
ELSEWHERE = "C0RANDOM"


# -- playing Slack's part ------------------------------------------------------------------------


def post(slack: SlackSide, body: str, content_type: str) -> HttpAnswer:
    data = body.encode()
    headers = {"Content-Type": content_type, **sign(data, slack.secret, int(time.time()))}
    return slack.request("POST", "/slack/events", data, headers)


def interact(slack: SlackSide, payload: dict[str, Any], team: str = TEAM) -> HttpAnswer:
    """An interaction payload from `team` (Alice's), signed and posted as Slack does."""
    who = {"team": {"id": team, "domain": "acme"}, "user": {"id": ALICE, "team_id": team}}
    body = interaction_body({"api_app_id": "A0PMO", "token": "legacy", **who, **payload})
    answer = post(slack, body, "application/x-www-form-urlencoded")
    assert answer.status == 200, answer.body
    return answer


def command(slack: SlackSide, line: str, channel: str = CHANNEL) -> HttpAnswer:
    """A slash command whose answer may be empty (the form opened)."""
    name, _, text = line.partition(" ")
    body = slash_command_body(name, text, channel_id=channel, trigger_id="7.7.7")
    answer = post(slack, body, "application/x-www-form-urlencoded")
    assert answer.status == 200, answer.body
    return answer


def opened(fake: FakeSlackWebAPI, method: str = "views.open") -> dict[str, Any]:
    """The last view sent with `method`, checked as a modal."""
    calls = fake.calls_to(method)
    assert calls, f"no {method} call"
    raw = calls[-1].params["view"]
    view: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    if specs_available():
        validate_blocks(view["blocks"], surface="modal")
    return view


def submit(
    slack: SlackSide,
    view: dict[str, Any],
    values: dict[str, Any],
    team: str = TEAM,
    *,
    view_id: str | None = None,
) -> HttpAnswer:
    """Press the form's submit button with these input states (a form of its own, unless
    `view_id` names the view delivered before)."""
    sent = {
        "id": view_id or new_view_id(),
        "team_id": team,
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "blocks": view["blocks"],
        "hash": "1700000000.abcdef",
        "state": {"values": values},
    }
    payload = {"type": "view_submission", "trigger_id": "8.8.8", "view": sent}
    return interact(slack, payload, team)


def press_update(slack: SlackSide, fake: FakeSlackWebAPI, ref: str, team: str = TEAM) -> None:
    action = {"action_id": ids.UPDATE, "block_id": ids.controls_block(ref), "type": "button"}
    payload = {
        "type": "block_actions",
        "trigger_id": "9.9.9",
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": MESSAGE_TS},
        "response_url": fake.new_response_url(),
        "actions": [action | {"value": f"{ref} show", "action_ts": "1700000001.000200"}],
    }
    interact(slack, payload, team)


def log_message(
    slack: SlackSide, fake: FakeSlackWebAPI, text: str, channel: str = CHANNEL
) -> HttpAnswer:
    payload = {
        "type": "message_action",
        "callback_id": ids.LOG_MESSAGE_SHORTCUT,
        "trigger_id": "6.6.6",
        "channel": {"id": channel, "name": "apollo"},
        "message": {"type": "message", "user": BOB, "ts": MESSAGE_TS, "text": text},
        "message_ts": MESSAGE_TS,
        "response_url": fake.new_response_url(),
        "action_ts": "1700000001.000300",
    }
    return interact(slack, payload)


# Input states as Slack sends them in view.state.values (our block and action ids are equal).
def text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def user(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def option(value: str | None) -> dict[str, Any]:
    picked = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "static_select", "selected_option": picked}


def day(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def states(**elements: dict[str, Any]) -> dict[str, Any]:
    return {name: {name: element} for name, element in elements.items()}


RISK_FORM = states(
    title=text("Vendor may slip"),
    description=text("Their PM hinted at it"),
    category=text("supply"),
    likelihood=option("4"),
    impact=option("5"),
    owner=user(BOB),
    review=day("2026-11-27"),
    mitigation=text("weekly calls"),
)


def posts_to(fake: FakeSlackWebAPI, channel: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


@pytest.fixture
def apollo(slack: SlackSide) -> SlackSide:
    slack.reply("/pmo", "project Apollo")
    return slack


# -- the add form --------------------------------------------------------------------------------


def test_risk_add_without_text_opens_the_form_and_a_valid_one_is_logged(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    answer = command(apollo, "/risk add")

    assert answer.body == b""
    [call] = fake.calls_to("views.open")
    assert call.params["trigger_id"] == "7.7.7"
    form = opened(fake)
    assert form["callback_id"] == ids.ADD_VIEW
    assert form["title"]["text"] == "New risk"
    owner = next(b for b in form["blocks"] if b.get("block_id") == "owner")
    assert owner["element"]["initial_user"] == ALICE

    done = submit(apollo, form, RISK_FORM)

    assert done.body == b""  # closes the form
    [risk] = stored(sqlite_engine, Risk)
    assert (risk.number, risk.title, risk.description) == (
        1,
        "Vendor may slip",
        "Their PM hinted at it",
    )
    assert (risk.category, risk.likelihood, risk.impact) == ("supply", 4, 5)
    assert (risk.owner_id, risk.created_by) == (BOB, ALICE)
    assert (risk.review_on, risk.mitigation) == (date(2026, 11, 27), "weekly calls")
    [announcement] = posts_to(fake, CHANNEL)
    assert "R-1" in announcement["text"]
    assert "review Fri 27 Nov" in announcement["text"]


def test_an_action_form_with_a_due_time_is_read_in_the_submitters_zone(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    command(apollo, "/action add")
    values = states(title=text("send contract"), owner=user(ALICE), due=day("2026-11-20"))
    values |= {"due_time": {"due_time": {"type": "timepicker", "selected_time": "17:00"}}}

    submit(apollo, opened(fake), values)

    [action] = stored(sqlite_engine, Action)
    assert action.due_on == date(2026, 11, 20)
    assert action.due_at is not None
    assert action.due_at.isoformat().startswith("2026-11-20T17:00")  # London is on UTC in November


def test_a_form_with_bad_fields_answers_per_field_and_stores_nothing(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    command(apollo, "/risk add")
    bad = RISK_FORM | states(title=text(" "), review=day("2026-11-01"), owner=user(None))

    answer = submit(apollo, opened(fake), bad)

    assert answer.headers["content-type"].startswith("application/json")
    refusal = answer.json()
    assert refusal["response_action"] == "errors"
    assert set(refusal["errors"]) == {"title", "review", "owner"}
    assert "in the past" in refusal["errors"]["review"]
    assert count(sqlite_engine, Risk) == 0
    assert count(sqlite_engine, AuditEvent) == 0
    assert not fake.calls_to("chat.postMessage")


def test_each_kinds_form_opens_and_logs(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    command(apollo, "/issue add")
    issue = states(title=text("Build broken"), severity=option("high"), owner=user(BOB))
    submit(apollo, opened(fake), issue)
    command(apollo, "/decision add")
    decision = states(title=text("Use Postgres"), by=user(BOB), rationale=text("we know it"))
    submit(apollo, opened(fake), decision)

    [broken] = stored(sqlite_engine, Issue)
    assert (broken.title, broken.severity, broken.owner_id) == ("Build broken", "high", BOB)
    [postgres] = stored(sqlite_engine, Decision)
    assert (postgres.title, postgres.owner_id, postgres.rationale) == (
        "Use Postgres",
        BOB,
        "we know it",
    )
    assert len(posts_to(fake, CHANNEL)) == 2


def test_a_channel_without_a_project_explains_instead_of_opening_the_form(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    answer = command(slack, "/risk add")

    assert answer.body == b""
    view = opened(fake)
    assert "submit" not in view
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    assert "/pmo project" in view["blocks"][0]["text"]["text"]


def test_when_slack_wont_open_the_form_the_command_says_to_type_it(
    apollo: SlackSide, fake: FakeSlackWebAPI
) -> None:
    fake.fail_next("views.open", error="expired_trigger_id")

    answer = command(apollo, "/risk add")

    reply = answer.json()
    assert reply["response_type"] == "ephemeral"
    assert "I couldn't open the form" in reply_text(reply)
    assert "/risk add &lt;title&gt;" in reply_text(reply)


def test_a_form_for_a_project_deleted_meanwhile_keeps_the_form_and_says_why(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    command(apollo, "/risk add")
    form = opened(fake)
    form["private_metadata"] = form["private_metadata"].replace('"apollo"', '"gone"')

    answer = submit(apollo, form, RISK_FORM)

    pushed = answer.json()
    assert pushed["response_action"] == "push"
    assert "no project `gone`" in json.dumps(pushed["view"]["blocks"])
    assert count(sqlite_engine, Risk) == 0


# -- the edit form -------------------------------------------------------------------------------


def test_update_opens_the_edit_form_and_a_change_is_audited(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/risk", 'add Vendor may slip impact:high mitigation:"weekly calls"')

    press_update(apollo, fake, "R-1")

    form = opened(fake)
    assert form["callback_id"] == ids.EDIT_VIEW
    assert form["title"]["text"] == "Edit R-1"
    prefilled = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert prefilled["title"]["initial_value"] == "Vendor may slip"
    assert prefilled["impact"]["initial_option"]["value"] == "4"
    assert prefilled["mitigation"]["initial_value"] == "weekly calls"
    same = states(
        title=text("Vendor may slip"),
        description=text(None),
        category=text(None),
        likelihood=option("3"),
        impact=option("4"),
        owner=user(ALICE),
        review=day(None),
        mitigation=text("weekly calls"),
        status=option("open"),
    )

    assert submit(apollo, form, same).body == b""  # nothing changed: just closes
    assert [e.verb for e in stored(sqlite_engine, AuditEvent)] == ["created"]

    changed = same | states(impact=option("5"), status=option("mitigating"))
    assert submit(apollo, form, changed).body == b""

    [risk] = stored(sqlite_engine, Risk)
    assert (risk.impact, risk.status, risk.mitigation) == (5, "mitigating", "weekly calls")
    updated = [e for e in stored(sqlite_engine, AuditEvent) if e.verb == "updated"]
    assert [e.changes for e in updated] == [
        {"impact": ["4", "5"], "status": ["open", "mitigating"]}
    ]
    [announcement] = posts_to(fake, CHANNEL)  # the add came as the command's reply
    assert "R-1" in announcement["text"]
    history = reply_text(apollo.reply("/risk", "history R-1"))
    assert "impact" in history
    assert "mitigating" in history


def test_another_workspace_cannot_open_or_submit_an_edit(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/risk", "add Vendor may slip")
    press_update(apollo, fake, "R-1")
    form = opened(fake)

    press_update(apollo, fake, "R-1", team="T0EVIL")

    assert len(fake.calls_to("views.open")) == 1
    refusal = fake.responses[-1].payload
    assert refusal["response_type"] == "ephemeral"
    assert "There is no R-1" in refusal["text"]

    stolen = states(title=text("pwned"), owner=user(ALICE), status=option("open"))
    stolen |= states(likelihood=option("3"), impact=option("3"))
    answer = submit(apollo, form, stolen, team="T0EVIL")

    assert answer.json()["response_action"] == "push"
    assert "There is no R-1" in json.dumps(answer.json()["view"])
    assert stored(sqlite_engine, Risk)[0].title == "Vendor may slip"


# -- the message shortcut ------------------------------------------------------------------------


def test_a_message_is_logged_with_its_permalink(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    fake.set_response("chat.getPermalink", {"ok": True, "channel": CHANNEL, "permalink": LINK})

    log_message(apollo, fake, "&lt;Vendor&gt; may slip, says <@U0BOB>\nSee the call notes")

    [asked] = fake.calls_to("chat.getPermalink")
    assert (asked.params["channel"], asked.params["message_ts"]) == (CHANNEL, MESSAGE_TS)
    form = opened(fake)
    prefilled = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert prefilled["kind"]["initial_option"]["value"] == "A"
    title = "<Vendor> may slip, says <@U0BOB> See the call notes"
    assert prefilled["title"]["initial_value"] == title
    assert "project" not in prefilled

    values = states(title=text(title), owner=user(BOB), due=day("2026-11-24"))
    submit(apollo, form, values | states(kind=option("A")))

    [action] = stored(sqlite_engine, Action)
    assert (action.title, action.owner_id, action.source_link) == (title, BOB, LINK)
    assert "Source" in reply_text(apollo.reply("/action", "show A-1"))
    assert LINK in reply_text(apollo.reply("/action", "show A-1"))


def test_switching_the_kind_redraws_the_form_keeping_the_typed_title(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    fake.set_response("chat.getPermalink", {"ok": True, "channel": CHANNEL, "permalink": LINK})
    log_message(apollo, fake, "Vendor may slip")
    form = opened(fake)
    typed = states(kind=option("R"), title=text("Vendor may slip in March"), owner=user(BOB))
    view = {
        "id": "V0FORM",
        "hash": "1700000000.abcdef",
        "type": "modal",
        "callback_id": form["callback_id"],
        "private_metadata": form["private_metadata"],
        "blocks": form["blocks"],
        "state": {"values": typed},
    }
    action = {"action_id": ids.KIND_SELECT, "block_id": "kind", "type": "static_select"}
    action |= {"selected_option": typed["kind"]["kind"]["selected_option"], "action_ts": "1.2"}
    payload = {"type": "block_actions", "trigger_id": "5.5.5", "view": view, "actions": [action]}
    payload["container"] = {"type": "view", "view_id": "V0FORM"}

    interact(apollo, payload)

    [update] = fake.calls_to("views.update")
    assert (update.params["view_id"], update.params["hash"]) == ("V0FORM", "1700000000.abcdef")
    as_risk = opened(fake, "views.update")
    inputs = {b["block_id"]: b["element"] for b in as_risk["blocks"] if b["type"] == "input"}
    assert {"likelihood", "impact", "mitigation"} <= set(inputs)
    assert inputs["title"]["initial_value"] == "Vendor may slip in March"
    assert inputs["owner"]["initial_user"] == BOB

    submit(apollo, as_risk, RISK_FORM | states(title=text("Vendor may slip in March")))

    [risk] = stored(sqlite_engine, Risk)
    assert (risk.title, risk.source_link) == ("Vendor may slip in March", LINK)
    assert count(sqlite_engine, Action) == 0


def test_a_message_in_a_channel_without_a_project_picks_one(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    log_message(apollo, fake, "order more servers", channel=ELSEWHERE)
    form = opened(fake)
    picker = next(b for b in form["blocks"] if b.get("block_id") == "project")
    assert [o["value"] for o in picker["element"]["options"]] == ["apollo"]
    values = states(title=text("order more servers"), owner=user(ALICE))

    unpicked = submit(apollo, form, values | states(project=option(None))).json()
    assert unpicked["errors"] == {"project": "Pick the project to log this in."}
    submit(apollo, form, values | states(project=option("apollo")))

    [action] = stored(sqlite_engine, Action)
    [project] = stored(sqlite_engine, Project)
    assert action.project_id == project.id
    assert action.source_link is None  # the fake Slack gave no permalink
    assert len(posts_to(fake, CHANNEL)) == 1  # announced in the project's own channel
    assert not posts_to(fake, ELSEWHERE)


def test_a_message_in_a_workspace_without_projects_explains_how_to_start(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    log_message(slack, fake, "order more servers", channel=ELSEWHERE)

    view = opened(fake)
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    assert "/pmo project" in view["blocks"][0]["text"]["text"]
