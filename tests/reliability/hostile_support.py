"""The real app for reliability tests (any database, any team) and the checks every reply to
hostile input must pass: valid for Slack, within Block Kit's limits, and pinging nobody it
should not."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.web import WebApp
from tests.conftest import ALICE, BOB, CHANNEL, START, TEAM
from tests.scenario.conftest import SlackSide, TrackingExecutor, scenario_deps
from tests.support.signing import sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack
from tests.support.slack_specs import (
    specs_available,
    validate_blocks,
    validate_message_payload,
)
from tests.support.surface_limits import text_objects

CAROL = "U0CAROL"
REAL_PEOPLE = (BOB, CAROL)  # mentioned for real (Slack turns `@bob` into `<@U0BOB|bob>`)
FAKE_PEOPLE = ("U0EVE", "U999", "W0MALLORY")  # only ever typed out, never really mentioned
BROADCAST = re.compile(r"<!(?!date\^)")  # `<!channel>`, `<!here>`, `<!subteam^…>`; not dates
MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
MAX_MESSAGE_TEXT = 40_000  # Slack truncates a message's top-level text beyond this
MAX_TEXT_OBJECT = 3_000
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
# Keys whose strings are data Slack never shows as mrkdwn (ids, button values, form inputs).
NOT_SHOWN = frozenset(
    {"value", "private_metadata", "initial_value", "block_id", "action_id", "callback_id"}
)


class ErrorLog(logging.Handler):
    """Collects ERROR records (a listener's exception, Bolt's failures) while installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def assert_clean(self) -> None:
        shown = [f"{r.name}: {r.getMessage()}" for r in self.records]
        assert not shown, "errors were logged:\n" + "\n".join(shown)


@contextmanager
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@contextmanager
def running_app(
    engine: Engine, *, team_id: str = "T0001"
) -> Iterator[tuple[SlackSide, FakeSlackWebAPI]]:
    """The real WSGI app on `engine` with the fake Slack Web API; teardown checks the spec."""
    for fake in serve_fake_slack(team_id=team_id):
        fake.set_user(ALICE, "Europe/London", "alice")
        fake.set_user(BOB, "America/New_York", "bob")
        fake.set_user(CAROL, "Asia/Tokyo", "carol")
        deps = scenario_deps(engine, FixedClock(START), fake)
        executor = TrackingExecutor()
        slack = SlackSide(WebApp(deps, listener_executor=executor), executor)
        try:
            yield slack, fake
        finally:
            executor.settle()
            executor.shutdown(wait=True)


def shown_strings(node: Any, key: str = "") -> Iterator[str]:
    """Every string Slack would read as mrkdwn: not plain_text objects, not ids or values."""
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return
        for name, value in node.items():
            if name not in NOT_SHOWN:
                yield from shown_strings(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from shown_strings(item, key)
    elif isinstance(node, str):
        yield node


def assert_harmless(what: str, node: Any) -> None:
    """No broadcast, no mention of anyone only typed out, no text object over Slack's limit."""
    for text in shown_strings(node):
        assert not BROADCAST.search(text), f"{what} broadcasts: {text!r}"
        pinged = set(MENTION.findall(text)) & set(FAKE_PEOPLE)
        assert not pinged, f"{what} pings {pinged}, who were only typed out: {text!r}"
    for text in text_objects(node):
        assert len(text) <= MAX_TEXT_OBJECT, f"{what}: a text object of {len(text)} chars"


def check_message(what: str, payload: dict[str, Any]) -> None:
    """A reply (ack body, response_url post, chat.* call): valid, within limits, harmless."""
    if specs_available():
        validate_message_payload(payload)
    text = payload.get("text")
    assert isinstance(text, str), (what, payload)
    assert len(text) <= MAX_MESSAGE_TEXT, (what, text)
    assert_harmless(what, payload)


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


@dataclass
class Watch:
    """Checks everything the app sent since the last look: acks, response_url posts and Web
    API calls (the fake validates the calls against the OpenAPI spec itself)."""

    slack: SlackSide
    fake: FakeSlackWebAPI
    calls_seen: int = 0
    responses_seen: int = 0
    replies_seen: int = 0

    def check_new(self) -> list[dict[str, Any]]:
        """Settle the follow-ups, check all that is new, and return the new Web API params."""
        self.slack.settle()
        for reply in self.slack.replies[self.replies_seen :]:
            check_message("the ack", reply)
        self.replies_seen = len(self.slack.replies)
        for post in self.fake.responses[self.responses_seen :]:
            check_message("a response_url post", post.payload)
        self.responses_seen = len(self.fake.responses)
        calls = self.fake.calls[self.calls_seen :]
        self.calls_seen += len(calls)
        sent = []
        for call in calls:
            params = {k: _decoded(v) for k, v in call.params.items()}
            if call.method in MESSAGE_METHODS:
                check_message(call.method, params)
            elif "view" in params:
                view = params["view"]
                if specs_available():
                    validate_blocks(view.get("blocks", []), surface=view.get("type", "modal"))
                assert_harmless(call.method, view)
            else:
                assert_harmless(call.method, params)
            sent.append(params | {"method": call.method})
        self.fake.assert_no_violations()
        return sent


def send_command(
    slack: SlackSide,
    fake: FakeSlackWebAPI,
    command: str,
    text: str,
    *,
    team_id: str = TEAM,
    user_id: str = ALICE,
    channel_id: str = CHANNEL,
) -> dict[str, Any] | None:
    """A signed slash command with a response_url on the fake: its JSON answer, or None when
    the ack was empty (a form opened instead). Any answer but 200 fails the test."""
    body = slash_command_body(
        command,
        text,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        response_url=fake.new_response_url(),
    ).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, slack.secret, int(time.time())),
    }
    answer = slack.request("POST", "/slack/events", body, headers)
    assert answer.status == 200, (command, text, answer.status, answer.body)
    if not answer.body:
        return None
    payload: dict[str, Any] = answer.json()
    slack.replies.append(payload)
    return payload
