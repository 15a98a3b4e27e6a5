"""Standup answers: the prompt's Answer button and its modal, replies and edits in the DM, and
the button that logs a posted blocker as an issue."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.domain import Kind
from bot.errors import ParseError
from bot.services import standup_answers
from bot.services.events import first_delivery
from bot.services.standup_answers import DmAnswer
from bot.services.submissions import ViewKey
from handlers.blocks.forms import FormMeta, message_form, no_project_form, prefill_from_message
from handlers.blocks.reply import Reply
from handlers.blocks.standup_thread import (
    THREAD,
    answer_errors,
    answer_modal,
    read_answer_view,
    read_answers,
    read_standup_day,
    render_answer_problems,
    render_answer_saved,
    render_dm_help,
)
from handlers.commands.context import deps_of
from handlers.parsing import clean_text


def handle_answer_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    """The prompt's Answer button: the answers modal, prefilled with answers already given."""
    ack()
    deps = deps_of(context)
    team_id, user_id = _who(body)
    standup_id, day = read_standup_day(action.get("value"))
    form = standup_answers.answer_form(
        deps, team_id=team_id, user_id=user_id, standup_id=standup_id, day=day
    )
    view = answer_modal(
        form.standup_id, form.day, form.channel_id, form.questions, form.answers, form.blocker
    )
    if not deps.slack.open_view(body["trigger_id"], view):
        text = "I couldn't open the form; reply here instead, one line per question."
        deps.slack.post_message(user_id, text)


def handle_answer_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The answers modal: a refusal shows under its input and keeps the modal open; else the
    answers are stored, the modal closes, and they are posted in the day's thread."""
    deps = deps_of(context)
    standup_id, day, kept = read_answer_view(view.get("private_metadata"))
    answers = read_answers(view["state"]["values"], kept)
    problems = standup_answers.answer_problems(answers, len(answers))
    if problems:
        ack(response_action="errors", errors=answer_errors(problems))
        return
    team_id, user_id = _who(body)
    record = standup_answers.record_answer(
        deps,
        team_id=team_id,
        user_id=user_id,
        standup_id=standup_id,
        day=day,
        answers=answers,
        source="modal",
        view=ViewKey(team_id, str(view["id"])),
    )
    ack()  # closes the form; a second delivery of it stored nothing and posts nothing
    if record is not None:
        standup_answers.post_answer(deps, record.id, render=THREAD)


def handle_direct_message(
    body: dict[str, Any], event: dict[str, Any], context: BoltContext
) -> None:
    """A reply in the DM answers the latest prompt; an edit of it changes the answers."""
    message = direct_message(event, context.bot_user_id)
    if message is None:
        return  # our own messages, other kinds of message events, other conversations
    deps = deps_of(context)
    team_id = body.get("team_id") or ""
    event_id = body.get("event_id") or f"{message.channel}:{event.get('event_ts')}"
    with first_delivery(deps, team_id, event_id) as first:
        if not first:
            return  # Slack's retry of a delivery we already handled
        answer = standup_answers.edit_by_dm if message.edited else standup_answers.answer_by_dm
        outcome = answer(
            deps,
            team_id=team_id,
            user_id=message.user,
            text=clean_text(message.text),
            dm_ts=message.ts,
            render=THREAD,
        )
        reply = dm_reply(outcome)
        if reply is not None:
            deps.slack.post_message(message.channel, reply.text, reply.blocks)


def handle_log_blocker(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    """A posted blocker's button: the issue form, prefilled, in the standup channel's project."""
    ack()
    deps = deps_of(context)
    team_id, _ = _who(body)
    value = str(action.get("value") or "")
    if not value.isdecimal():
        raise ParseError("This button is out of date.")
    blocker = standup_answers.blocker_of(deps, team_id=team_id, answer_id=int(value))
    if blocker.project is None:
        view = no_project_form(Kind.ISSUE)
    else:
        posted = blocker.posted_ts
        link = deps.slack.permalink(blocker.channel_id, posted) if posted else None
        meta = FormMeta(Kind.ISSUE, blocker.channel_id, blocker.project.slug, link)
        prefill = replace(prefill_from_message(blocker.text), person=blocker.user_id)
        view = message_form(Kind.ISSUE, meta, blocker.user_id, prefill, ())
    deps.slack.open_view(body["trigger_id"], view)


# -- reading Slack's payloads ------------------------------------------------------------------


@dataclass(frozen=True)
class DirectMessage:
    channel: str
    user: str
    text: str
    ts: str
    edited: bool


def direct_message(event: dict[str, Any], bot_user_id: str | None) -> DirectMessage | None:
    """A person's new or edited message in their DM with us; None for everything else (our
    own messages, joins, deletions, files, edits that changed no text, other conversations)."""
    channel = str(event.get("channel") or "")
    if event.get("channel_type") != "im" and not channel.startswith("D"):
        return None
    subtype = event.get("subtype")
    edited = subtype == "message_changed"
    if subtype is not None and not edited:
        return None
    message: dict[str, Any] = (event.get("message") or {}) if edited else event
    if edited and message.get("text") == (event.get("previous_message") or {}).get("text"):
        return None  # an unfurl or the like, not an edit of the words
    user = message.get("user")
    by_a_bot = message.get("bot_id") is not None or user in (None, bot_user_id)
    if by_a_bot or message.get("subtype") is not None or not message.get("ts"):
        return None
    return DirectMessage(
        channel, str(user), str(message.get("text") or ""), str(message["ts"]), edited
    )


def dm_reply(outcome: DmAnswer) -> Reply | None:
    if outcome.outcome == "no_prompt":
        return render_dm_help()
    if outcome.outcome == "invalid":
        return render_answer_problems(outcome.problems)
    if outcome.outcome in ("posted", "saved") and outcome.channel_id:
        posted = outcome.outcome == "posted"
        return render_answer_saved(outcome.channel_id, posted=posted, replaced=outcome.replaced)
    return None  # an edit of a message that was not an answer: nothing to say


def _who(body: dict[str, Any]) -> tuple[str, str]:
    """The team and person behind an interaction."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return str(team), str(user["id"])
