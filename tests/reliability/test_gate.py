"""Verification comes first, for every body: whatever is wrong with a request to /slack/events
(its signature, its timestamp, its size, its encoding, its shape) it is refused with one log
line, before any listener runs, any reply is sent or anything is stored; other routes never
read a body at all."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import Engine

from bot.inbound import MAX_BODY_BYTES
from tests.reliability.conftest import FORM, JSON, Unsigned, row_counts, send_signed
from tests.scenario.conftest import SlackSide
from tests.support.http import HttpAnswer
from tests.support.signing import interaction_body, sign
from tests.support.slack_api import FakeSlackWebAPI

Send = Callable[[SlackSide, str], HttpAnswer]


def _apology_bait(response_url: str) -> Unsigned:
    """An interaction naming a response_url: were any listener or error handler to run, it would
    answer there (the hole this file was written for)."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U0ALICE", "team_id": "T0001"},
        "response_url": response_url,
        "actions": [{"action_id": "item_done", "block_id": "x", "value": "A-1"}],
    }
    return Unsigned(interaction_body(payload).encode(), FORM)


def _post(body: bytes, headers: dict[str, str], content_type: str = FORM) -> Send:
    def send(slack: SlackSide, _url: str) -> HttpAnswer:
        return slack.request(
            "POST", "/slack/events", body, {"Content-Type": content_type, **headers}
        )

    return send


def _bait_with(headers: Callable[[bytes], dict[str, str]]) -> Send:
    def send(slack: SlackSide, url: str) -> HttpAnswer:
        request = _apology_bait(url)
        all_headers = {"Content-Type": request.content_type, **headers(request.body)}
        return slack.request("POST", "/slack/events", request.body, all_headers)

    return send


def _signed(body: bytes, content_type: str = FORM, **headers: str) -> Send:
    def send(slack: SlackSide, _url: str) -> HttpAnswer:
        return send_signed(slack, Unsigned(body, content_type), headers=headers or None)

    return send


def _now() -> str:
    return str(int(time.time()))


NOT_UTF8 = b"command=%2Frisk&text=add+x&team_id=T0001\xff\xfe"


@dataclass(frozen=True)
class Case:
    send: Send
    status: int


CASES: dict[str, Case] = {
    "timestamp-abc": Case(
        _bait_with(lambda b: {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=0"}),
        401,
    ),
    "timestamp-float": Case(
        _bait_with(lambda b: {"X-Slack-Request-Timestamp": "1.7e9", "X-Slack-Signature": "v0=0"}),
        401,
    ),
    "timestamp-negative": Case(
        _bait_with(lambda b: {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": "v0=0"}),
        401,
    ),
    "timestamp-huge": Case(
        _bait_with(lambda b: {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=1"}),
        401,
    ),
    "signature-not-v0": Case(
        _bait_with(lambda b: {**sign(b, "whatever", int(time.time())), "X-Slack-Signature": "x"}),
        401,
    ),
    "signature-non-ascii": Case(
        _bait_with(lambda b: {"X-Slack-Request-Timestamp": _now(), "X-Slack-Signature": "v0=é"}),
        401,
    ),
    "unsigned-not-utf8": Case(_post(NOT_UTF8, {}), 401),
    "unsigned-malformed-payload": Case(_post(b"payload=%7Bnot-json", {}), 401),
    "unsigned-malformed-json": Case(_post(b'{"type": "event_callback",', {}, JSON), 401),
    "signed-not-utf8": Case(_signed(NOT_UTF8), 400),
    "signed-malformed-payload": Case(_signed(b"payload=%7Bnot-json"), 400),
    "signed-payload-not-an-object": Case(_signed(b"payload=%5B1%2C2%5D"), 400),
    "signed-malformed-json": Case(_signed(b'{"type": "event_callback",', JSON), 400),
    "over-the-cap": Case(_post(b"x", {"Content-Length": str(MAX_BODY_BYTES + 1)}), 413),
    "length-not-a-number": Case(_post(b"x", {"Content-Length": "12abc"}), 400),
    "length-missing": Case(_post(b"", {"Content-Length": ""}), 411),
    "body-shorter-than-promised": Case(_post(b"text=x", {"Content-Length": "1000"}), 400),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_bad_request_is_refused_before_anything_acts(
    apollo: SlackSide,
    sqlite_engine: Engine,
    fake: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    before, calls = row_counts(sqlite_engine), len(fake.calls)
    caplog.clear()
    caplog.set_level(logging.INFO)

    answer = CASES[case].send(apollo, fake.new_response_url())
    apollo.settle()

    assert answer.status == CASES[case].status
    assert row_counts(sqlite_engine) == before
    assert fake.calls[calls:] == []
    assert fake.responses == []  # nothing answered through the body's response_url
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["pmo_bot.inbound"]  # one line, and it is ours
    assert not any(r.exc_info for r in caplog.records)  # no traceback


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/slack/events", 413),
        ("GET", "/slack/install", 404),  # no OAuth in this app: Bolt's 404, body unread
        ("POST", "/elsewhere", 404),
        ("GET", "/healthz", 200),
    ],
)
def test_a_promised_huge_body_is_never_read(
    apollo: SlackSide, method: str, path: str, status: int
) -> None:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        CONTENT_TYPE=FORM,
    )
    environ["wsgi.input"] = _Unreadable()
    statuses: list[str] = []

    def start_response(status: str, _headers: list[tuple[str, str]], *_: Any) -> Any:
        statuses.append(status)
        return lambda data: None

    chunks = apollo.web(environ, start_response)
    b"".join(chunks)
    assert int(statuses[0].split()[0]) == status


def test_other_methods_on_the_events_route_are_refused(apollo: SlackSide) -> None:
    for method in ("GET", "PUT", "DELETE"):
        answer = apollo.request(method, "/slack/events")
        assert answer.status == 405
        assert answer.headers["allow"] == "POST"
