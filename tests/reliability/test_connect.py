"""Slack Connect and Grid: the workspace that acts is the one that installed the app, whoever
presses and wherever the channel was created (`acting_workspace`, the rule Bolt authorizes by);
an external member's own workspace goes in the audit trail beside what they did."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from handlers import ids
from storage.models import AuditEvent, Project, Risk, Workspace
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.reliability.conftest import JSON, Unsigned, send_signed
from tests.scenario.conftest import SlackSide, reply_text
from tests.scenario.test_controls_and_mentions import press
from tests.scenario.test_modals import RISK_FORM, command, opened, post
from tests.support.signing import event_body, interaction_body, new_view_id, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI

EXTERNAL = "T0VENDOR"  # the vendor's own workspace, which never installed PMO Bot
VENDOR = "U0VENDOR"  # a member of it, in our shared channel


@pytest.fixture
def apollo(any_slack: SlackSide) -> SlackSide:
    any_slack.reply("/pmo", "project Apollo")
    return any_slack


def risks_by_team(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.execute(
            select(Workspace.team_id, Risk.title)
            .join(Project, Project.id == Risk.project_id)
            .join(Workspace, Workspace.id == Project.workspace_id)
        )
        return [(team, title) for team, title in rows]


def trail(engine: Engine) -> list[tuple[str, str, str | None]]:
    """Every audit row as (actor, verb, the actor's own workspace when not ours)."""
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEvent.actor_id, AuditEvent.verb, AuditEvent.actor_team).order_by(
                AuditEvent.id
            )
        )
        return [(actor, verb, team) for actor, verb, team in rows]


def submit_as_vendor(slack: SlackSide, fake: FakeSlackWebAPI) -> None:
    """An external member fills in the /risk add form in a shared channel."""
    command(slack, "/risk add")
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
        "user": {"id": VENDOR, "team_id": EXTERNAL},
        "trigger_id": "8.8.8",
        "view": view,
    }
    answer = post(slack, interaction_body(payload), "application/x-www-form-urlencoded")
    assert answer.status == 200
    assert answer.body == b""  # the form closed: stored


def connect_mention(text: str, user: str, **teams: str) -> Unsigned:
    """A mention in a shared channel, shaped as Bolt's Connect fixtures have it: the envelope
    and authorizations name our workspace; `teams` are the event's team fields."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@U0PMOBOT> {text}",
        "ts": "1700000100.000100",
        "channel": CHANNEL,
        **teams,
    }
    body: dict[str, Any] = json.loads(event_body(event, team_id=TEAM))
    body["is_ext_shared_channel"] = True
    return Unsigned(json.dumps(body).encode(), JSON)


def test_an_external_members_form_is_applied_to_the_installing_workspace(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    submit_as_vendor(apollo, fake)

    assert risks_by_team(any_engine) == [(TEAM, "Vendor may slip")]
    assert trail(any_engine) == [(VENDOR, "created", EXTERNAL)]


def test_the_history_says_which_workspace_an_external_member_came_from(
    apollo: SlackSide, fake: FakeSlackWebAPI
) -> None:
    submit_as_vendor(apollo, fake)
    apollo.reply("/risk", "update R-1 impact:3")

    history = reply_text(apollo.reply("/risk", "history R-1")).split("\n")

    [created] = [line for line in history if "*created*" in line]
    [updated] = [line for line in history if "*updated*" in line]
    assert f"<@{VENDOR}> (from their own workspace {EXTERNAL}) *created*" in created
    assert "from their own workspace" not in updated


def test_an_external_members_button_press_records_their_workspace(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/action", "add send contract due tomorrow")

    press(apollo, fake, ids.SNOOZE_DAY, "A-1", user=VENDOR, home=EXTERNAL)
    press(apollo, fake, ids.DONE, "A-1", user=ALICE, home=TEAM)

    assert trail(any_engine) == [
        (ALICE, "created", None),
        (VENDOR, "snoozed", EXTERNAL),
        (ALICE, "done", None),
    ]


@pytest.mark.parametrize(
    ("user", "teams", "recorded"),
    [
        (VENDOR, {"team": TEAM, "user_team": EXTERNAL, "source_team": EXTERNAL}, EXTERNAL),
        # A member of another Grid org: Slack gives the org (E…), which names no workspace.
        (VENDOR, {"team": TEAM, "user_team": "E0VENDOR", "source_team": "E0VENDOR"}, None),
        (ALICE, {"team": TEAM, "user_team": TEAM, "source_team": TEAM}, None),
    ],
    ids=["external", "external-grid-org", "ours"],
)
def test_a_mention_in_a_shared_channel_records_the_authors_own_workspace(
    apollo: SlackSide,
    any_engine: Engine,
    user: str,
    teams: dict[str, str],
    recorded: str | None,
) -> None:
    assert (
        send_signed(apollo, connect_mention("risk: vendor may slip", user, **teams)).status == 200
    )
    apollo.settle()

    assert risks_by_team(any_engine) == [(TEAM, "vendor may slip")]
    assert trail(any_engine) == [(user, "created", recorded)]


def test_a_slash_command_names_no_home_team_so_none_is_recorded(
    apollo: SlackSide, any_engine: Engine
) -> None:
    # A command's body names one workspace, team_id (the one acting), and no field says the
    # person's own: an external member's inline command is recorded as any member's.
    body = slash_command_body("/risk", "add vendor may slip", team_id=TEAM, user_id=VENDOR)
    answer = post(apollo, body, "application/x-www-form-urlencoded")

    assert answer.status == 200, answer.body
    assert trail(any_engine) == [(VENDOR, "created", None)]


def test_a_mention_in_a_channel_the_other_organisation_created_logs_in_ours(
    apollo: SlackSide, any_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    event = {
        "type": "app_mention",
        "user": ALICE,
        "text": "<@U0PMOBOT> risk: vendor may slip",
        "ts": "1700000100.000100",
        "team": TEAM,  # Alice's own
        "channel": CHANNEL,
    }
    body: dict[str, Any] = json.loads(event_body(event, team_id=EXTERNAL))
    # The envelope's team_id is the channel's origin; authorizations say who installed us.
    body["authorizations"][0]["team_id"] = TEAM
    body["is_ext_shared_channel"] = True
    raw = json.dumps(body).encode()

    assert send_signed(apollo, Unsigned(raw, JSON)).status == 200
    apollo.settle()

    assert risks_by_team(any_engine) == [(TEAM, "vendor may slip")]
    assert trail(any_engine) == [(ALICE, "created", None)]  # one of ours
    [reply] = [c for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert "no project" not in str(reply.params.get("text"))
