"""`/pmo digest …` as signed slash commands through the real app, against the fake Slack Web API:
settings, refusals that change nothing, a preview only the caller sees, a digest posted now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from storage.models import Project
from tests.conftest import ALICE, BOB, CHANNEL
from tests.scenario.conftest import SlackSide, reply_text, stored
from tests.support.slack_api import Call, FakeSlackWebAPI


def settings(engine: Engine) -> tuple[bool, int, str, bool]:
    [project] = stored(engine, Project)
    return project.digest_on, project.digest_day, project.digest_time, project.digest_mentions


def test_the_digest_is_scheduled_shown_and_switched(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    slack.reply("/pmo", "project Apollo")
    assert settings(sqlite_engine) == (True, 4, "16:00", False)  # Friday 16:00, no pings

    shown = slack.reply("/pmo", "digest")
    assert shown["response_type"] == "ephemeral"
    assert "*on*, Fridays at 16:00 (Europe/London)" in reply_text(shown)
    assert "without a ping" in reply_text(shown)

    moved = slack.reply("/pmo", "digest schedule monday 9:30am")
    assert moved["response_type"] == "in_channel"
    assert "weekly digest for *Mondays at 09:30 (Europe/London)*" in reply_text(moved)
    same = slack.reply("/pmo", "digest schedule monday 09:30")
    assert "Nothing to change" in reply_text(same)

    pings = slack.reply("/pmo", "digest mentions on")
    assert "*pings* owners" in reply_text(pings)
    off = slack.reply("/pmo", "digest off")
    assert "digest *off*" in reply_text(off)
    assert settings(sqlite_engine) == (False, 0, "09:30", True)

    back = slack.reply("/pmo", "digest schedule friday 16:00")
    assert "*Fridays at 16:00" in reply_text(back)
    assert settings(sqlite_engine) == (True, 4, "16:00", True)


def test_bad_digest_commands_get_usage_and_an_example_and_change_nothing(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    slack.reply("/pmo", "project Apollo")
    before = settings(sqlite_engine)
    for text in (
        "digest schedule someday 25:00",
        "digest schedule friday 25:00",
        "digest mentions loud",
        "digest sometimes",
    ):
        refused = slack.reply("/pmo", text)
        assert refused["response_type"] == "ephemeral"
        assert "*Usage:* `/pmo digest [schedule &lt;day&gt; &lt;hh:mm&gt;" in reply_text(refused)
        assert "*Example:* `/pmo digest schedule friday 16:00`" in reply_text(refused)
    assert "“someday” isn't a day of the week" in reply_text(slack.replies[-4])
    slack.settle()
    assert settings(sqlite_engine) == before
    assert fake.calls_to("chat.postMessage") == []


def test_a_channel_without_a_project_is_told_how_to_make_one(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    for text in ("digest", "digest now", "digest schedule friday 16:00"):
        answer = slack.reply("/pmo", text)
        assert "`/pmo project &lt;name&gt;`" in reply_text(answer)
    slack.settle()
    assert fake.calls_to("chat.postMessage") == []


def seed_items(slack: SlackSide) -> None:
    slack.reply("/pmo", "project Apollo")
    slack.reply("/pmo", 'status amber "vendor late &lt;!channel&gt; &amp; co"')
    slack.reply("/risk", "add Vendor may slip impact:high likelihood:4 owner:<@U0BOB|bob>")
    slack.reply("/action", "add <@U0BOB|bob> send the contract due tomorrow")
    slack.reply("/issue", "add Test rig down severity:high")
    slack.reply("/decision", "add Use vendor B")
    slack.reply("/action", "list mine", user_id=BOB, user_name="bob")  # Bob's name is now known


def test_preview_shows_the_digest_only_to_the_caller(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    seed_items(slack)
    slack.settle()
    posted_before = len(fake.calls_to("chat.postMessage"))
    answer = slack.reply("/pmo", "digest preview")
    assert answer["response_type"] == "ephemeral"
    assert "only for you" in reply_text(answer)
    slack.settle()
    previews = fake.calls_to("chat.postEphemeral")
    assert len(previews) == 4  # the parent, then risks, actions, issues and decisions
    assert {(c.params["channel"], c.params["user"]) for c in previews} == {(CHANNEL, ALICE)}
    assert "Weekly digest for Apollo: AMBER" in previews[0].params["text"]
    assert "R-1" in str(previews[1].params["blocks"])
    assert len(fake.calls_to("chat.postMessage")) == posted_before  # nothing in the channel


def test_now_posts_the_parent_and_its_details_in_its_thread(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    seed_items(slack)
    slack.settle()
    already = len(fake.calls_to("chat.postMessage"))
    given: list[str] = []

    def posted(call: Call) -> dict[str, Any]:
        given.append(f"1800000000.{len(given):06d}")
        return {"ok": True, "channel": call.params["channel"], "ts": given[-1]}

    fake.set_response("chat.postMessage", posted)
    answer = slack.reply("/pmo", "digest now")
    assert "Posting *Apollo*'s digest" in reply_text(answer)
    slack.settle()
    parent, *replies = fake.calls_to("chat.postMessage")[already:]
    assert parent.params["channel"] == CHANNEL
    assert "thread_ts" not in parent.params
    assert "Weekly digest: Apollo" in str(parent.params["blocks"])
    assert "vendor late &lt;!channel&gt; &amp; co" in str(parent.params["blocks"])  # escaped
    assert "*Risks*: 1 opened, 0 closed · 1 open, top score 16" in str(parent.params["blocks"])
    assert len(replies) == 3  # risks, actions, issues and decisions; no standup here
    assert {(c.params["channel"], c.params.get("thread_ts")) for c in replies} == {
        (CHANNEL, given[0])
    }
    assert "<@" not in str([c.params["blocks"] for c in replies])  # mentions are off
    assert "Vendor may slip · :red_circle: 16 · bob" in str(replies[0].params["blocks"])
