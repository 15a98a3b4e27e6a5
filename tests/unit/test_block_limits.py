"""The bug reports behind "limits by construction", and handlers.blocks.limits itself.

A `/risk list` or a reminder of titles full of `&<>` reached 13,700 characters of block text
(titles were cut before escaping, so `&` grew to `&amp;` past the cut); every press on a
reminder added another note under it, so 23 Snooze presses took a 28-block reminder to 51.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.domain import Item, ItemPage, Kind, ProjectSection, ReminderDue
from handlers.blocks.controls import control_target
from handlers.blocks.items import control_note, patch_item_blocks, render_page
from handlers.blocks.limits import MORE_BLOCK, fit_message, fit_view, text_size
from handlers.blocks.reminders import render_reminder
from handlers.blocks.reply import section
from handlers.blocks.text import clip
from handlers.ids import NOTE_BLOCK, SNOOZE_DAY, item_block
from tests.support.slack_specs import message_text_chars, specs_available, validate_blocks
from tests.support.surface_limits import assert_within_limits
from tests.unit.test_blocks import APOLLO, VIEWER, item

HOSTILE_TITLE = ("&<>" * 100)[:300]  # the longest title a command takes, all of it escaped


def risks(count: int) -> tuple[Item, ...]:
    return tuple(
        item(Kind.RISK, n, title=HOSTILE_TITLE, likelihood=5, impact=5, review_on=date(2026, 12, 1))
        for n in range(1, count + 1)
    )


def actions(count: int, start: int = 1) -> tuple[Item, ...]:
    return tuple(
        item(Kind.ACTION, n, title=HOSTILE_TITLE, due_on=date(2026, 11, 18))
        for n in range(start, start + count)
    )


def reminder(*sections: ProjectSection) -> ReminderDue:
    return ReminderDue("k", 1, "T1", "U0BOB", date(2026, 11, 19), "Europe/London", sections)


def test_a_risk_list_of_titles_full_of_escapes_stays_under_12000() -> None:
    page = ItemPage(Kind.RISK, APOLLO, "open", risks(20), total=45, page=1, page_size=20)

    reply = render_page(page, VIEWER)

    assert message_text_chars(reply.blocks) <= 12_000  # was 18,000 and more
    assert_within_limits(reply.blocks, fallback=reply.text)
    assert "page:2" in reply.blocks[-1]["elements"][0]["text"]


def test_a_reminder_of_titles_full_of_escapes_stays_under_12000() -> None:
    due = reminder(ProjectSection(APOLLO, overdue=actions(30)))

    _, blocks = render_reminder(due, VIEWER)

    assert message_text_chars(blocks) <= 12_000  # was 13,700
    assert_within_limits(blocks)


def press_snooze(blocks: list[dict[str, Any]], ref_number: int) -> list[dict[str, Any]]:
    """What a Snooze press on one item does to the message it is on (as show_outcome draws)."""
    [controls] = [
        b for b in blocks if str(b.get("block_id", "")).startswith(f"controls:A-{ref_number}|")
    ]
    button = next(e for e in controls["elements"] if e["action_id"] == SNOOZE_DAY)
    target = control_target(button)
    pressed = replace(actions(1, ref_number)[0], due_on=date(2026, 11, 20 + len(blocks) % 7))
    assert target.ref == pressed.ref
    note = control_note(pressed, "snoozed", "U0ALICE", VIEWER)
    return patch_item_blocks(blocks, pressed, VIEWER, note)


@pytest.mark.parametrize("presses", [23, 30, 100])
def test_presses_on_a_big_reminder_replace_their_note(presses: int) -> None:
    _, blocks = render_reminder(reminder(ProjectSection(APOLLO, overdue=actions(13))), VIEWER)
    assert len(blocks) == 30  # header, project, group, 13 × (line, controls), footer
    for press in range(presses):
        blocks = press_snooze(blocks, press % 13 + 1)

        assert len(blocks) <= 31, press  # was one more every press: 51 after 23
        assert message_text_chars(blocks) <= 12_000
    notes = [b for b in blocks if b.get("block_id") == NOTE_BLOCK]
    assert len(notes) == 1
    last = (presses - 1) % 13 + 1
    at = blocks.index(notes[0])
    assert blocks[at - 1]["block_id"] == item_block(f"A-{last}")  # under the item pressed
    assert_within_limits(blocks)


def test_a_message_past_its_limits_ends_with_where_the_rest_is() -> None:
    lines = [section("x" * 2900, block_id=item_block(f"R-{n}")) for n in range(1, 11)]

    blocks = fit_message(lines, "Next: `/risk list open page:2`")

    assert text_size(blocks) <= 12_000
    assert blocks[-1]["block_id"] == MORE_BLOCK
    more = blocks[-1]["elements"][0]["text"]
    assert more.startswith("…and 7 more not shown here: R-4, R-5, R-6, R-7, R-8, …")
    assert more.endswith("Next: `/risk list open page:2`")


def test_a_view_holds_100_blocks_and_no_more() -> None:
    rows = [section(f"row {n}") for n in range(150)]

    blocks = fit_view(rows)

    assert len(blocks) == 100
    assert blocks[-1]["elements"][0]["text"] == "…and 51 more not shown here."
    assert [b["text"]["text"] for b in fit_view(rows[:100])] == [f"row {n}" for n in range(100)]


@pytest.mark.parametrize(
    "text",
    ["&amp;" * 700, "a " + "<@U0BOB> " * 400, "<https://example.com/x|" + "y" * 3100 + ">"],
    ids=["entities", "mentions", "link"],
)
def test_cutting_a_section_never_lands_inside_an_entity_or_a_token(text: str) -> None:
    [block] = fit_message([{"type": "section", "text": {"type": "mrkdwn", "text": text}}])

    assert len(block["text"]["text"]) <= 3000
    assert_within_limits([block])
    assert block["text"]["text"] == clip(text, 3000)


def test_fitted_blocks_keep_to_the_schema() -> None:
    if not specs_available():
        pytest.skip("Slack specs not found (../shared/slack-specs): the schema part is skipped")
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 400}}
    button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "b" * 99}}
    actions_block = {"type": "actions", "elements": [button] * 30}
    fields = [{"type": "mrkdwn", "text": "f" * 2500}] * 12
    blocks = fit_message([header, actions_block, {"type": "section", "fields": fields}])
    validate_blocks(blocks)
