"""`/standup` as signed slash commands through the real app, Slack played by a fake Web API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from storage.models import Standup, StandupAnswer
from tests.conftest import ALICE, BOB, CHANNEL
from tests.scenario.conftest import SlackSide, count, reply_text, stored
from tests.support.slack_api import FakeSlackWebAPI

CAROL = "U0CAROL"
THU = date(2026, 11, 19)
BOB_SENDS, CAROL_SENDS = "<@U0BOB|bob>", "<@U0CAROL|carol>"


def test_a_standup_is_set_up_shown_and_changed_in_its_channel(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    fake.set_channel(CHANNEL, "apollo", members=[ALICE, BOB, CAROL])

    before = slack.reply("/standup", "")
    created = slack.reply("/standup", "at 9:30am mon,wed,fri")
    shown = slack.reply("/standup", "")

    assert before["response_type"] == "ephemeral"
    assert "no standup yet" in reply_text(before)
    assert created["response_type"] == "in_channel"
    assert "<@U0ALICE> started a standup for this channel" in reply_text(created)
    assert "at *09:30* in each person's own time zone, on Mon, Wed, Fri" in reply_text(created)
    assert "everyone in this channel (3 members now)" in reply_text(created)
    assert shown["response_type"] == "ephemeral"
    assert "*Standup in <#C0APOLLO>* — *on*" in reply_text(shown)
    [members_call] = fake.calls_to("conversations.members")
    assert members_call.params["channel"] == CHANNEL

    questions = slack.reply(
        "/standup", 'questions "What did you ship?" | What\'s next? | "Blocked by?"'
    )
    members = slack.reply("/standup", f"members {BOB_SENDS} {CAROL_SENDS}")
    moved = slack.reply("/standup", "at 10:00")
    for announced in (questions, members, moved):
        assert announced["response_type"] == "in_channel"
    assert "1. What did you ship?\n2. What's next?\n3. Blocked by?" in reply_text(questions)
    assert "who is asked in the standup: <@U0BOB>, <@U0CAROL>" in reply_text(members)
    assert "from 09:30 to *10:00*" in reply_text(moved)

    again = slack.reply("/standup", "at 10:00")
    assert again["response_type"] == "ephemeral"
    assert "Nothing to change" in reply_text(again)

    [standup] = stored(sqlite_engine, Standup)
    assert (standup.at_time, standup.days, standup.enabled) == ("10:00", "mon,wed,fri", True)
    assert standup.questions == ["What did you ship?", "What's next?", "Blocked by?"]
    assert (standup.members_mode, standup.members) == ("list", [BOB, CAROL])
    assert (standup.timezone, standup.created_by) == ("Europe/London", ALICE)
    assert (standup.nudge_minutes, standup.cutoff_minutes) == (120, 240)


def test_pause_resume_and_asking_the_channel_again(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    fake.set_channel(CHANNEL, "apollo", members=[ALICE])
    slack.reply("/standup", "at 09:30")
    slack.reply("/standup", f"members {BOB_SENDS}")

    off = slack.reply("/standup", "off")
    refused_now = slack.reply("/standup", "now")
    on = slack.reply("/standup", "on")
    fake.set_channel(CHANNEL, "apollo", members=[ALICE, CAROL])
    channel = slack.reply("/standup", "members channel")

    assert off["response_type"] == on["response_type"] == channel["response_type"] == "in_channel"
    assert "paused this channel's standup" in reply_text(off)
    assert refused_now["response_type"] == "ephemeral"
    assert "`/standup on` starts it again first" in reply_text(refused_now)
    assert "*Example:* `/standup now`" in reply_text(refused_now)
    assert "resumed this channel's standup" in reply_text(on)
    assert "everyone in this channel (2 members now)" in reply_text(channel)
    [standup] = stored(sqlite_engine, Standup)
    assert (standup.members_mode, standup.members, standup.enabled) == (
        "channel",
        [ALICE, CAROL],
        True,
    )


def test_a_private_channel_the_bot_cant_see_is_still_set_up_with_a_warning(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    fake.fail_next("conversations.members", status=200, error="channel_not_found")

    created = slack.reply("/standup", "at 09:30")

    assert created["response_type"] == "in_channel"
    assert "invite me with `/invite @PMO Bot`" in reply_text(created)
    [standup] = stored(sqlite_engine, Standup)
    assert (standup.members_mode, standup.members, standup.members_read_on) == (
        "channel",
        [],
        None,
    )


def test_bad_standup_commands_are_refused_with_usage_and_store_nothing(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    cases = [
        ("at 25:00", "hours go from 0 to 23", "/standup at 09:30 mon,wed,fri"),
        ("at 09:30 funday", "“funday” isn't a day", "/standup at 09:30 mon,wed,fri"),
        ("questions a|b|c|d|e|f", "That's 6 questions", None),
        ("members bob", "“bob” isn't a person", "/standup members @bob @carol"),
        ("report tomorrow", "Tomorrow hasn't happened yet", "/standup report yesterday"),
        ("questions Blockers?", "no standup yet", None),
        ("now", "no standup yet", "/standup now"),
        ("report", "no standup yet", "/standup report yesterday"),
        ("dance", "“dance” isn't a /standup command", "/standup at 09:30 mon,wed,fri"),
    ]
    for text, message, example in cases:
        refused = slack.reply("/standup", text)
        assert refused["response_type"] == "ephemeral", text
        assert message in reply_text(refused), text
        assert "*Usage:*" in reply_text(refused), text
        if example is not None:
            assert f"*Example:* `{example}`" in reply_text(refused), text
    assert count(sqlite_engine, Standup) == 0


def test_now_and_the_report_of_the_day(
    slack: SlackSide, sqlite_engine: Engine, fake: FakeSlackWebAPI, clock: FixedClock
) -> None:
    fake.set_channel(CHANNEL, "apollo", members=[ALICE, BOB, CAROL])
    slack.reply("/standup", "at 09:30")

    now = slack.reply("/standup", "now")
    twice = slack.reply("/standup", "now")

    assert now["response_type"] == "in_channel"
    assert "prompts are on their way by DM" in reply_text(now)
    assert twice["response_type"] == "ephemeral"
    assert "already asked for today (Thu 19 Nov)" in reply_text(twice)
    [standup] = stored(sqlite_engine, Standup)
    assert standup.run_now_on == THU

    at = datetime(2026, 11, 19, 9, 45, tzinfo=UTC)
    with Session(sqlite_engine) as session, session.begin():
        for user, answers in (
            (ALICE, ["shipped the <b>API</b>", "docs", "none"]),
            (BOB, ["fixes", "tests", "waiting on legal & <!here>"]),
        ):
            session.add(
                StandupAnswer(
                    workspace_id=standup.workspace_id,
                    standup_id=standup.id,
                    user_id=user,
                    day=THU,
                    answers=answers,
                    source="modal",
                    created_at=at,
                    updated_at=at,
                )
            )

    report = slack.reply("/standup", "report")
    earlier = slack.reply("/standup", "report monday")

    assert report["response_type"] == earlier["response_type"] == "ephemeral"
    text = reply_text(report)
    assert report["text"] == "Standup Thu 19 Nov: 2 of 3 answered, 1 blocker"
    assert text.index("<@U0BOB>") < text.index("<@U0ALICE> ·")  # blockers first
    assert ":rotating_light: *Blocker:* waiting on legal &amp; &lt;!here&gt;" in text
    assert "shipped the &lt;b&gt;API&lt;/b&gt;" in text
    assert ":hourglass: *Not answered yet:* <@U0CAROL>" in text
    assert "Standup — Mon 16 Nov" in reply_text(earlier)
    assert "Nobody answered." in reply_text(earlier)


def test_help_and_standups_in_other_workspaces(slack: SlackSide, sqlite_engine: Engine) -> None:
    helped = slack.reply("/standup", "help")
    slack.reply("/standup", "at 09:30")
    theirs = slack.reply("/standup", "", team_id="T0OTHER")
    pmo_help = slack.reply("/pmo", "help")

    assert helped["response_type"] == "ephemeral"
    assert "/standup at &lt;hh:mm&gt;" in reply_text(helped)
    assert "no standup yet" in reply_text(theirs)
    assert "*/standup* — this channel's standup" in reply_text(pmo_help)
    assert count(sqlite_engine, Standup) == 1
