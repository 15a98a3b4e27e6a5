"""Only Slack may talk to the bot: a bad or stale signature is refused before anything runs."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from storage.models import Base, Project, Risk, UserProfile, Workspace
from tests.scenario.conftest import SlackSide, count
from tests.support.signing import sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI

TABLES: tuple[type[Base], ...] = (Workspace, Project, Risk, UserProfile)


def test_a_forged_signature_is_refused_and_nothing_is_stored(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    for command, text in (("/pmo", "project Apollo"), ("/risk", "add Vendor may slip")):
        response = slack.command(command, text, secret="not-the-signing-secret")
        assert response.status == 401

    assert [count(sqlite_engine, table) for table in TABLES] == [0, 0, 0, 0]
    assert fake.calls_to("users.info") == []  # refused before any listener ran


def test_a_tampered_body_is_refused(slack: SlackSide, sqlite_engine: Engine) -> None:
    signed = slash_command_body("/pmo", "project Apollo").encode()
    sent = slash_command_body("/pmo", "project Hijacked").encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(signed, slack.secret, int(time.time())),
    }

    response = slack.request("POST", "/slack/events", sent, headers)

    assert response.status == 401
    assert count(sqlite_engine, Project) == 0


def test_a_request_signed_six_minutes_ago_is_refused(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60

    response = slack.command("/pmo", "project Apollo", timestamp=six_minutes_ago)

    assert response.status == 401
    assert [count(sqlite_engine, table) for table in TABLES] == [0, 0, 0, 0]
    assert fake.calls_to("users.info") == []
    # The same request signed now goes through: only its age was wrong.
    assert slack.command("/pmo", "project Apollo").status == 200
    assert count(sqlite_engine, Project) == 1
