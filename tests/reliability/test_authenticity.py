"""Only Slack may talk to the bot: a request whose signature is missing, wrong, stale or for
another body is refused (401) before anything runs, whatever its kind; secrets never reach logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import build_deps
from bot.services.tick import run_tick
from bot.web import WebApp
from handlers import ids
from handlers.blocks.reminders import render_due
from storage.models import Action
from tests.reliability.conftest import (
    Unsigned,
    button_request,
    command_request,
    mention_request,
    row_counts,
    send_signed,
)
from tests.scenario.conftest import SlackSide, TrackingExecutor, count
from tests.support.http import HttpAnswer
from tests.support.signing import sign
from tests.support.slack_api import FakeSlackWebAPI

SKEW = 5 * 60 + 30  # Slack's tolerance is five minutes either way; this is past it
LIST = "A-1 list:open::apollo:1"

Fault = Callable[[SlackSide, Unsigned], HttpAnswer]


def _without(header: str) -> Fault:
    def send(slack: SlackSide, request: Unsigned) -> HttpAnswer:
        headers = {"Content-Type": request.content_type}
        headers |= sign(request.body, slack.secret, int(time.time()))
        del headers[header]
        return slack.request("POST", "/slack/events", request.body, headers)

    return send


def _tampered(slack: SlackSide, request: Unsigned) -> HttpAnswer:
    """Signed as sent by Slack, then one byte changed on the way: another workspace's id."""
    headers = {"Content-Type": request.content_type}
    headers |= sign(request.body, slack.secret, int(time.time()))
    body = request.body.replace(b"T0001", b"T0002", 1)
    assert len(body) == len(request.body)
    assert body != request.body
    return slack.request("POST", "/slack/events", body, headers)


FAULTS: dict[str, Fault] = {
    "no-signature": _without("X-Slack-Signature"),
    "no-timestamp": _without("X-Slack-Request-Timestamp"),
    "wrong-secret": lambda slack, r: send_signed(slack, r, secret="not-the-signing-secret"),
    "tampered-body": _tampered,
    "signed-5m30s-ago": lambda slack, r: send_signed(slack, r, stamp=int(time.time()) - SKEW),
    "signed-5m30s-ahead": lambda slack, r: send_signed(slack, r, stamp=int(time.time()) + SKEW),
}
KINDS = {
    "slash-command": lambda fake: command_request("/risk", "add Vendor may slip impact:high"),
    "interaction": lambda fake: button_request(
        ids.DONE, LIST, ids.controls_block(LIST.replace(" ", "|")), fake.new_response_url()
    ),
    "event": lambda fake: mention_request("action: call the vendor", event_id="Ev0FORGED"),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
@pytest.mark.parametrize("kind", list(KINDS), ids=list(KINDS))
def test_a_request_slack_did_not_sign_is_refused_and_changes_nothing(
    apollo: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI, kind: str, fault: str
) -> None:
    request = KINDS[kind](fake)
    before, calls = row_counts(sqlite_engine), len(fake.calls)

    answer = FAULTS[fault](apollo, request)
    apollo.settle()

    assert answer.status == 401
    assert row_counts(sqlite_engine) == before
    assert fake.calls[calls:] == []  # no Web API call: refused before any listener ran
    assert fake.responses == []
    # The same request as Slack signs it goes through: only the fault made the difference.
    assert send_signed(apollo, request).status == 200
    apollo.settle()
    assert row_counts(sqlite_engine) != before


def test_secrets_never_reach_the_logs_even_at_debug(
    sqlite_engine: Engine,
    clock: FixedClock,
    fake: FakeSlackWebAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret, token = "sign1ng-s3cret-f00d", "xoxb-1111-2222-t0ken-beef"
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret)
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_API_URL", fake.base_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    caplog.set_level(logging.DEBUG)
    deps = replace(build_deps(Settings.from_env()), clock=clock)
    executor = TrackingExecutor()
    slack = SlackSide(WebApp(deps, listener_executor=executor), executor, secret=secret)
    try:
        slack.reply("/pmo", "project Apollo")
        slack.reply("/action", "add send contract due today")  # due: a reminder goes out below
        fake.set_response("chat.getPermalink", {"ok": False, "error": "message_not_found"})
        assert send_signed(slack, mention_request("risk: vendor", event_id="Ev0LOG")).status == 200
        for fault in FAULTS.values():
            assert fault(slack, command_request("/risk", "add forged")).status == 401
        fake.fail_next("chat.postMessage", status=500)
        run_tick(deps, render_due, worker="w1")
        fake.fail_next("chat.postMessage", status=200, error="invalid_auth")
        clock.advance(timedelta(minutes=1))  # the failed send's backoff
        run_tick(deps, render_due, worker="w1")  # looked for, absent; refused for good
        slack.settle()
    finally:
        executor.shutdown(wait=True)
        deps.db.dispose()

    assert count(sqlite_engine, Action) == 1
    assert any(
        r.levelno == logging.DEBUG and r.name.startswith("slack_sdk") for r in caplog.records
    )
    # Bolt logs whole request bodies at DEBUG, so its logger stays at WARNING whatever LOG_LEVEL.
    assert not any(
        r.name.startswith("pmo_bot.bolt") and r.levelno < logging.WARNING for r in caplog.records
    )
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("invalid_auth" in line for line in failures)
    assert any("HTTP 500" in line for line in failures)
    for record in caplog.records:
        seen = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert secret not in seen, f"{record.name} logged the signing secret"
        assert token not in seen, f"{record.name} logged the bot token"
    assert secret not in caplog.text
    assert token not in caplog.text
