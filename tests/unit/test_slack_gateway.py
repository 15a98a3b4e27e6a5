"""The gateway against a fake Slack Web API on loopback: base URL, 429 retries, failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.slack import SlackUser, WebApiGateway, make_send_client, make_web_client
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    yield from serve_fake_slack()


def gateway_for(fake: FakeSlackWebAPI) -> WebApiGateway:
    return WebApiGateway(make_web_client("xoxb-test", fake.base_url))


def test_user_info_reads_zone_and_display_name(fake: FakeSlackWebAPI) -> None:
    fake.set_user("U0BOB", tz="America/Chicago", name="bob")
    user = gateway_for(fake).user_info("U0BOB")
    assert user == SlackUser("U0BOB", "bob", "America/Chicago")
    assert [c.method for c in fake.calls] == ["users.info"]
    assert fake.calls[0].headers["authorization"] == "Bearer xoxb-test"


def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlackWebAPI) -> None:
    fake.set_user("U0BOB", tz="Asia/Tokyo")
    fake.fail_next("users.info", n=2, status=429, retry_after=0)
    user = gateway_for(fake).user_info("U0BOB")
    assert user is not None
    assert user.timezone == "Asia/Tokyo"
    assert [c.failed for c in fake.calls_to("users.info")] == [True, True, False]


def test_refused_calls_return_none_instead_of_raising(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("users.info", status=200, error="user_not_found")
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    gateway = gateway_for(fake)
    assert gateway.user_info("U0GHOST") is None
    assert gateway.post_message("C0GONE", "hello") is None


def test_post_message_returns_the_message_ts(fake: FakeSlackWebAPI) -> None:
    ts = gateway_for(fake).post_message("C0APOLLO", "hello", [])
    assert ts is not None
    call = fake.calls_to("chat.postMessage")[0]
    assert (call.params["channel"], call.params["text"]) == ("C0APOLLO", "hello")


def test_unreachable_slack_is_a_logged_none(caplog: pytest.LogCaptureFixture) -> None:
    gateway = WebApiGateway(make_web_client("xoxb-test", "http://127.0.0.1:9/api/"))
    assert gateway.user_info("U0BOB") is None
    assert "users.info failed" in caplog.text


def test_a_scheduled_send_carries_its_key_in_metadata(fake: FakeSlackWebAPI) -> None:
    result = gateway_for(fake).send("U0BOB", "Your reminder", [], "reminder:T1:U0BOB:2026-11-23")

    assert (result.ok, result.retryable) == (True, False)
    assert result.ts
    call = fake.calls_to("chat.postMessage")[0]
    metadata = call.params["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    assert metadata == {
        "event_type": "pmo_delivery",
        "event_payload": {"key": "reminder:T1:U0BOB:2026-11-23"},
    }


@pytest.mark.parametrize(
    ("error", "retryable"),
    [("channel_not_found", False), ("not_in_channel", False), ("internal_error", True)],
    ids=["gone", "kicked", "slack-trouble"],
)
def test_refusals_say_whether_a_retry_can_help(
    fake: FakeSlackWebAPI, error: str, retryable: bool
) -> None:
    fake.fail_next("chat.postMessage", status=200, error=error)
    result = gateway_for(fake).send("C0APOLLO", "late!", [], "escalation:T1:A-7:2026-11-20")
    assert (result.ok, result.error, result.retryable) == (False, error, retryable)


def test_a_rate_limit_that_outlasts_the_retries_is_retryable(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", n=4, status=429, retry_after=0)
    result = gateway_for(fake).send("U0BOB", "hi", [], "k")
    assert (result.ok, result.retryable) == (False, True)
    assert len(fake.calls_to("chat.postMessage")) == 4  # the first try and three retries


def test_a_scheduled_send_answered_500_is_left_to_the_ledger(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", status=500)
    result = gateway_for(fake).send("U0BOB", "hi", [], "k")
    assert (result.ok, result.retryable, result.uncertain) == (False, True, True)
    assert len(fake.calls_to("chat.postMessage")) == 1  # not re-posted behind the ledger's back


def test_an_answer_after_the_reply_is_still_retried_on_a_500(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", status=500)
    assert gateway_for(fake).post_message("C0APOLLO", "hello") is not None
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_a_429_longer_than_the_send_may_wait_fails_at_once(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", n=2, status=429, retry_after=1)
    client = make_web_client("xoxb-test", fake.base_url)
    gateway = WebApiGateway(client, make_send_client("xoxb-test", fake.base_url, max_wait=1.5))
    result = gateway.send("U0BOB", "hi", [], "k")
    assert (result.ok, result.error, result.uncertain) == (False, "ratelimited", False)
    assert len(fake.calls_to("chat.postMessage")) == 2  # waited 1 s once, not a second time


def test_an_upload_slack_gives_no_url_for_fails_alone_and_surely(fake: FakeSlackWebAPI) -> None:
    fake.set_response("files.getUploadURLExternal", {"ok": True, "file_id": "F1"})
    result = gateway_for(fake).send_file("C0APOLLO", "rag.png", b"png", "RAG", "1.1")
    assert (result.ok, result.error, result.uncertain) == (False, "no_upload_url", False)
    assert fake.calls_to("files.completeUploadExternal") == []


def test_a_scheduled_upload_shares_the_file_in_the_thread(fake: FakeSlackWebAPI) -> None:
    result = gateway_for(fake).send_file("C0APOLLO", "rag.png", b"png", "RAG", "1.1")
    assert result.ok
    complete = fake.calls_to("files.completeUploadExternal")[0].params
    assert (complete["channel_id"], complete["thread_ts"]) == ("C0APOLLO", "1.1")
    assert list(fake.uploads.values()) == [b"png"]


def test_sent_since_finds_every_key_in_the_dm_history_in_one_read(fake: FakeSlackWebAPI) -> None:
    fake.set_response("conversations.open", {"ok": True, "channel": {"id": "D0BOB"}})
    meta = {"event_type": "pmo_delivery", "event_payload": {"key": "reminder:T1:U0BOB:d"}}
    other = {"event_type": "pmo_delivery", "event_payload": {"key": "standup:T1:U0BOB:d"}}
    messages = [
        {"ts": "1.1", "text": "other"},
        {"ts": "1.2", "text": "r", "metadata": meta},
        {"ts": "1.3", "text": "s", "metadata": other},
        {"ts": "1.4", "files": [{"id": "F1", "name": "rag.png"}]},
    ]
    fake.set_response("conversations.history", {"ok": True, "messages": messages})
    since = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    found = gateway_for(fake).sent_since("U0BOB", since)

    assert {marker: (r.channel, r.ts) for marker, r in found.items()} == {
        "reminder:T1:U0BOB:d": ("D0BOB", "1.2"),
        "standup:T1:U0BOB:d": ("D0BOB", "1.3"),
        "file:rag.png": ("D0BOB", "1.4"),
    }
    [history] = fake.calls_to("conversations.history")
    assert history.params["channel"] == "D0BOB"
    assert float(history.params["oldest"]) == since.timestamp()


def test_sent_since_reads_a_thread_with_its_replies(fake: FakeSlackWebAPI) -> None:
    meta = {"event_type": "pmo_delivery", "event_payload": {"key": "digest:T1:1:d:1-risks"}}
    replies = [{"ts": "1.1", "text": "parent"}, {"ts": "1.2", "text": "r", "metadata": meta}]
    fake.set_response("conversations.replies", {"ok": True, "messages": replies})

    found = gateway_for(fake).sent_since("C0APOLLO", datetime(2026, 11, 23, tzinfo=UTC), "1.1")

    assert list(found) == ["digest:T1:1:d:1-risks"]
    assert fake.calls_to("conversations.replies")[0].params["ts"] == "1.1"
    assert fake.calls_to("conversations.history") == []


def test_sent_since_raises_when_history_cannot_be_read(fake: FakeSlackWebAPI) -> None:
    fake.fail_next("conversations.history", status=200, error="missing_scope")
    with pytest.raises(LookupError, match="missing_scope"):
        gateway_for(fake).sent_since("C0APOLLO", datetime(2026, 11, 23, tzinfo=UTC))
