"""Slack Connect and Grid: the workspace that acts is the one that installed the app, whoever
presses and wherever the channel was created (`acting_workspace`, the rule Bolt authorizes by)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import Project, Risk, Workspace
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.reliability.conftest import JSON, Unsigned, send_signed
from tests.scenario.conftest import SlackSide
from tests.scenario.test_modals import RISK_FORM, command, opened, post
from tests.support.signing import event_body, interaction_body, new_view_id
from tests.support.slack_api import FakeSlackWebAPI

EXTERNAL = "T0VENDOR"  # the vendor's own workspace, which never installed PMO Bot


@pytest.fixture
def apollo(slack: SlackSide) -> SlackSide:
    slack.reply("/pmo", "project Apollo")
    return slack


def risks_by_team(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.execute(
            select(Workspace.team_id, Risk.title)
            .join(Project, Project.id == Risk.project_id)
            .join(Workspace, Workspace.id == Project.workspace_id)
        )
        return [(team, title) for team, title in rows]


def test_an_external_members_form_is_applied_to_the_installing_workspace(
    apollo: SlackSide, fake: FakeSlackWebAPI, sqlite_engine: Engine
) -> None:
    command(apollo, "/risk add")
    form = opened(fake)
    # As Slack sends it from a shared channel: team and user are the vendor's, the view says
    # which workspace installed the app that opened it.
    view: dict[str, Any] = {
        "id": new_view_id(),
        "team_id": EXTERNAL,
        "app_installed_team_id": TEAM,
        "type": "modal",
        "callback_id": form["callback_id"],
        "private_metadata": form["private_metadata"],
        "blocks": form["blocks"],
        "hash": "1700000000.abcdef",
        "state": {"values": RISK_FORM},
    }
    payload = {
        "type": "view_submission",
        "api_app_id": "A0PMO",
        "token": "legacy",
        "team": {"id": EXTERNAL, "domain": "vendor"},
        "user": {"id": "U0VENDOR", "team_id": EXTERNAL},
        "trigger_id": "8.8.8",
        "view": view,
    }
    answer = post(apollo, interaction_body(payload), "application/x-www-form-urlencoded")

    assert answer.status == 200
    assert answer.body == b""  # the form closed: stored
    assert risks_by_team(sqlite_engine) == [(TEAM, "Vendor may slip")]


def test_a_mention_in_a_channel_the_other_organisation_created_logs_in_ours(
    apollo: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    event = {
        "type": "app_mention",
        "user": ALICE,
        "text": "<@U0PMOBOT> risk: vendor may slip",
        "ts": "1700000100.000100",
        "channel": CHANNEL,
    }
    body: dict[str, Any] = json.loads(event_body(event, team_id=EXTERNAL))
    # The envelope's team_id is the channel's origin; authorizations say who installed us.
    body["authorizations"][0]["team_id"] = TEAM
    body["is_ext_shared_channel"] = True
    raw = json.dumps(body).encode()

    assert send_signed(apollo, Unsigned(raw, JSON)).status == 200
    apollo.settle()

    assert risks_by_team(sqlite_engine) == [(TEAM, "vendor may slip")]
    [reply] = [c for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert "no project" not in str(reply.params.get("text"))
