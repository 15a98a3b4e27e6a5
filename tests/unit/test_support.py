"""Tests that the Slack test helpers (specs, fake Web API, signing) pass good input, catch bad."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.support.signing import event_body, sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack
from tests.support.slack_specs import (
    require_specs,
    validate_blocks,
    validate_event_envelope,
    validate_message_payload,
    validate_web_api_call,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


GOOD_BLOCKS = [
    header("Apollo — weekly digest"),
    section("*RAG:* :large_green_circle: on track"),
    {"type": "divider"},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Owner: <@U0ALICE>"}]},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open RAID log"},
                "action_id": "open_raid",
                "value": "apollo",
            }
        ],
    },
]


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    yield from serve_fake_slack()


def client_for(fake: FakeSlackWebAPI, **kwargs: Any) -> WebClient:
    return WebClient(base_url=fake.base_url, token="xoxb-test", **kwargs)


# -- Block Kit and messages --------------------------------------------------------------------


def test_valid_blocks_pass() -> None:
    validate_blocks(GOOD_BLOCKS)
    validate_blocks([section("x")] * 50)
    validate_blocks([section("x")] * 100, surface="modal")


@pytest.mark.parametrize(
    ("blocks", "surface", "message"),
    [
        ([section("x" * 3001)], "message", r"blocks\[0\] \(section\)\.text\.text: 3001 chars"),
        ([header("x" * 151)], "message", r"blocks\[0\] \(header\)\.text\.text: 151 chars"),
        ([section("x")] * 51, "message", "51 blocks; a message allows at most 50"),
        ([section("x")] * 101, "home", "101 blocks; a home allows at most 100"),
        ([{"type": "sektion", "text": "x"}], "message", "unknown block type 'sektion'"),
        ([section("")], "message", "0 chars"),
        ([{"type": "section"}], "message", "'text' is a required property"),
        ([section("x" * 2500)] * 5, "message", "12500 chars of text"),
    ],
    ids=[
        "section-3001",
        "header-151",
        "51-blocks",
        "101-home",
        "unknown",
        "empty",
        "no-text",
        "12k",
    ],
)
def test_invalid_blocks_raise(blocks: list[dict[str, Any]], surface: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        validate_blocks(blocks, surface=surface)


def test_message_payload_rules() -> None:
    validate_message_payload(
        {"text": "RAID log", "blocks": GOOD_BLOCKS, "response_type": "in_channel"}
    )
    with pytest.raises(AssertionError, match="non-empty top-level text"):
        validate_message_payload({"blocks": GOOD_BLOCKS})
    with pytest.raises(AssertionError, match="response_type 'public'"):
        validate_message_payload({"text": "hi", "response_type": "public"})
    with pytest.raises(AssertionError, match="no text, blocks or attachments"):
        validate_message_payload({"response_type": "ephemeral"})


# -- Web API calls -----------------------------------------------------------------------------


def test_web_api_call_rules() -> None:
    validate_web_api_call("chat.postMessage", {"channel": "C1", "text": "hi"})
    validate_web_api_call("files.getUploadURLExternal", {"filename": "digest.md", "length": 10})
    validate_web_api_call("files.completeUploadExternal", {"files": '[{"id": "F1"}]'})
    with pytest.raises(AssertionError, match=r"chat\.postMesage: no such Web API method"):
        validate_web_api_call("chat.postMesage", {"channel": "C1", "text": "hi"})
    with pytest.raises(AssertionError, match="missing required parameter 'channel'"):
        validate_web_api_call("chat.postMessage", {"text": "hi"})
    with pytest.raises(AssertionError, match="missing required parameter 'length'"):
        validate_web_api_call("files.getUploadURLExternal", {"filename": "digest.md"})
    with pytest.raises(AssertionError, match="3001 chars"):  # blocks as a form field (JSON text)
        validate_web_api_call(
            "chat.postMessage",
            {"channel": "C1", "text": "hi", "blocks": json.dumps([section("x" * 3001)])},
        )


def test_views_are_checked_by_surface() -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New risk"},
        "blocks": GOOD_BLOCKS,
    }
    validate_web_api_call("views.open", {"trigger_id": "1.2.3", "view": modal})
    validate_web_api_call(
        "views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": GOOD_BLOCKS}}
    )
    with pytest.raises(AssertionError, match="needs a home view"):
        validate_web_api_call("views.publish", {"user_id": "U1", "view": json.dumps(modal)})
    with pytest.raises(AssertionError, match=r"view\.title\.text: 25 chars"):
        validate_web_api_call(
            "views.open", {"trigger_id": "1", "view": modal | {"title": header("x" * 25)["text"]}}
        )


def test_missing_specs_skip_with_a_clear_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("PMO_SLACK_SPECS", str(tmp_path / "nowhere"))
    with pytest.raises(
        pytest.skip.Exception, match=r"Slack specs not found at .*nowhere; set PMO_SLACK_SPECS"
    ):
        validate_blocks(GOOD_BLOCKS)
    with FakeSlackWebAPI() as fake:  # without the specs the fake still plays Slack, unchecked
        client_for(fake).chat_postMessage(channel="C1", text="hi", blocks=[section("x" * 3001)])
    assert fake.violations == []


# -- the fake Web API --------------------------------------------------------------------------


def test_fake_records_a_real_web_client_call(fake: FakeSlackWebAPI) -> None:
    first = client_for(fake).chat_postMessage(channel="C1", text="hi")
    second = client_for(fake).chat_postMessage(channel="C1", text="again", blocks=GOOD_BLOCKS)

    assert first["ts"] < second["ts"]
    assert first["ts"].startswith("1700000000.")
    assert second["message"]["blocks"] == GOOD_BLOCKS
    [call, _] = fake.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "hi"}
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert not call.failed


def test_fake_reads_form_encoded_and_query_string_calls(fake: FakeSlackWebAPI) -> None:
    client = client_for(fake)
    client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "hi", "blocks": json.dumps(GOOD_BLOCKS)}
    )
    client.api_call("conversations.info", http_verb="GET", params={"channel": "C0APOLLO"})

    assert fake.calls_to("chat.postMessage")[0].params["blocks"] == json.dumps(GOOD_BLOCKS)
    assert fake.calls_to("conversations.info")[0].params == {"channel": "C0APOLLO"}


def test_fake_serves_auth_test_and_user_time_zones(fake: FakeSlackWebAPI) -> None:
    fake.set_user("U0BOB", tz="Europe/London", name="bob")
    fake.set_user("U0NYC", tz="America/New_York", name="nyc")
    client = client_for(fake)

    assert client.auth_test()["team_id"] == "T0001"
    bob = client.users_info(user="U0BOB")["user"]
    assert (bob["name"], bob["tz"], bob["tz_offset"], bob["tz_label"]) == (
        "bob",
        "Europe/London",
        0,
        "GMT",
    )
    assert bob["profile"]["display_name"] == "bob"
    assert client.users_info(user="U0NYC")["user"]["tz_offset"] == -5 * 3600
    assert client.users_info(user="U0WHO")["user"]["tz"] == "UTC"


def test_fake_channels_and_overrides(fake: FakeSlackWebAPI) -> None:
    fake.set_channel("C0APOLLO", name="apollo", members=["U0ALICE", "U0BOB"], is_private=True)
    fake.set_response("conversations.history", {"ok": True, "messages": [{"text": "old"}]})
    client = client_for(fake)

    assert client.conversations_info(channel="C0APOLLO")["channel"]["is_private"] is True
    assert client.conversations_members(channel="C0APOLLO")["members"] == ["U0ALICE", "U0BOB"]
    assert client.conversations_history(channel="C0APOLLO")["messages"] == [{"text": "old"}]
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": GOOD_BLOCKS})["view"][
        "id"
    ]


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    client = client_for(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    assert time.monotonic() - started < 2
    assert [call.failed for call in fake.calls_to("chat.postMessage")] == [True, False]


def test_errors_and_server_errors_are_injected(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", error="channel_not_found")
    fake.fail_next("chat.update", status=500)
    with pytest.raises(SlackApiError) as not_found:
        client_for(fake).chat_postMessage(channel="C404", text="hi")
    with pytest.raises(SlackApiError) as server_error:
        client_for(fake).chat_update(channel="C1", ts="1.2", text="hi")

    assert not_found.value.response["error"] == "channel_not_found"
    assert server_error.value.response.status_code == 500
    assert client_for(fake).chat_postMessage(channel="C1", text="hi")["ok"]  # only the next one


def test_fake_records_violations_instead_of_raising() -> None:
    require_specs()
    with FakeSlackWebAPI() as fake:
        client = client_for(fake)
        client.chat_postMessage(channel="C1", text="hi", blocks=[section("x" * 3001)])
        with pytest.raises(SlackApiError, match="unknown_method"):
            client.api_call("chat.postMesage", json={"channel": "C1", "text": "hi"})
        with pytest.raises(SlackApiError, match="not_authed"):
            WebClient(base_url=fake.base_url).chat_postMessage(channel="C1", text="hi")

    assert len(fake.violations) == 3, fake.violations
    with pytest.raises(AssertionError, match="3001 chars") as error:
        fake.assert_no_violations()
    assert "no such Web API method" in str(error.value)
    assert "no token" in str(error.value)


def test_response_urls_and_uploads_are_captured(fake: FakeSlackWebAPI) -> None:
    url = fake.new_response_url()
    assert url != fake.new_response_url()
    WebhookClient(url).send(text="Risk R-12 added", response_type="ephemeral")
    upload = client_for(fake).files_upload_v2(
        channel="C1", content="# digest", filename="digest.md"
    )

    [posted] = fake.responses
    assert url.endswith(posted.token)
    assert posted.payload == {"text": "Risk R-12 added", "response_type": "ephemeral"}
    assert fake.uploads == {upload["file"]["id"]: b"# digest"}


# -- signed requests ---------------------------------------------------------------------------


def test_sign_matches_slack_sdk_verifier() -> None:
    body = slash_command_body("/pmo", "raid add risk Vendor late")
    timestamp = int(time.time())
    headers = sign(body, SECRET, timestamp)
    verifier = SignatureVerifier(SECRET)

    assert headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp=str(timestamp), body=body
    )
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "x", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


def test_slash_command_body_has_slacks_fields() -> None:
    fields = parse_qs(slash_command_body("/pmo", "rag amber & more", response_url="http://r/1"))

    assert {k: v[0] for k, v in fields.items()} | {"token": "?"} == {
        "token": "?",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C0APOLLO",
        "channel_name": "apollo",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/pmo",
        "text": "rag amber & more",
        "api_app_id": "A0PMOBOT",
        "is_enterprise_install": "false",
        "response_url": "http://r/1",
        "trigger_id": "1.2.3",
    }


def test_event_body_validates_against_the_event_wrapper() -> None:
    body = json.loads(
        event_body({"type": "app_mention", "text": "<@UBOT> status", "ts": "1700000001.000200"})
    )

    validate_event_envelope(body)
    assert body["event"]["event_ts"] == "1700000001.000200"
    assert body["event_id"] != json.loads(event_body({"type": "app_home_opened"}))["event_id"]
    with pytest.raises(AssertionError, match="'event_id' is a required property"):
        validate_event_envelope({k: v for k, v in body.items() if k != "event_id"})


def test_bolt_accepts_a_signed_slash_command(fake: FakeSlackWebAPI) -> None:
    app = App(client=client_for(fake), signing_secret=SECRET, process_before_response=True)

    @app.command("/pmo")
    def pmo(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"got {command['text']}", response_type="ephemeral")

    body = slash_command_body("/pmo", "status", response_url=fake.new_response_url())
    now = int(time.time())
    response = app.dispatch(BoltRequest(body=body, headers={**sign(body, SECRET, now)}))
    forged = app.dispatch(BoltRequest(body=body, headers={**sign(body, "wrong", now)}))

    assert response.status == 200
    assert forged.status == 401
    assert [r.payload["text"] for r in fake.responses] == ["got status"]


# -- the fake's faults after a post, its history and clock -----------------------------------

DELIVERY = {"event_type": "pmo_delivery", "event_payload": {"key": "reminder:T1:U1:2026-11-23"}}


@pytest.mark.parametrize("mode", ["500", "reset"])
def test_a_post_failing_after_it_took_effect_is_in_the_history(
    fake: FakeSlackWebAPI, mode: str
) -> None:
    fake.fail_after_post("chat.postMessage", mode=mode, channel="C1")  # type: ignore[arg-type]
    client = client_for(fake, retry_handlers=[])  # slack_sdk's default retries a reset

    with pytest.raises((SlackApiError, OSError)):
        client.chat_postMessage(channel="C1", text="hi", metadata=DELIVERY)
    client.chat_postMessage(channel="C2", text="other")

    assert fake.posted_keys() == ["reminder:T1:U1:2026-11-23"]
    assert [call.failed for call in fake.calls_to("chat.postMessage")] == [True, False]
    assert set(fake.post_times()) == {"C1", "C2"}


def test_history_shows_metadata_only_when_asked_and_leaves_replies_to_their_thread(
    fake: FakeSlackWebAPI,
) -> None:
    client = client_for(fake)
    parent = client.chat_postMessage(channel="C1", text="parent", metadata=DELIVERY)["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent, metadata=DELIVERY)

    plain = client.conversations_history(channel="C1")["messages"]
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    thread = client.conversations_replies(channel="C1", ts=parent, include_all_metadata=True)

    assert [m["text"] for m in plain] == ["parent"]
    assert "metadata" not in plain[0]
    assert full[0]["metadata"] == DELIVERY
    assert [m["text"] for m in thread["messages"]] == ["parent", "reply"]


def test_history_pages_with_a_cursor_and_honours_oldest_on_a_clock(
    fake: FakeSlackWebAPI,
) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    moments = iter([start, start, start + timedelta(minutes=5), start + timedelta(minutes=9)])
    fake.set_clock(lambda: next(moments))
    client = client_for(fake)
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(4)]

    assert stamps[0] == f"{start.timestamp():.6f}"
    assert stamps[1] > stamps[0]  # the same moment: still a later ts
    since = f"{(start + timedelta(minutes=1)).timestamp():.6f}"
    assert [
        m["text"] for m in client.conversations_history(channel="C1", oldest=since)["messages"]
    ] == ["3", "2"]
    first = client.conversations_history(channel="C1", limit=3)
    rest = client.conversations_history(
        channel="C1", limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in first["messages"]] == ["3", "2", "1"]
    assert (first["has_more"], rest["has_more"]) == (True, False)
    assert [m["text"] for m in rest["messages"]] == ["0"]


def test_uploads_fail_when_told_and_shares_are_messages_in_the_thread(
    fake: FakeSlackWebAPI,
) -> None:
    client = client_for(fake)
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    fake.fail_uploads(1)

    with pytest.raises((SlackClientError, OSError)):
        client.files_upload_v2(channel="C1", content=b"png", filename="a.png", thread_ts=parent)
    client.files_upload_v2(channel="C1", content=b"png", filename="a.png", thread_ts=parent)

    assert len(fake.uploads) == 1
    thread = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m.get("subtype") for m in thread] == [None, "file_share"]
