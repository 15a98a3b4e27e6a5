"""Pure Block Kit for standup answers: the day's thread parent, a member's answer post, the
answers modal, and the replies to an answer sent by DM."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.dates import format_day
from bot.errors import ParseError
from handlers.blocks.limits import Drawable, fit_view
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import clip, escape, escape_clip, mention, prefilled_refs, typed_text
from handlers.ids import STANDUP_LOG_BLOCKER, STANDUP_VIEW

ANSWER_MAX = 2000  # what the service accepts (bot.services.standup_answers.ANSWER_MAX)
QUESTIONS_SHOWN = 5
QUESTION_SHOWN = 150  # characters of a question drawn (as `/standup questions` allows)
ANSWER_SHOWN = 2600  # characters of an (escaped) answer in a post: inside a section's 3,000
# A message's blocks hold 12,000 characters of text in all: the answers share what the
# questions leave, which for five questions is still more than 2,000 each.
POST_TEXT_BUDGET = 11_000
ANSWER_BLOCK = "standup_answer_"  # + the question's index: one input per question
ANSWER_INPUT = "answer"
FALLBACK_MAX = 300
HELP = (
    "I post standup prompts here when a channel's standup asks for you. To answer, press "
    "*Answer* on the latest one, or reply here with one line per question, in order: "
    "\n>Finished the login page\n>The signup form\n>none\n"
    "With fewer lines than questions, the whole message answers the first question; edit "
    "your message to change your answers. For everything else: `/pmo help`."
)
_VALUE = re.compile(r"(\d{1,12}):(\d{4}-\d{2}-\d{2})")

Drawn = tuple[str, list[dict[str, Any]]]


# -- the button's value and the modal's private_metadata: "<standup id>:<ISO day>" (+ refs) --


def standup_day_value(standup_id: int, day: date) -> str:
    return f"{standup_id}:{day.isoformat()}"


def read_answer_view(metadata: str | None) -> tuple[int, date, tuple[str, ...]]:
    """The answers modal's private_metadata: "<standup id>:<ISO day>", then the real mentions
    its answers were prefilled with (`@U1 #C1`), which alone stay mentions (`typed_text`)."""
    value, *refs = (metadata or "").split(" ")
    standup_id, day = read_standup_day(value)
    return standup_id, day, tuple(refs)


def read_standup_day(value: str | None) -> tuple[int, date]:
    match = _VALUE.fullmatch((value or "").strip())
    try:
        if match is None:
            raise ValueError(value)
        return int(match[1]), date.fromisoformat(match[2])
    except ValueError:
        raise ParseError("This standup prompt is out of date: answer the latest one.") from None


# -- the thread ------------------------------------------------------------------------------


def render_parent(day: date, questions: Sequence[str]) -> Drawn:
    """The day's parent message, under which each answer is posted."""
    title = f"Standup — {format_day(day)}"
    asked = [
        f"{n}. {escape_clip(q, QUESTION_SHOWN)}"
        for n, q in enumerate(questions[:QUESTIONS_SHOWN], 1)
    ]
    blocks: list[Drawable] = [HeaderBlock(text=title)]
    if asked:
        blocks.append(section("*Today's questions*\n" + "\n".join(asked)))
    blocks.append(context("Answers appear in this thread as people send them."))
    return title, as_dicts(blocks)


def render_answer(
    answer_id: int,
    user_id: str,
    questions: Sequence[str],
    answers: Sequence[str],
    blocker: int | None,
) -> Drawn:
    """A member's answers: each question in bold, then its answer; the blocker (when `blocker`
    is an index) is marked :no_entry: and gets a button to log it as an issue."""
    blocks: list[Drawable] = [section(f"*{mention(user_id)}*")]
    asked = [escape_clip(question, QUESTION_SHOWN) for question in questions[:QUESTIONS_SHOWN]]
    room = (POST_TEXT_BUDGET - sum(len(q) for q in asked)) // max(len(asked), 1)
    shown: list[str] = []
    for index, question in enumerate(asked):
        answer = answers[index].strip() if index < len(answers) else ""
        text = escape_clip(answer, min(ANSWER_SHOWN, room)) if answer else "—"
        if index == blocker:
            text = f":no_entry: {text}"
        blocks.append(section(f"*{question}*\n{text}"))
        if answer:
            shown.append(f":no_entry: {answer}" if index == blocker else answer)
    if blocker is not None:
        button = ButtonElement(
            text="Log as issue", action_id=STANDUP_LOG_BLOCKER, value=str(answer_id)
        )
        blocks.append(ActionsBlock(elements=[button]))
    summary = escape_clip(" · ".join(shown), FALLBACK_MAX)
    return f"{mention(user_id)}'s standup: {summary}", as_dicts(blocks)


class ThreadDrawing:
    """The renderer the answer services post with (bot.services.standup_answers.ThreadRenderer)."""

    def parent(self, day: date, questions: Sequence[str]) -> Drawn:
        return render_parent(day, questions)

    def answer(
        self,
        answer_id: int,
        user_id: str,
        questions: Sequence[str],
        answers: Sequence[str],
        blocker: int | None,
    ) -> Drawn:
        return render_answer(answer_id, user_id, questions, answers, blocker)


THREAD = ThreadDrawing()


# -- the answers modal -----------------------------------------------------------------------


def answer_modal(
    standup_id: int,
    day: date,
    channel_id: str,
    questions: Sequence[str],
    answers: Sequence[str],
    blocker: int | None,
) -> dict[str, Any]:
    """One multiline input per question, prefilled with the answers already given."""
    blocks: list[Drawable] = [
        context(
            f"For <#{channel_id}>'s standup of {format_day(day)}. "
            "Answer what applies; you can change your answers later."
        )
    ]
    prefilled: list[str] = []
    for index, question in enumerate(questions[:QUESTIONS_SHOWN]):
        given = answers[index] if index < len(answers) else ""
        prefilled.append(clip(given, ANSWER_MAX))
        element = PlainTextInputElement(
            action_id=ANSWER_INPUT,
            multiline=True,
            max_length=ANSWER_MAX,
            initial_value=prefilled[-1] or None,
        )
        hint = (
            "Leave it empty, or write “none”, when nothing blocks you."
            if index == blocker
            else None
        )
        blocks.append(
            InputBlock(
                block_id=f"{ANSWER_BLOCK}{index}",
                label=clip(question, QUESTION_SHOWN),
                element=element,
                optional=True,
                hint=hint,
            )
        )
    metadata = " ".join([standup_day_value(standup_id, day), *prefilled_refs(*prefilled)])
    view = View(
        type="modal",
        callback_id=STANDUP_VIEW,
        title=clip(f"Standup · {format_day(day)}", 24),
        submit="Post",
        close="Cancel",
        blocks=fit_view(blocks),
        private_metadata=metadata,
    )
    return view.to_dict()


def read_answers(
    state: Mapping[str, Mapping[str, Mapping[str, Any]]], kept: Collection[str] = ()
) -> list[str]:
    """The submitted answers in question order ("" for an empty input), read as typed text:
    no mention but those the form was prefilled with (`kept`) pings."""
    found: dict[int, str] = {}
    for block_id, elements in state.items():
        if block_id.startswith(ANSWER_BLOCK) and block_id[len(ANSWER_BLOCK) :].isdecimal():
            value = (elements.get(ANSWER_INPUT) or {}).get("value")
            text = typed_text(value, kept) if isinstance(value, str) else ""
            found[int(block_id[len(ANSWER_BLOCK) :])] = text
    if not found:
        return []
    return [found.get(index, "") for index in range(max(found) + 1)]


def answer_errors(problems: Mapping[int, str]) -> dict[str, str]:
    """Per-input errors for `response_action: errors`."""
    return {f"{ANSWER_BLOCK}{index}": message for index, message in problems.items()}


# -- replies in the DM -----------------------------------------------------------------------


def render_answer_saved(channel_id: str, *, posted: bool, replaced: bool) -> Reply:
    where = f"<#{channel_id}>'s standup thread"
    if not posted:
        text = f":hourglass_flowing_sand: Saved; your answers will appear in {where} shortly."
    elif replaced:
        text = f":white_check_mark: Updated your answers in {where}."
    else:
        text = f":white_check_mark: Posted in {where}."
    return Reply(text, as_dicts([section(text)]))


def render_answer_problems(problems: Sequence[tuple[str, str]]) -> Reply:
    """Why a DM reply was not taken as answers, question by question."""
    lines = [
        f"• *{escape_clip(question, QUESTION_SHOWN)}*: {escape(message)}"
        if question
        else f"• {escape(message)}"
        for question, message in problems
    ]
    text = ":warning: I couldn't take that as your standup answers:\n" + "\n".join(lines)
    hint = "Send them again, or edit your message; one line per question."
    return Reply(clip(text, 2900), as_dicts([section(text), context(hint)]))


def render_dm_help() -> Reply:
    return Reply("Answering a standup", as_dicts([section(HELP)]))
