"""handlers.blocks.serialize draws every builder exactly as slack_sdk's to_dict() does, and
still refuses what slack_sdk refuses."""

from __future__ import annotations

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

from handlers.blocks.serialize import block_dict, block_dicts

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
            UserSelectElement(
                placeholder=PlainTextObject(text="Reassign…"), action_id="reassign"
            ),
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
