"""The gateway against a fake Slack Web API on loopback: base URL, 429 retries, failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack import SlackUser, WebApiGateway, make_web_client
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
