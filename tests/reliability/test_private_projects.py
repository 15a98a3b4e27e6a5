"""Private projects through the real app, on SQLite and PostgreSQL: a project bound to a
private channel is shown, exported and changed only by that channel's members (asked of Slack,
conversations.info and conversations.members); a refusal says why and stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.services.home import HOME_WINDOW
from handlers import ids
from storage.models import Action, Project, StatusUpdate
from tests.conftest import ALICE, BOB, TEAM
from tests.reliability.conftest import row_counts
from tests.scenario.conftest import SlackSide, reply_text, stored
from tests.scenario.test_controls_and_mentions import press
from tests.scenario.test_home import open_home
from tests.support.slack_api import FakeSlackWebAPI

SECRET = "C0SECRET"  # the private channel Skunk works in: Alice is a member, Bob is not
NOT_IN = "private channel you're not in"


@pytest.fixture
def skunk(any_slack: SlackSide, fake: FakeSlackWebAPI) -> SlackSide:
    """Apollo (public, CHANNEL) and Skunk (private, SECRET) with A-1, which Bob owns."""
    fake.set_channel(SECRET, "skunk-works", members=[ALICE, "U0PMOBOT"], is_private=True)
    any_slack.reply("/pmo", "project Apollo")
    any_slack.reply("/pmo", "project Skunk", channel_id=SECRET)
    any_slack.reply(
        "/action", f"add review the budget <@{BOB}|bob> due tomorrow", channel_id=SECRET
    )
    any_slack.settle()
    return any_slack


def as_bob(slack: SlackSide, command: str, text: str) -> str:
    """What Bob reads after typing the command in Apollo's (public) channel."""
    return reply_text(slack.reply(command, text, user_id=BOB, user_name="bob"))


def press_done(slack: SlackSide, fake: FakeSlackWebAPI, user: str) -> None:
    """`user` presses Done on A-1 in a message drawn in Apollo's channel."""
    press(slack, fake, ids.DONE, "A-1", user=user)


def stored_rows(engine: Engine) -> dict[str, int]:
    """Every table's row count but the profile cache (Bob's zone, looked up at his first
    command, is not something he typed)."""
    return {table: n for table, n in row_counts(engine).items() if table != "user_profiles"}


def responses(fake: FakeSlackWebAPI) -> str:
    return " ".join(json.dumps(post.payload) for post in fake.responses)


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/action", "list project:skunk"),
        ("/action", "show A-1"),
        ("/action", "history A-1"),
        ("/action", "done A-1"),
        ("/action", "due A-1 next friday"),
        ("/action", "add sneak in project:skunk"),
        ("/action", "export project:skunk"),
        ("/pmo", "status red project:skunk hacked"),
        ("/pmo", "status project:skunk"),
        ("/pmo", "reminders off project:skunk"),
        ("/pmo", "digest off project:skunk"),
        ("/pmo", "digest now project:skunk"),
        ("/action", f"list project:<#{SECRET}|skunk-works>"),
    ],
)
def test_a_non_member_is_refused_with_the_reason_and_nothing_is_stored(
    skunk: SlackSide, any_engine: Engine, command: str, text: str
) -> None:
    before = stored_rows(any_engine)
    [drawn] = stored(any_engine, Action)

    said = as_bob(skunk, command, text)
    skunk.settle()

    assert NOT_IN in said, said
    assert "review the budget" not in said
    assert stored_rows(any_engine) == before
    [action] = stored(any_engine, Action)
    assert (action.status, action.due_on) == ("open", drawn.due_on)
    skunk_project = next(p for p in stored(any_engine, Project) if p.slug == "skunk")
    assert (skunk_project.reminders_on, skunk_project.digest_on) == (True, True)


def test_a_member_uses_it_from_any_channel(skunk: SlackSide, any_engine: Engine) -> None:
    listed = reply_text(skunk.reply("/action", "list project:skunk"))  # Alice, from Apollo's
    assert "review the budget" in listed
    skunk.reply("/pmo", "status amber project:skunk budget tight")
    assert [s.rag for s in stored(any_engine, StatusUpdate)] == ["amber"]


def test_a_non_member_pressing_done_is_told_why(
    skunk: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    press_done(skunk, fake, BOB)
    skunk.settle()
    assert NOT_IN in responses(fake)
    assert [a.status for a in stored(any_engine, Action)] == ["open"]

    press_done(skunk, fake, ALICE)
    skunk.settle()
    assert [a.status for a in stored(any_engine, Action)] == ["done"]


def test_listings_leave_private_projects_out_for_non_members(skunk: SlackSide) -> None:
    bobs = as_bob(skunk, "/pmo", "portfolio")
    assert "Apollo" in bobs
    assert "Skunk" not in bobs
    alices = reply_text(skunk.reply("/pmo", "portfolio"))
    assert "Apollo" in alices
    assert "Skunk" in alices

    hint = as_bob(skunk, "/action", "list project:nosuch")
    assert "`apollo`" in hint
    assert "skunk" not in hint


def test_the_home_tab_leaves_out_what_its_reader_may_not_see(
    skunk: SlackSide, fake: FakeSlackWebAPI
) -> None:
    open_home(skunk, BOB)
    skunk.settle()
    assert "review the budget" not in json.dumps(fake.calls_to("views.publish")[-1].params)

    fake.set_channel(SECRET, "skunk-works", members=[ALICE, BOB], is_private=True)
    skunk.web.deps.memo.put(("members", TEAM, SECRET), (frozenset({ALICE, BOB}),), _now(skunk))
    clock = skunk.web.deps.clock
    assert isinstance(clock, FixedClock)
    clock.advance(HOME_WINDOW)  # an opening within the window of the last is not drawn again
    open_home(skunk, BOB)
    skunk.settle()
    assert "review the budget" in json.dumps(fake.calls_to("views.publish")[-1].params)


def test_a_members_export_of_a_private_project_goes_to_their_dm(
    skunk: SlackSide, fake: FakeSlackWebAPI
) -> None:
    ack = reply_text(skunk.reply("/action", "export project:skunk"))  # in Apollo's channel
    skunk.settle()
    assert "direct message" in ack
    assert "private" in ack
    [upload] = fake.calls_to("files.completeUploadExternal")
    assert upload.params["channel_id"] == ALICE  # the fake keeps a DM under the user's id

    skunk.reply("/action", "export", channel_id=SECRET)  # in its own channel: shared there
    skunk.settle()
    assert fake.calls_to("files.completeUploadExternal")[-1].params["channel_id"] == SECRET


def test_when_slack_cannot_say_the_person_is_asked_to_try_again(
    any_slack: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    fake.set_channel(SECRET, "skunk-works", members=[ALICE], is_private=True)
    any_slack.reply("/pmo", "project Apollo")
    fake.fail_next("conversations.info", 2, error="internal_error", channel=SECRET)
    any_slack.reply("/pmo", "project Skunk", channel_id=SECRET)  # Slack can't say: unknown
    before = stored_rows(any_engine)

    said = as_bob(any_slack, "/pmo", "status red project:skunk hacked")

    assert "try again in a moment" in said
    assert stored_rows(any_engine) == before


def test_a_private_channel_the_bot_cannot_read_says_invite_me(
    any_slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    fake.set_channel(SECRET, "skunk-works", members=[ALICE], is_private=True)
    any_slack.reply("/pmo", "project Apollo")
    fake.fail_next("conversations.members", error="not_in_channel")
    any_slack.reply("/pmo", "project Skunk", channel_id=SECRET)
    said = as_bob(any_slack, "/action", "list project:skunk")
    assert "/invite @PMO Bot" in said


def _now(slack: SlackSide) -> Any:
    return slack.web.deps.clock.now()
