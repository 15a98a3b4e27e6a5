"""Workspace isolation: from a second workspace whose ids collide with the first's (both have
R-1, A-1, I-1, D-1), every command, button, form and event that names the first's items by
human id or database id changes nothing there and shows none of it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.services.tick import run_tick
from handlers import ids
from handlers.blocks.reminders import render_due
from storage.models import Base, Standup, Workspace
from tests.conftest import ALICE, BOB, CHANNEL, TEAM, make_deps
from tests.reliability.hostile_support import Watch, running_app, send_command
from tests.scenario.conftest import SlackSide
from tests.support.fakes import RecordingGateway
from tests.support.signing import event_body, interaction_body, sign

OTHER_TEAM, OTHER_CHANNEL, ZED = "T0002", "C0OTHER", "U0ZED"
SECRET = "T1SECRET"
# The whole grammar, run from the other workspace against ids the first one holds.
COMMANDS = [
    ("/risk", "add Theirs"), ("/risk", "list all"), ("/risk", "list mine"),
    ("/risk", "show R-1"), ("/risk", "history R-1"), ("/risk", "show R-2"),
    ("/risk", "update R-2 title:hijacked"), ("/risk", "close R-2 gone"), ("/risk", "reopen R-2"),
    ("/risk", "occurred R-2"), ("/risk", "export"), ("/risk", "export project:apollo"),
    ("/risk", "list project:apollo"), ("/risk", f"list project:#{CHANNEL}"),
    ("/action", "list all"), ("/action", "show A-2"), ("/action", "done A-2"),
    ("/action", "reopen A-2"), ("/action", f"assign A-2 <@{ZED}|zed>"),
    ("/action", "due A-2 friday"), ("/action", "snooze A-2 monday"), ("/action", "history A-2"),
    ("/issue", "list all"), ("/issue", "show I-2"), ("/issue", "update I-2 severity:low"),
    ("/issue", "resolve I-2 fixed"), ("/issue", "reopen I-2"), ("/issue", "export"),
    ("/decision", "list all"), ("/decision", "show D-2"), ("/decision", "supersede D-2 D-1"),
    ("/decision", "supersede D-1 D-2"), ("/decision", "update D-2 rationale:x"),
    ("/decision", "export"), ("/pmo", "status"), ("/pmo", "status red stolen"),
    ("/pmo", "status project:apollo"), ("/pmo", "portfolio"), ("/pmo", "project"),
    ("/pmo", "reminders"), ("/pmo", "reminders off project:apollo"), ("/pmo", "holiday list"),
    ("/pmo", "holiday add 2026-12-24 all"), ("/pmo", "away friday"), ("/pmo", "help"),
    ("/standup", "report"), ("/standup", "now"), ("/standup", "help"), ("/standup", "off"),
    ("/pmo", "digest"), ("/pmo", "digest preview project:apollo"),
    ("/pmo", "digest now project:apollo"), ("/pmo", "digest schedule monday 09:00 project:apollo"),
    ("/pmo", "digest off project:apollo"), ("/pmo", "digest mentions on project:apollo"),
    ("/pmo", "digest preview"), ("/pmo", "digest now"), ("/pmo", "portfolio digest"),
    ("/pmo", f"portfolio digest <#{CHANNEL}|apollo> monday 09:00"),
    ("/pmo", f"portfolio digest off <#{CHANNEL}|apollo>"),
]  # fmt: skip


def post(slack: SlackSide, body: str, content_type: str) -> None:
    data = body.encode()
    headers = {"Content-Type": content_type, **sign(data, slack.secret, int(time.time()))}
    answer = slack.request("POST", "/slack/events", data, headers)
    assert answer.status == 200, answer.body


def interact(slack: SlackSide, fake: Any, payload: dict[str, Any]) -> None:
    who = {
        "team": {"id": OTHER_TEAM, "domain": "other"},
        "user": {"id": ZED, "team_id": OTHER_TEAM},
    }
    base = {"api_app_id": "A0PMO", "token": "legacy", "trigger_id": "1.2.3"}
    base["response_url"] = fake.new_response_url()
    post(slack, interaction_body(base | who | payload), "application/x-www-form-urlencoded")


def button(action_id: str, value: str) -> dict[str, Any]:
    action = {"action_id": action_id, "block_id": ids.controls_block(value.replace(" ", "|"))}
    action |= {"type": "button", "value": value, "action_ts": "1700000001.000200"}
    return {
        "type": "block_actions",
        "channel": {"id": OTHER_CHANNEL},
        "container": {"type": "message", "channel_id": OTHER_CHANNEL, "is_ephemeral": True},
        "actions": [action],
    }


def submission(callback_id: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": "V0X",
        "team_id": OTHER_TEAM,
        "type": "modal",
        "callback_id": callback_id,
    }
    view |= {"private_metadata": metadata, "blocks": [], "hash": "1.a", "state": {"values": values}}
    return {"type": "view_submission", "view": view}


def snapshot(engine: Engine, team: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that belongs to `team`'s workspace."""
    with Session(engine) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == team)).one()
        found = {}
        for table in Base.metadata.sorted_tables:
            if "workspace_id" in table.columns:
                stmt = select(table).where(table.c.workspace_id == ws)
                found[table.name] = sorted(map(tuple, session.execute(stmt)), key=repr)
        return found


@pytest.fixture
def two_workspaces(any_engine: Engine) -> Any:
    with running_app(any_engine) as (slack, fake):
        fake.set_user(ZED, "UTC", "zed")
        for line in (
            "/pmo project Apollo",
            f"/risk add {SECRET} risk one", f"/risk add {SECRET} risk two owner:<@{BOB}|bob>",
            f"/action add {SECRET} action one", f"/action add {SECRET} action two due tomorrow",
            f"/issue add {SECRET} issue one", f"/issue add {SECRET} issue two",
            f"/decision add {SECRET} decision one", f"/decision add {SECRET} decision two",
            f"/pmo status amber {SECRET} reason", "/standup at 09:30",
        ):  # fmt: skip
            name, _, text = line.partition(" ")
            slack.reply(name, text)
        for line in (
            "/pmo project Apollo",
            "/risk add ours",
            "/action add T2MARK ours due tomorrow",
        ):
            name, _, text = line.partition(" ")
            send_command(slack, fake, name, text, team_id=OTHER_TEAM, user_id=ZED,
                         channel_id=OTHER_CHANNEL)  # fmt: skip
        for kind in ("/issue", "/decision"):
            send_command(slack, fake, kind, "add ours", team_id=OTHER_TEAM, user_id=ZED,
                         channel_id=OTHER_CHANNEL)  # fmt: skip
        slack.settle()
        yield slack, fake


def test_nothing_from_another_workspace_reaches_the_first(
    two_workspaces: Any, any_engine: Engine
) -> None:
    slack, fake = two_workspaces
    before = snapshot(any_engine, TEAM)
    watch = Watch(slack, fake)
    calls_before, responses_before = len(fake.calls), len(fake.responses)
    replies_before = len(slack.replies)
    watch.calls_seen, watch.responses_seen = calls_before, responses_before
    watch.replies_seen = replies_before
    with Session(any_engine) as session:
        standup_id = session.scalars(select(Standup.id)).first()
        pks = list(range(1, 8))
    for name, text in COMMANDS:
        send_command(slack, fake, name, text, team_id=OTHER_TEAM, user_id=ZED,
                     channel_id=OTHER_CHANNEL)  # fmt: skip
    for action_id in (ids.DONE, ids.SNOOZE_DAY, ids.SNOOZE_WEEK, ids.CLOSE, ids.UPDATE):
        for value in (
            "A-2",
            "R-2",
            "A-2 show",
            "R-2 list:open::apollo:1",
            "A-2 list:all::apollo:1",
        ):
            interact(slack, fake, button(action_id, value))
    reassign = button(ids.REASSIGN, "A-2")
    reassign["actions"][0] |= {"type": "users_select", "selected_user": ZED}
    interact(slack, fake, reassign)
    for pk in pks:  # guessed database ids, where payloads carry them
        interact(slack, fake, button(ids.STANDUP_ANSWER, f"{standup_id or pk}:2026-11-19"))
        interact(slack, fake, button(ids.STANDUP_LOG_BLOCKER, str(pk)))
        interact(slack, fake, button(ids.HOME_SEE_ALL, "actions"))
        answers = {"standup_answer_0": {"answer": {"type": "plain_text_input", "value": "x"}}}
        interact(slack, fake, submission(ids.STANDUP_VIEW, f"{pk}:2026-11-19", answers))
    for number in (1, 2):
        edit: dict[str, Any] = {
            "kind": "R",
            "channel": CHANNEL,
            "project": "apollo",
            "number": number,
        }
        edit["shown"] = {"title": "x"}
        title = {"title": {"title": {"type": "plain_text_input", "value": "hijacked"}}}
        interact(slack, fake, submission(ids.EDIT_VIEW, json.dumps(edit), title))
        add = {"kind": "R", "channel": CHANNEL, "project": "apollo"}
        interact(slack, fake, submission(ids.ADD_VIEW, json.dumps(add), title))
    shortcut: dict[str, Any] = {"type": "message_action", "callback_id": ids.LOG_MESSAGE_SHORTCUT}
    shortcut |= {"channel": {"id": CHANNEL}, "message_ts": "1700000000.000100"}
    shortcut |= {
        "message": {"type": "message", "user": ALICE, "ts": "1700000000.000100", "text": "hi"}
    }
    interact(slack, fake, shortcut)
    for text in ("risk: ours R-2", "action: <@U0ALICE> A-2", "hello"):
        event: dict[str, Any] = {"type": "app_mention", "user": ZED, "text": f"<@U0PMOBOT> {text}"}
        event |= {"channel": CHANNEL, "ts": "1700000100.000100"}
        post(slack, event_body(event, team_id=OTHER_TEAM), "application/json")
    home = {"type": "app_home_opened", "user": ZED, "channel": "D0ZED", "tab": "home"}
    post(slack, event_body(home, team_id=OTHER_TEAM), "application/json")
    watch.check_new()

    assert snapshot(any_engine, TEAM) == before
    assert any(SECRET in json.dumps(r) for r in slack.replies[:replies_before]), "a live check"
    seen = [json.dumps(r, ensure_ascii=False) for r in slack.replies[replies_before:]]
    seen += [json.dumps(p.payload, ensure_ascii=False) for p in fake.responses[responses_before:]]
    calls = fake.calls[calls_before:]
    seen += [json.dumps(c.params, ensure_ascii=False) for c in calls]
    leaks = [s for s in seen if SECRET in s]
    assert not leaks, leaks[:3]


def test_reminders_go_only_to_each_workspaces_own_people(
    two_workspaces: Any, any_engine: Engine
) -> None:
    gateway = RecordingGateway()
    friday_morning = FixedClock(datetime(2026, 11, 20, 9, 5, tzinfo=UTC))
    run_tick(make_deps(any_engine, friday_morning, gateway), render_due, worker="w1")

    sends = [p for p in gateway.posts if p["kind"] == "send" and p["key"].startswith("reminder:")]
    by_team = {team: [p for p in sends if f":{team}:" in p["key"]] for team in (TEAM, OTHER_TEAM)}
    assert by_team[TEAM], [p["key"] for p in sends]
    assert by_team[OTHER_TEAM], [p["key"] for p in sends]
    for post_ in by_team[OTHER_TEAM]:
        assert post_["channel"] == ZED, post_["key"]
        assert SECRET not in json.dumps(post_, ensure_ascii=False, default=str)
    for post_ in by_team[TEAM]:
        assert post_["channel"] in (ALICE, BOB), post_["key"]
        assert "T2MARK" not in json.dumps(post_, ensure_ascii=False, default=str)
