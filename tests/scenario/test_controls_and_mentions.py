"""Buttons on items and @-mentions, as signed requests through the real app."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from handlers import ids
from storage.models import Action, AuditEvent, Risk, UserProfile
from tests.conftest import ALICE, BOB, CHANNEL, TEAM
from tests.scenario.conftest import SlackSide, count, stored
from tests.support.http import HttpAnswer
from tests.support.signing import event_body, interaction_body, sign
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.slack_specs import message_text_chars, specs_available, validate_blocks

BOT = "U0PMOBOT"
EPHEMERAL_LIST = "list:open::apollo:1"


def post(slack: SlackSide, body: str, content_type: str, **headers: str) -> HttpAnswer:
    data = body.encode()
    signed = {"Content-Type": content_type, **sign(data, slack.secret, int(time.time()))}
    return slack.request("POST", "/slack/events", data, {**signed, **headers})


def press(
    slack: SlackSide,
    fake: FakeSlackWebAPI,
    action_id: str,
    value: str,
    *,
    team: str = TEAM,
    message: dict[str, Any] | None = None,
    selected_user: str | None = None,
    user: str = ALICE,
    channel: str = CHANNEL,
    home: str | None = None,
) -> HttpAnswer:
    """A press on an item's button; `home` is the presser's own workspace when it is not the
    one whose app drew the button (`team`), as Slack sends it from a Slack Connect channel
    (`user.team_id`, slackapi/java-slack-sdk#1041)."""
    ref = value.split()[0]
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": ids.controls_block(value.replace(" ", "|")),
        "type": "users_select" if selected_user else "button",
        "action_ts": "1700000001.000200",
    }
    if selected_user:
        action["selected_user"] = selected_user
    else:
        action["value"] = value
    container: dict[str, Any] = {"type": "message", "channel_id": channel}
    container |= {"message_ts": "1700000000.000100", "is_ephemeral": message is None}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": home or team},
        "api_app_id": "A0PMO",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "channel": {"id": channel},
        "container": container,
        "response_url": fake.new_response_url(),
        "actions": [action],
    }
    if message is not None:
        payload["message"] = message
    answer = post(slack, interaction_body(payload), "application/x-www-form-urlencoded")
    assert answer.status == 200, (ref, answer.body)
    return answer


def mention(
    slack: SlackSide, text: str, *, event_id: str = "Ev0MENTION1", retry: int | None = None
) -> HttpAnswer:
    event = {
        "type": "app_mention",
        "user": ALICE,
        "text": f"<@{BOT}> {text}",
        "ts": "1700000100.000100",
        "channel": CHANNEL,
    }
    headers = (
        {}
        if retry is None
        else {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    )
    answer = post(
        slack, event_body(event, team_id=TEAM, event_id=event_id), "application/json", **headers
    )
    assert answer.status == 200, answer.body
    return answer


@pytest.fixture
def apollo(slack: SlackSide, fake: FakeSlackWebAPI) -> SlackSide:
    fake.set_user(ALICE, tz="Europe/London", name="alice")
    fake.set_user(BOB, tz="America/New_York", name="bob")
    slack.reply("/pmo", "project Apollo")
    return slack


def last_response(fake: FakeSlackWebAPI) -> dict[str, Any]:
    assert fake.responses, "nothing was sent to the response_url"
    payload = fake.responses[-1].payload
    if payload.get("blocks") and specs_available():
        validate_blocks(payload["blocks"])
    return payload


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False) + str(payload.get("text", ""))


def test_lists_carry_controls_and_done_redraws_the_list_in_place(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract due tomorrow")
    listing = apollo.reply("/action", "list")
    actions = [b for b in listing["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        ids.DONE,
        ids.SNOOZE_DAY,
        ids.SNOOZE_WEEK,
        ids.REASSIGN,
    ]
    drawn = f"A-1 {EPHEMERAL_LIST} due=2026-11-20 owner={ALICE}"  # what the buttons act on
    assert actions[0]["elements"][0]["value"] == drawn

    press(apollo, fake, ids.DONE, drawn)

    [action] = stored(sqlite_engine, Action)
    assert (action.status, action.done_at is not None) == ("done", True)
    redrawn = last_response(fake)
    assert redrawn["replace_original"] is True
    assert "<@U0ALICE> completed A-1" in all_text(redrawn)
    assert "Actions* in *Apollo*: none" in all_text(redrawn)  # A-1 left the open list
    [announcement] = fake.calls_to("chat.postMessage")
    assert announcement.params["channel"] == CHANNEL
    assert "completed" in announcement.params["text"]


def test_a_second_press_changes_nothing_and_says_so(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    press(apollo, fake, ids.DONE, f"A-1 {EPHEMERAL_LIST}")
    audits = count(sqlite_engine, AuditEvent)

    press(apollo, fake, ids.DONE, f"A-1 {EPHEMERAL_LIST}")

    assert count(sqlite_engine, AuditEvent) == audits
    assert "already done" in all_text(last_response(fake))
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_snooze_a_week_moves_a_late_action_from_today(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine, clock: FixedClock
) -> None:
    apollo.reply("/action", "add send contract due tomorrow")
    clock.advance(timedelta(days=3))  # now Sunday 22 Nov, the action two days late
    press(apollo, fake, ids.SNOOZE_WEEK, "A-1 show")

    [action] = stored(sqlite_engine, Action)
    assert action.due_on == date(2026, 11, 29)
    assert "snoozed A-1 to Sun 29 Nov" in all_text(last_response(fake))


def test_reassign_with_the_user_picker(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    press(apollo, fake, ids.REASSIGN, f"A-1 {EPHEMERAL_LIST}", selected_user=BOB)

    [action] = stored(sqlite_engine, Action)
    assert action.owner_id == BOB
    assert f"reassigned A-1 to <@{BOB}>" in all_text(last_response(fake))


def test_close_a_risk_from_its_detail(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/risk", "add Vendor may slip")
    detail = apollo.reply("/risk", "show R-1")
    controls = next(b for b in detail["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in controls["elements"]] == [ids.UPDATE, ids.CLOSE]

    press(apollo, fake, ids.CLOSE, "R-1 show")

    [risk] = stored(sqlite_engine, Risk)
    assert risk.status == "closed"
    redrawn = all_text(last_response(fake))
    assert "closed R-1" in redrawn
    assert ids.CLOSE not in redrawn  # a closed risk has no controls left


def test_a_bot_message_is_updated_with_chat_update(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    listing = apollo.reply("/action", "list")
    blocks = [b for b in listing["blocks"] if str(b.get("block_id", "")).endswith("A-1")]
    message = {
        "type": "message",
        "ts": "1700000000.000100",
        "text": "Your actions",
        "blocks": blocks,
    }

    press(apollo, fake, ids.DONE, "A-1", message=message)

    [update] = fake.calls_to("chat.update")
    sent = (
        json.loads(update.params["blocks"])
        if isinstance(update.params["blocks"], str)
        else update.params["blocks"]
    )
    assert [b["type"] for b in sent] == ["section", "context"]  # the line, the note; no controls
    assert "_done_" in sent[0]["text"]["text"]
    assert stored(sqlite_engine, Action)[0].status == "done"


def test_another_workspace_cannot_press_our_buttons(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract")
    press(apollo, fake, ids.DONE, f"A-1 {EPHEMERAL_LIST}", team="T0EVIL")

    assert stored(sqlite_engine, Action)[0].status == "open"
    refusal = last_response(fake)
    assert refusal["response_type"] == "ephemeral"
    assert "There is no A-1" in all_text(refusal)


def test_a_mention_logs_an_action_and_replies_in_the_thread(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    fake.set_response("chat.getPermalink", {"ok": True, "permalink": "https://acme.slack.com/p1"})
    mention(apollo, "action: <@U0BOB> send the signed contract by friday")

    [action] = stored(sqlite_engine, Action)
    assert (action.title, action.owner_id, action.due_on) == (
        "send the signed contract",
        BOB,
        date(2026, 11, 20),
    )
    assert action.source_link == "https://acme.slack.com/p1"
    [reply] = fake.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == "1700000100.000100"
    assert "logged A-1" in reply.params["text"]


def test_other_mentions_get_help_and_bad_ones_an_explanation(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    mention(apollo, "how are you?", event_id="Ev0HELLO")
    mention(apollo, "action: call the vendor due someday", event_id="Ev0BAD")

    assert count(sqlite_engine, Action) == 0
    help_reply, refusal = fake.calls_to("chat.postMessage")
    assert "action: @bob send the signed contract" in help_reply.params["text"] + json.dumps(
        help_reply.params.get("blocks", "")
    )
    assert "someday" in refusal.params["text"]
    assert refusal.params["thread_ts"] == "1700000100.000100"


def test_a_profile_change_refreshes_the_cached_zone(
    apollo: SlackSide, sqlite_engine: Engine
) -> None:
    event = {
        "type": "user_change",
        "user": {"id": ALICE, "team_id": TEAM, "tz": "Asia/Tokyo", "profile": {}},
        "event_ts": "1700000200.000100",
    }
    answer = post(apollo, event_body(event, team_id=TEAM), "application/json")

    assert answer.status == 200
    zones = {p.user_id: p.timezone for p in stored(sqlite_engine, UserProfile)}
    assert zones[ALICE] == "Asia/Tokyo"


def test_thirty_presses_on_a_big_message_keep_one_note_within_the_limits(
    apollo: SlackSide, fake: FakeSlackWebAPI
) -> None:
    """Each press redraws the message with its note in place of the last (it was one more
    block every press: 23 Snoozes took a 28-block reminder to 51, which Slack refuses)."""
    for n in range(13):
        apollo.reply("/action", f"add {('R&D <draft> ' * 30)[:290]} {n} due friday")
    listing = apollo.reply("/action", "list")["blocks"]
    as_posted = (
        json.dumps(listing).replace(f" {EPHEMERAL_LIST}", "").replace(f"|{EPHEMERAL_LIST}", "")
    )
    blocks: list[dict[str, Any]] = json.loads(as_posted)  # buttons without the list's origin,
    message = {"type": "message", "ts": "1700000000.000100", "text": "Actions", "blocks": blocks}
    for press_number in range(30):
        controls = [b for b in blocks if b["type"] == "actions"]
        button = next(
            e for e in controls[press_number % len(controls)]["elements"]
            if e["action_id"] == ids.SNOOZE_DAY
        )  # fmt: skip
        press(apollo, fake, ids.SNOOZE_DAY, button["value"], message=message)
        update = fake.calls_to("chat.update")[-1]
        sent = update.params["blocks"]
        blocks = json.loads(sent) if isinstance(sent, str) else sent
        message["blocks"] = blocks  # as a reminder's: what Slack sends back with the next press

        assert len(blocks) <= 50, press_number
        assert message_text_chars(blocks) <= 12_000, press_number
    notes = [b for b in blocks if b.get("block_id") == ids.NOTE_BLOCK]
    assert len(notes) == 1
    assert len(blocks) == len(listing) + 1
