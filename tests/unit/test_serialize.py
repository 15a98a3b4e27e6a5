"""handlers.blocks.serialize draws every builder exactly as slack_sdk's to_dict() does, and
still refuses what slack_sdk refuses."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RichTextBlock,
    RichTextSectionElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)

from bot.domain import Item, Kind
from bot.presses import due_mark, owner_mark
from handlers.blocks.controls import item_controls
from handlers.blocks.serialize import block_dict, block_dicts
from handlers.ids import CLOSE, DONE, REASSIGN, SNOOZE_DAY, SNOOZE_WEEK, UPDATE, controls_block
from tests.unit.test_blocks import item as make_item

BUILDERS: list[JsonObject] = [
    SectionBlock(text=MarkdownTextObject(text="*R-1* Vendor may slip"), block_id="item:R-1"),
    SectionBlock(text="plain words", fields=[PlainTextObject(text="a"), "*b*"]),
    ContextBlock(elements=[MarkdownTextObject(text="…and 3 more")]),
    DividerBlock(),
    HeaderBlock(text="Your PMO reminder"),
    ActionsBlock(
        block_id="controls:A-1",
        elements=[
            ButtonElement(text="Done", action_id="done", value="A-1", style="primary"),
            ButtonElement(
                text="Close",
                action_id="close",
                value="R-1",
                confirm=ConfirmObject(title="Close R-1?", text="It leaves the register."),
            ),
            UserSelectElement(placeholder=PlainTextObject(text="Reassign…"), action_id="reassign"),
        ],
    ),
    InputBlock(
        label="Likelihood",
        element=StaticSelectElement(
            action_id="likelihood",
            options=[Option(text=str(n), value=str(n)) for n in range(1, 6)],
        ),
        optional=True,
    ),
    InputBlock(label="Title", element=PlainTextInputElement(action_id="title", multiline=True)),
    RichTextBlock(elements=[RichTextSectionElement(elements=[])]),  # an empty list allowed
]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: type(b).__name__)
def test_draws_what_slack_sdk_draws(builder: JsonObject) -> None:
    assert block_dict(builder) == builder.to_dict()


def test_dicts_already_drawn_pass_through() -> None:
    drawn = {"type": "divider"}
    assert block_dicts([drawn, DividerBlock()]) == [drawn, {"type": "divider"}]


def test_refuses_what_slack_sdk_refuses() -> None:
    too_long = ButtonElement(text="x" * 80, action_id="done")  # button text: 75 at most
    with pytest.raises(SlackObjectFormationError):
        too_long.to_dict()
    with pytest.raises(SlackObjectFormationError):
        block_dict(ActionsBlock(elements=[too_long]))


def builders_controls(item: Item, origin: str) -> dict[str, Any]:
    """What item_controls drew through slack_sdk's builders before it drew dicts itself."""
    value = f"{item.ref} {origin}".strip()
    if item.kind is Kind.ACTION:
        value += f" due={due_mark(item.due)} owner={owner_mark(item.owner_id)}"
        elements: list[Any] = [
            ButtonElement(text="Done", action_id=DONE, value=value, style="primary"),
            ButtonElement(text="Snooze 1 day", action_id=SNOOZE_DAY, value=value),
            ButtonElement(text="Snooze 1 week", action_id=SNOOZE_WEEK, value=value),
            UserSelectElement(
                placeholder=PlainTextObject(text="Reassign…"),
                action_id=REASSIGN,
                initial_user=item.owner_id,
            ),
        ]
    else:
        elements = [
            ButtonElement(text="Update", action_id=UPDATE, value=value),
            ButtonElement(text="Close", action_id=CLOSE, value=value),
        ]
    block_id = controls_block(value.replace(" ", "|"))
    return ActionsBlock(block_id=block_id, elements=elements).to_dict()


@pytest.mark.parametrize(
    ("kind", "owner", "origin"),
    [
        (Kind.ACTION, "U0BOB", "list:open::apollo:1"),
        (Kind.ACTION, None, "show"),
        (Kind.RISK, "U0BOB", ""),
    ],
    ids=["owned action in a list", "unowned action shown", "risk in a reminder"],
)
def test_item_controls_are_what_the_builders_draw(
    kind: Kind, owner: str | None, origin: str
) -> None:
    item = make_item(kind, owner_id=owner)
    assert item_controls(item, origin) == builders_controls(item, origin)


@pytest.mark.parametrize("block_id", [None, "item:R-1"])
@pytest.mark.parametrize("text", ["*R-1* Vendor may slip", "x" * 3100, "&lt;@U1&gt; &amp; co"])
def test_section_and_context_are_drawn_as_slack_sdks_builders_draw_them(
    text: str, block_id: str | None
) -> None:
    from handlers.blocks.limits import CONTEXT_TEXT_MAX, TEXT_MAX
    from handlers.blocks.reply import context, section
    from handlers.blocks.text import clip

    built = SectionBlock(text=MarkdownTextObject(text=clip(text, TEXT_MAX)), block_id=block_id)
    assert section(text, block_id) == built.to_dict()
    element = MarkdownTextObject(text=clip(text, CONTEXT_TEXT_MAX))
    assert context(text, block_id) == ContextBlock(elements=[element], block_id=block_id).to_dict()
