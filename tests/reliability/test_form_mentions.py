"""Mentions typed into a form never ping, through the real app on SQLite and PostgreSQL: what a
person types into any form (add, edit, standup answers, "Log as RAID item") is stored and shown
as command text is, while the real mentions a form was prefilled with (the logged message's, the
edited item's) stay mentions."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine

from handlers import ids
from storage.models import Action, Risk, StandupAnswer
from tests.conftest import ALICE, CHANNEL
from tests.reliability.hostile_support import BROADCAST, shown_strings
from tests.scenario.conftest import SlackSide, reply_text, stored
from tests.scenario.test_controls_and_mentions import press
from tests.scenario.test_modals import (
    RISK_FORM,
    command,
    log_message,
    opened,
    option,
    posts_to,
    press_update,
    states,
    submit,
    text,
    user,
)
from tests.scenario.test_standup_answers import answer_states, reply, seed_standup
from tests.scenario.test_standup_answers import submit as submit_answers
from tests.support.slack_api import FakeSlackWebAPI

TYPED = "<@U0BOB> <!channel> <!here> <#C0OPS> <http://evil|google.com>"
LIVE_REF = re.compile(r"<([@#][UWC][A-Z0-9]+)>")  # a stored or shown mention that pings
LINK = re.compile(r"<(?:https?|mailto):", re.IGNORECASE)
CAROL = "U0CAROL"


@pytest.fixture
def apollo(any_slack: SlackSide, fake: FakeSlackWebAPI) -> SlackSide:
    fake.set_user(ALICE, tz="Europe/London", name="alice")
    any_slack.reply("/pmo", "project Apollo")
    return any_slack


def pinged(params: dict[str, Any]) -> set[str]:
    """Who and what a message sent to Slack would ping or link; fails on broadcasts and links."""
    found: set[str] = set()
    blocks = params.get("blocks") or []
    node = {
        "text": params.get("text"),
        "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
    }
    for shown in shown_strings(node):
        assert not BROADCAST.search(shown), shown
        assert not LINK.search(shown), shown
        found |= set(LIVE_REF.findall(shown))
    return found


def live_refs(*stored_text: str | None) -> set[str]:
    return {ref for value in stored_text for ref in LIVE_REF.findall(value or "")}


def test_the_add_form_stores_and_announces_typed_mentions_inert(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    command(apollo, "/risk add")
    typed = states(title=text(f"ask {TYPED}"), description=text(f"see {TYPED}"), owner=user(ALICE))

    submit(apollo, opened(fake), RISK_FORM | typed)

    [risk] = stored(any_engine, Risk)
    assert live_refs(risk.title, risk.description) == set()
    assert "<!channel> <!here>" in risk.title  # kept as typed, shown as text
    [announcement] = posts_to(fake, CHANNEL)
    assert pinged(announcement) == {f"@{ALICE}"}  # the person who logged it, and its owner
    shown = apollo.reply("/risk", "show R-1")
    assert pinged(shown) == {f"@{ALICE}"}
    assert "&lt;!channel&gt;" in reply_text(shown)


def test_the_edit_form_keeps_the_items_own_mentions_and_defuses_typed_ones(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    apollo.reply("/risk", f"add ask <@{CAROL}|carol> about the vendor")
    press_update(apollo, fake, "R-1")
    form = opened(fake)
    edited = states(
        title=text(f"ask <@{CAROL}> and {TYPED}"),
        description=text(TYPED),
        likelihood=option("3"),
        impact=option("3"),
        owner=user(ALICE),
        status=option("open"),
    )

    submit(apollo, form, edited)

    [risk] = stored(any_engine, Risk)
    assert live_refs(risk.title, risk.description) == {f"@{CAROL}"}  # the item had it before
    [announcement] = posts_to(fake, CHANNEL)
    assert pinged(announcement) == {f"@{ALICE}", f"@{CAROL}"}


def test_the_message_form_keeps_the_messages_mentions_and_defuses_typed_ones(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    log_message(apollo, fake, f"<@{CAROL}> says the vendor may slip <!here>")
    form = opened(fake)
    prefilled = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    title = prefilled["title"]["initial_value"]
    assert title == f"<@{CAROL}> says the vendor may slip @here"
    values = states(kind=option("A"), title=text(f"{title} {TYPED}"), owner=user(ALICE))

    submit(apollo, form, values)

    [action] = stored(any_engine, Action)
    assert live_refs(action.title) == {f"@{CAROL}"}
    [announcement] = posts_to(fake, CHANNEL)
    assert pinged(announcement) == {f"@{ALICE}", f"@{CAROL}"}


def test_the_standup_form_posts_typed_mentions_inert(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    standup = seed_standup(apollo, any_engine)
    press(apollo, fake, ids.STANDUP_ANSWER, f"{standup}:2026-11-19")

    submit_answers(apollo, opened(fake), answer_states(TYPED, f"more {TYPED}", "none"))

    [answer] = stored(any_engine, StandupAnswer)
    assert live_refs(*answer.answers) == set()
    parent, posted = posts_to(fake, CHANNEL)
    assert pinged(parent) == set()
    assert pinged(posted) <= {f"@{ALICE}"}


def test_a_standup_form_prefilled_with_a_real_mention_keeps_it(
    apollo: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    standup = seed_standup(apollo, any_engine)
    reply(apollo, f"paired with <@{CAROL}>\nthe signup form\nnone", "Ev0DM1")  # by DM: real

    press(apollo, fake, ids.STANDUP_ANSWER, f"{standup}:2026-11-19")
    form = opened(fake)
    assert form["private_metadata"].split(" ")[1:] == [f"@{CAROL}"]
    given = answer_states(f"paired with <@{CAROL}> and {TYPED}", "the signup form", "none")
    submit_answers(apollo, form, given)

    [answer] = stored(any_engine, StandupAnswer)
    assert live_refs(*answer.answers) == {f"@{CAROL}"}
