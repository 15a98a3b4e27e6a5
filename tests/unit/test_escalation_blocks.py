"""Tests for handlers.blocks.escalation: a project's daily escalation lists each late action with
its owner mentioned and its own controls, marks away owners, and stays inside Slack's limits
however many actions are late — still after each listed action was pressed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from bot.domain import EscalationDue, LateAction, ProjectRef
from handlers import ids
from handlers.blocks.controls import read_value
from handlers.blocks.escalation import LATE_LIST, render_escalation
from handlers.blocks.items import control_note, patch_item_blocks
from handlers.blocks.text import Viewer
from tests.support.slack_specs import validate_message_payload
from tests.unit.test_schedule import action

APOLLO = ProjectRef("apollo", "Apollo & Co", "C0APOLLO", "Europe/London")
NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)  # Thursday
VIEWER = Viewer(NOW, APOLLO.timezone)
ALICE, BOB = "U0ALICE", "U0BOB"


def late_action(
    number: int, owner: str = ALICE, title: str | None = None, away: date | None = None
) -> LateAction:
    item = action(number, owner=owner, proj=APOLLO, due_on=date(2026, 11, 16))
    return LateAction(replace(item, title=title or f"task {number}"), 3, date(2026, 11, 19), away)


def escalation(*actions: LateAction) -> EscalationDue:
    return EscalationDue(
        key="escalation:T0001:1:2026-11-19",
        workspace_id=1,
        team_id="T0001",
        local_day=date(2026, 11, 19),
        project=APOLLO,
        project_id=1,
        escalation_days=3,
        actions=actions,
    )


def draw(due: EscalationDue) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = render_escalation(due, VIEWER)
    validate_message_payload({"channel": APOLLO.channel_id, "text": text, "blocks": blocks})
    return text, blocks


def lines(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Each action's line by ref (the section whose block id names it)."""
    return {
        b["block_id"].removeprefix(ids.ITEM_BLOCK): b["text"]["text"]
        for b in blocks
        if str(b.get("block_id", "")).startswith(ids.ITEM_BLOCK)
    }


def controls(blocks: list[dict[str, Any]]) -> list[str]:
    """The ref each controls block acts on, as a press reads it back."""
    return [
        read_value(b["elements"][0]["value"]).ref
        for b in blocks
        if str(b.get("block_id", "")).startswith(ids.CONTROLS_BLOCK)
    ]


def all_text(blocks: list[dict[str, Any]]) -> str:
    return " ".join(str(b) for b in blocks)


def test_every_action_is_listed_with_its_owner_and_its_own_controls() -> None:
    due = escalation(late_action(1), late_action(2, BOB), late_action(3))
    text, blocks = draw(due)

    assert "*Apollo &amp; Co*: 3 actions reached 3 working days late" in blocks[0]["text"]["text"]
    shown = lines(blocks)
    assert list(shown) == ["A-1", "A-2", "A-3"]
    assert f"<@{BOB}>" in shown["A-2"]
    assert f"<@{ALICE}>" in shown["A-1"]
    assert all("*3 working days late*" in line for line in shown.values())
    assert controls(blocks) == ["A-1", "A-2", "A-3"]
    # Each action's buttons follow its line.
    order = [b.get("block_id", "") for b in blocks]
    for ref in ("A-1", "A-2", "A-3"):
        at = order.index(ids.item_block(ref))
        assert read_value(blocks[at + 1]["elements"][0]["value"]).ref == ref
    assert "more" not in all_text(blocks)
    assert text == f"Apollo &amp; Co: 3 actions reached 3 working days late — <@{ALICE}>, <@{BOB}>"


def test_an_away_owners_action_says_until_when() -> None:
    _, blocks = draw(escalation(late_action(1), late_action(2, BOB, away=date(2026, 11, 27))))
    shown = lines(blocks)
    assert shown["A-2"].endswith("· _owner away until Fri 27 Nov_")
    assert "away" not in shown["A-1"]


def test_two_hundred_late_actions_fit_one_message_and_say_how_to_see_the_rest() -> None:
    title = "& <b> " * 25  # each character escaped to several: the worst case for the budget
    due = escalation(*(late_action(n, f"U{n:04d}", title) for n in range(1, 201)))
    text, blocks = draw(due)

    listed = lines(blocks)
    assert 10 <= len(listed) < 200
    assert len(blocks) <= 50
    rest = 200 - len(listed)
    assert blocks[-2]["elements"][0]["text"] == f"…and {rest} more — `{LATE_LIST}`"
    assert controls(blocks) == list(listed)
    assert all(f"<@U{int(ref[2:]):04d}>" in line for ref, line in listed.items())
    assert text.count("<@") == len(listed)


def test_pressing_each_listed_action_keeps_the_others_and_the_limits() -> None:
    due = escalation(*(late_action(n, title="x" * 150) for n in range(1, 201)))
    _, blocks = draw(due)
    listed = list(lines(blocks))

    for number, ref in enumerate(listed, start=1):
        done = replace(due.actions[number - 1].item, status="done")
        note = control_note(done, "done", BOB, VIEWER)
        blocks = patch_item_blocks(blocks, done, VIEWER, note)
        validate_message_payload({"channel": APOLLO.channel_id, "text": "x", "blocks": blocks})
        assert controls(blocks) == listed[number:]  # the pressed one's buttons go, not others'
        assert list(lines(blocks)) == listed
        assert "_done_" in lines(blocks)[ref]
