"""A project manager's first session, as signed slash commands through the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.clock import FixedClock
from storage.models import Action, AuditEvent, Project, Risk, StatusUpdate, UserProfile
from tests.conftest import ALICE, BOB, CHANNEL
from tests.scenario.conftest import SlackSide, count, reply_text, stored
from tests.support.slack_api import FakeSlackWebAPI

RISK_ADD = "add Vendor may slip impact:high likelihood:3 owner:<@U0BOB|bob> review:friday"
ACTION_ADD = "add <@U0BOB|bob> send contract due tomorrow"


def test_the_first_session_logs_a_project_a_risk_an_action_and_a_status(
    slack: SlackSide, sqlite_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    # The clock reads Thursday 19 November 2026, 15:00 in London, where Alice works.
    project = slack.reply("/pmo", "project Apollo")
    assert project["response_type"] == "in_channel"
    assert "Apollo" in project["text"]

    risk = slack.reply("/risk", RISK_ADD)
    assert risk["response_type"] == "in_channel"
    assert "R-1" in risk["text"]
    assert "review Fri 20 Nov" in reply_text(risk)
    assert "<@U0BOB>" in reply_text(risk)

    action = slack.reply("/action", ACTION_ADD)
    assert action["response_type"] == "in_channel"
    assert "A-1" in action["text"]
    assert "due Fri 20 Nov" in reply_text(action)

    status = slack.reply("/pmo", 'status amber "vendor late"')
    assert status["response_type"] == "in_channel"
    assert "AMBER" in reply_text(status)
    assert "vendor late" in reply_text(status)

    register = slack.reply("/risk", "list")
    assert register["response_type"] == "ephemeral"
    assert "R-1" in reply_text(register)
    assert "Vendor may slip" in reply_text(register)

    nothing_late = slack.reply("/action", "list overdue")
    assert nothing_late["response_type"] == "ephemeral"
    assert "A-1" not in reply_text(nothing_late)

    # Saturday morning: Friday's action is now late.
    clock.advance(timedelta(days=2))
    late = slack.reply("/action", "list overdue")
    assert late["response_type"] == "ephemeral"
    assert "A-1" in reply_text(late)
    assert "send contract" in reply_text(late)

    [apollo] = stored(sqlite_engine, Project)
    assert (apollo.slug, apollo.name, apollo.channel_id) == ("apollo", "Apollo", CHANNEL)
    assert apollo.timezone == "Europe/London"
    [vendor] = stored(sqlite_engine, Risk)
    assert (vendor.number, vendor.title, vendor.status) == (1, "Vendor may slip", "open")
    assert (vendor.likelihood, vendor.impact) == (3, 4)
    assert (vendor.owner_id, vendor.created_by) == (BOB, ALICE)
    assert vendor.review_on == date(2026, 11, 20)
    assert vendor.project_id == apollo.id
    [contract] = stored(sqlite_engine, Action)
    assert (contract.number, contract.title, contract.owner_id) == (1, "send contract", BOB)
    assert (contract.due_on, contract.due_at, contract.status) == (date(2026, 11, 20), None, "open")
    [amber] = stored(sqlite_engine, StatusUpdate)
    assert (amber.rag, amber.reason, amber.author_id) == ("amber", "vendor late", ALICE)
    assert amber.created_at == datetime(2026, 11, 19, 15, tzinfo=UTC)
    assert {(e.item_kind, e.item_number, e.verb) for e in stored(sqlite_engine, AuditEvent)} == {
        ("R", 1, "created"),
        ("A", 1, "created"),
    }
    slack.settle()
    profiles = {p.user_id: p.timezone for p in stored(sqlite_engine, UserProfile)}
    assert profiles[ALICE] == "Europe/London"

    # Bolt checked the token once. Alice's zone comes from a cache, not one users.info per
    # command. Bob, named owner, is not asked about: nothing is drawn for him after a change
    # (his App Home is redrawn by the worker, and only once he has opened it).
    assert len(fake.calls_to("auth.test")) == 1
    looked_up = [call.params["user"] for call in fake.calls_to("users.info")]
    assert set(looked_up) == {ALICE}
    assert looked_up.count(ALICE) <= 3 < len(slack.replies)
    assert len(slack.replies) == 7
    fake.assert_no_violations()


def test_ids_count_up_per_kind(slack: SlackSide, sqlite_engine: Engine) -> None:
    slack.reply("/pmo", "project Apollo")
    refs = [
        slack.reply("/risk", "add Vendor may slip")["text"],
        slack.reply("/action", "add chase the vendor due friday")["text"],
        slack.reply("/risk", "add Budget cut impact:critical")["text"],
    ]
    assert ["R-1" in refs[0], "A-1" in refs[1], "R-2" in refs[2]] == [True, True, True]
    assert sorted(r.number for r in stored(sqlite_engine, Risk)) == [1, 2]
    assert count(sqlite_engine, Action) == 1


def test_a_bad_command_gets_usage_and_an_example_and_stores_nothing(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    refused = slack.reply("/risk", "add Vendor may slip likelihood:9")

    assert refused["response_type"] == "ephemeral"
    text = reply_text(refused)
    assert "likelihood" in text
    assert "*Usage:*" in text
    assert "/risk add &lt;title&gt;" in text
    assert "*Example:* `/risk add Vendor may slip" in text
    assert count(sqlite_engine, Risk) == 0
    assert count(sqlite_engine, AuditEvent) == 0


def test_an_unknown_verb_and_a_past_due_date_are_refused(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")

    unknown = slack.reply("/action", "frobnicate A-1")
    past = slack.reply("/action", "add send contract due:2020-01-01")

    for refused in (unknown, past):
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:*" in reply_text(refused)
        assert "*Example:*" in reply_text(refused)
    assert "past" in reply_text(past)
    assert count(sqlite_engine, Action) == 0


def test_a_channel_without_a_project_is_told_how_to_create_one(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")  # another channel's project does not count

    for command, text in (("/risk", "add Vendor may slip"), ("/pmo", "status green")):
        answer = slack.reply(command, text, channel_id="C0NOPROJECT")
        assert answer["response_type"] == "ephemeral"
        assert "/pmo project" in reply_text(answer)
    assert count(sqlite_engine, Risk) == 0
    assert count(sqlite_engine, StatusUpdate) == 0


def test_tomorrow_is_the_callers_own_tomorrow(
    slack: SlackSide, sqlite_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    # 21:30 on Thursday in Los Angeles is already 05:30 on Friday in London.
    clock.set(datetime(2026, 11, 19, 21, 30, tzinfo=ZoneInfo("America/Los_Angeles")))
    fake.set_user("U0LARA", "America/Los_Angeles", "lara")
    slack.reply("/pmo", "project Apollo")

    lara = slack.reply("/action", "add book the venue due tomorrow", user_id="U0LARA")
    alice = slack.reply("/action", "add send the agenda due tomorrow")

    assert "due Fri 20 Nov" in reply_text(lara)
    assert "due Sat 21 Nov" in reply_text(alice)
    dues = {a.owner_id: a.due_on for a in stored(sqlite_engine, Action)}
    assert dues == {"U0LARA": date(2026, 11, 20), ALICE: date(2026, 11, 21)}
    zones = {p.user_id: p.timezone for p in stored(sqlite_engine, UserProfile)}
    assert zones == {"U0LARA": "America/Los_Angeles", ALICE: "Europe/London"}
