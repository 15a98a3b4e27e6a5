"""Standup answers through the real app: the prompt's button and modal, replies and edits in
the DM (retries included), and a posted blocker logged as an issue."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.domain import DEFAULT_QUESTIONS
from handlers import ids
from storage.models import Delivery, Issue, Standup, StandupAnswer, StandupThread, Workspace
from tests.conftest import ALICE, BOB, CHANNEL, START, TEAM
from tests.scenario.conftest import SlackSide, stored
from tests.support.http import HttpAnswer
from tests.support.signing import event_body, interaction_body, new_view_id, sign
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.slack_specs import specs_available, validate_blocks

DAY = date(2026, 11, 19)
DM = "D0ALICE"
REPLY_TS = "1700000300.000100"


# -- playing Slack's part ------------------------------------------------------------------------


def post(slack: SlackSide, body: str, content_type: str, **headers: str) -> HttpAnswer:
    data = body.encode()
    signed = {"Content-Type": content_type, **sign(data, slack.secret, int(time.time()))}
    answer = slack.request("POST", "/slack/events", data, {**signed, **headers})
    assert answer.status == 200, answer.body
    return answer


def interact(slack: SlackSide, payload: dict[str, Any]) -> HttpAnswer:
    who = {"team": {"id": TEAM, "domain": "acme"}, "user": {"id": ALICE, "team_id": TEAM}}
    body = interaction_body({"api_app_id": "A0PMO", "token": "legacy", **who, **payload})
    return post(slack, body, "application/x-www-form-urlencoded")


def press(
    slack: SlackSide, fake: FakeSlackWebAPI, action_id: str, value: str, channel: str
) -> HttpAnswer:
    action = {"action_id": action_id, "block_id": "b", "type": "button", "value": value}
    return interact(
        slack,
        {
            "type": "block_actions",
            "trigger_id": "5.5.5",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.2"},
            "response_url": fake.new_response_url(),
            "actions": [action | {"action_ts": "1700000001.000200"}],
        },
    )


def submit(
    slack: SlackSide, view: dict[str, Any], values: dict[str, Any], *, view_id: str | None = None
) -> HttpAnswer:
    sent = {
        "id": view_id or new_view_id(),
        "team_id": TEAM,
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "blocks": view["blocks"],
        "hash": "1700000000.abcdef",
        "state": {"values": values},
    }
    return interact(slack, {"type": "view_submission", "trigger_id": "8.8.8", "view": sent})


def message_event(
    slack: SlackSide, event: dict[str, Any], event_id: str, retry: int | None = None
) -> HttpAnswer:
    headers = {} if retry is None else {"X-Slack-Retry-Num": str(retry)}
    if retry is not None:
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    body = event_body(event, team_id=TEAM, event_id=event_id)
    return post(slack, body, "application/json", **headers)


def reply(slack: SlackSide, text: str, event_id: str, retry: int | None = None) -> HttpAnswer:
    event = {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": ALICE,
        "text": text,
        "ts": REPLY_TS,
    }
    return message_event(slack, event, event_id, retry)


def edit(slack: SlackSide, text: str, previous: str, event_id: str) -> HttpAnswer:
    event = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": DM,
        "channel_type": "im",
        "ts": "1700000400.000100",
        "message": {
            "type": "message",
            "user": ALICE,
            "text": text,
            "ts": REPLY_TS,
            "edited": {"user": ALICE, "ts": "1700000400.000100"},
        },
        "previous_message": {"type": "message", "user": ALICE, "text": previous, "ts": REPLY_TS},
    }
    return message_event(slack, event, event_id)


def opened(fake: FakeSlackWebAPI) -> dict[str, Any]:
    calls = fake.calls_to("views.open")
    assert calls, "no views.open call"
    raw = calls[-1].params["view"]
    view: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    if specs_available():
        validate_blocks(view["blocks"], surface="modal")
    return view


def posts(fake: FakeSlackWebAPI, channel: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    raw = params.get("blocks") or []
    blocks: list[dict[str, Any]] = json.loads(raw) if isinstance(raw, str) else raw
    return blocks


def answer_states(*answers: str | None) -> dict[str, Any]:
    return {
        f"standup_answer_{n}": {"answer": {"type": "plain_text_input", "value": value}}
        for n, value in enumerate(answers)
    }


# -- the standup and its prompt, as the commands and the scheduler leave them ---------------------


@pytest.fixture
def standup(slack: SlackSide, sqlite_engine: Engine) -> int:
    return seed_standup(slack, sqlite_engine)


def seed_standup(slack: SlackSide, engine: Engine) -> int:
    """Apollo's daily standup, asking Alice and Bob, with today's prompt sent to Alice."""
    slack.reply("/pmo", "project Apollo")  # the workspace, and a project for blockers
    with Session(engine) as session, session.begin():
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == TEAM)).one()
        row = Standup(
            workspace_id=ws,
            channel_id=CHANNEL,
            enabled=True,
            at_time="09:30",
            days="mon,tue,wed,thu,fri",
            questions=list(DEFAULT_QUESTIONS),
            members_mode="list",
            members=[ALICE, BOB],
            nudge_minutes=120,
            cutoff_minutes=240,
            timezone="Europe/London",
            created_by=ALICE,
            created_at=START,
            updated_at=START,
        )
        session.add(row)
        session.flush()
        session.add(
            Delivery(
                workspace_id=ws,
                key=f"standup-prompt:{TEAM}:{row.id}:{ALICE}:{DAY.isoformat()}",
                kind="standup-prompt",
                target=ALICE,
                local_day=DAY,
                status="sent",
                attempts=1,
                sent_at=START,
                created_at=START,
            )
        )
        return row.id


# -- the modal -----------------------------------------------------------------------------------


def test_the_answer_button_opens_the_modal_and_a_valid_submission_is_posted(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, standup: int
) -> None:
    press(slack, fake, ids.STANDUP_ANSWER, f"{standup}:2026-11-19", DM)

    form = opened(fake)
    assert (form["callback_id"], form["private_metadata"]) == (
        ids.STANDUP_VIEW,
        f"{standup}:2026-11-19",
    )
    inputs = [b for b in form["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == list(DEFAULT_QUESTIONS)

    refused = submit(slack, form, answer_states(None, "  ", None))
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"standup_answer_0": "Answer at least one question."},
    }
    too_long = submit(slack, form, answer_states("x" * 2001, None, None))
    assert "2,001 characters" in too_long.json()["errors"]["standup_answer_0"]
    assert stored(sqlite_engine, StandupAnswer) == []

    done = submit(slack, form, answer_states("the login page", "the signup form", "the vendor"))

    assert done.body == b""  # closes the modal
    [row] = stored(sqlite_engine, StandupAnswer)
    assert (row.user_id, row.source, row.answers) == (
        ALICE,
        "modal",
        ["the login page", "the signup form", "the vendor"],
    )
    parent, answer = posts(fake, CHANNEL)
    assert parent["text"] == "Standup — Thu 19 Nov"
    assert "thread_ts" not in parent
    [thread] = stored(sqlite_engine, StandupThread)
    assert answer["thread_ts"] == thread.parent_ts
    assert ":no_entry: the vendor" in json.dumps(blocks_of(answer))

    press(slack, fake, ids.STANDUP_ANSWER, f"{standup}:2026-11-19", DM)  # to change them
    inputs = [b for b in opened(fake)["blocks"] if b["type"] == "input"]
    assert inputs[0]["element"]["initial_value"] == "the login page"


def test_someone_not_in_the_standup_is_told_so(
    slack: SlackSide, fake: FakeSlackWebAPI, standup: int
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0STRANGER", "team_id": TEAM},
        "trigger_id": "5.5.5",
        "channel": {"id": "D0STRANGER"},
        "container": {"type": "message", "channel_id": "D0STRANGER", "message_ts": "1.2"},
        "response_url": fake.new_response_url(),
        "actions": [
            {
                "action_id": ids.STANDUP_ANSWER,
                "block_id": "b",
                "type": "button",
                "value": f"{standup}:2026-11-19",
                "action_ts": "1700000001.000200",
            }
        ],
    }
    interact(slack, payload)

    assert fake.calls_to("views.open") == []
    assert "not in <#C0APOLLO>'s standup" in json.dumps(fake.responses[-1].payload)


# -- the DM ------------------------------------------------------------------------------------


def test_a_dm_reply_is_posted_and_acknowledged_and_a_retry_does_nothing_twice(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, standup: int
) -> None:
    text = "the login page\nthe signup form\nnone"
    reply(slack, text, "Ev0REPLY")
    for retry in (1, 2):
        reply(slack, text, "Ev0REPLY", retry=retry)

    [row] = stored(sqlite_engine, StandupAnswer)
    assert (row.source, row.dm_ts, row.answers) == (
        "dm",
        REPLY_TS,
        ["the login page", "the signup form", "none"],
    )
    parent, answer = posts(fake, CHANNEL)
    assert "thread_ts" not in parent
    assert answer["thread_ts"] == stored(sqlite_engine, StandupThread)[0].parent_ts
    assert ids.STANDUP_LOG_BLOCKER not in json.dumps(blocks_of(answer))  # "none" blocks nothing
    [ack] = posts(fake, DM)
    assert ack["text"] == ":white_check_mark: Posted in <#C0APOLLO>'s standup thread."


def test_an_edited_dm_reply_updates_the_post(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, standup: int
) -> None:
    reply(slack, "the login page\nthe signup form\nnone", "Ev0FIRST")
    [row] = stored(sqlite_engine, StandupAnswer)

    edit(slack, "the login page\nthe signup form\nthe vendor", "old", "Ev0EDIT")
    edit(slack, "the login page\nthe signup form\nthe vendor", "old", "Ev0EDIT")  # a retry

    [update] = fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, row.posted_ts)
    assert ids.STANDUP_LOG_BLOCKER in json.dumps(blocks_of(update.params))
    [row] = stored(sqlite_engine, StandupAnswer)
    assert row.answers[2] == "the vendor"
    assert len(posts(fake, CHANNEL)) == 2  # the parent and the one answer: nothing new
    assert posts(fake, DM)[-1]["text"].startswith(":white_check_mark: Updated your answers")


def test_a_dm_with_no_prompt_gets_help_and_our_own_messages_are_ignored(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")
    reply(slack, "hello there", "Ev0HELLO")
    ours = {"type": "message", "channel": DM, "channel_type": "im", "user": "UBOT"}
    message_event(slack, ours | {"bot_id": "BBOT", "text": "hi", "ts": "1.5"}, "Ev0OURS")

    [help_reply] = posts(fake, DM)
    assert "one line per question" in json.dumps(blocks_of(help_reply))
    assert stored(sqlite_engine, StandupAnswer) == []


# -- blockers as issues ---------------------------------------------------------------------------


def test_the_blocker_button_opens_the_issue_form_and_logs_the_issue(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, standup: int
) -> None:
    fake.set_response("chat.getPermalink", {"ok": True, "permalink": "https://acme.slack.com/p9"})
    reply(slack, "the login page\nthe signup form\nwaiting on the vendor's API keys", "Ev0BLOCK")
    [row] = stored(sqlite_engine, StandupAnswer)
    answer = posts(fake, CHANNEL)[-1]
    assert f'"value": "{row.id}"' in json.dumps(blocks_of(answer))

    press(slack, fake, ids.STANDUP_LOG_BLOCKER, str(row.id), CHANNEL)

    form = opened(fake)
    assert form["callback_id"] == ids.ADD_VIEW
    by_id = {b.get("block_id"): b for b in form["blocks"]}
    assert by_id["title"]["element"]["initial_value"] == "waiting on the vendor's API keys"
    assert by_id["owner"]["element"]["initial_user"] == ALICE
    assert by_id["kind"]["element"]["initial_option"]["value"] == "I"

    values = {
        "title": {"title": {"type": "plain_text_input", "value": "waiting on the vendor's keys"}},
        "owner": {"owner": {"type": "users_select", "selected_user": ALICE}},
        "severity": {
            "severity": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "High"},
                    "value": "high",
                },
            }
        },
    }
    submit(slack, form, values)

    [issue] = stored(sqlite_engine, Issue)
    assert (issue.title, issue.owner_id, issue.severity) == (
        "waiting on the vendor's keys",
        ALICE,
        "high",
    )
    assert issue.source_link == "https://acme.slack.com/p9"


def test_the_blocker_button_explains_how_to_make_a_project_when_there_is_none(
    slack: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, standup: int
) -> None:
    with Session(sqlite_engine) as session, session.begin():
        session.get_one(Standup, standup).channel_id = "C0NOPROJECT"
    reply(slack, "a\nb\nblocked by the rig", "Ev0NOPROJ")
    [row] = stored(sqlite_engine, StandupAnswer)

    press(slack, fake, ids.STANDUP_LOG_BLOCKER, str(row.id), "C0NOPROJECT")

    form = opened(fake)
    assert form.get("callback_id") != ids.ADD_VIEW  # nothing to submit
    assert "/pmo project" in json.dumps(form["blocks"])
