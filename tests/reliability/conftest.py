"""Reliability fixtures: the scenario app on SQLite or PostgreSQL, and signed Slack requests of
each kind (slash command, interaction, event) built as raw bytes a test may tamper with."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

import tests.scenario.conftest as scenario
from bot.clock import FixedClock
from storage.models import Base
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.scenario.conftest import SlackSide, count, scenario_deps, serve_app
from tests.support.http import HttpAnswer
from tests.support.signing import event_body, interaction_body, sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI

# The scenario fixtures, shared as they are: the fake Slack and the app on SQLite.
fake = scenario.fake
app_deps = scenario.app_deps
slack = scenario.slack

BOT = "U0PMOBOT"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
def any_slack(any_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Iterator[SlackSide]:
    """The real app (Bolt behind WSGI) on SQLite and, when configured, PostgreSQL."""
    yield from serve_app(scenario_deps(any_engine, clock, fake))


@pytest.fixture
def apollo(slack: SlackSide) -> SlackSide:
    """Apollo with one open action, A-1: every kind of request would change something."""
    slack.reply("/pmo", "project Apollo")
    slack.reply("/action", "add send contract due tomorrow")
    slack.settle()
    return slack


@dataclass(frozen=True)
class Unsigned:
    """A request body Slack would send, before its signature headers are added."""

    body: bytes
    content_type: str


def command_request(command: str, text: str, *, user_id: str = ALICE) -> Unsigned:
    body = slash_command_body(command, text, team_id=TEAM, user_id=user_id, channel_id=CHANNEL)
    return Unsigned(body.encode(), FORM)


def mention_request(text: str, *, event_id: str, ts: str = "1700000100.000100") -> Unsigned:
    event = {
        "type": "app_mention",
        "user": ALICE,
        "text": f"<@{BOT}> {text}",
        "ts": ts,
        "channel": CHANNEL,
    }
    return Unsigned(event_body(event, team_id=TEAM, event_id=event_id).encode(), JSON)


def button_request(action_id: str, value: str, block_id: str, response_url: str) -> Unsigned:
    """A press on a button of an ephemeral message in the project channel."""
    action = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button",
        "value": value,
        "action_ts": "1700000001.000200",
    }
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": ALICE, "team_id": TEAM},
        "api_app_id": "A0PMO",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "response_url": response_url,
        "actions": [action],
    }
    return Unsigned(interaction_body(payload).encode(), FORM)


def send_signed(
    slack: SlackSide,
    request: Unsigned,
    *,
    stamp: int | None = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpAnswer:
    """POST the request to /slack/events as Slack would: signed now, with the right secret."""
    signed = sign(
        request.body, secret or slack.secret, int(time.time()) if stamp is None else stamp
    )
    all_headers = {"Content-Type": request.content_type, **signed, **(headers or {})}
    return slack.request("POST", "/slack/events", request.body, all_headers)


def row_counts(engine: Engine) -> dict[str, int]:
    """Every table's row count: what "nothing was stored" is checked against."""
    return {table.__tablename__: count(engine, table) for table in _models()}


def _models() -> list[type[Base]]:
    return [mapper.class_ for mapper in Base.registry.mappers]
