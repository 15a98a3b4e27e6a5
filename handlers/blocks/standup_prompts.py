"""Pure rendering of the standup's scheduled sends: a prompt or nudge, the day's summary."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.dates import format_day
from bot.domain import StandupPromptDue, StandupSummaryDue
from handlers.blocks.limits import Drawable
from handlers.blocks.reply import as_dicts, context, section
from handlers.blocks.text import escape, mention, plural
from handlers.ids import STANDUP_ANSWER


def render_prompt(due: StandupPromptDue) -> tuple[str, list[dict[str, Any]]]:
    standup = due.standup
    day = format_day(due.local_day)
    where = f"<#{standup.channel_id}>"
    if due.nudge:
        opening = f":bell: A gentle nudge: the {where} standup for {day} is still waiting for you."
    else:
        opening = f":wave: Standup time for {where} — {day}."
    questions = "\n".join(f"{n}. {escape(q)}" for n, q in enumerate(standup.questions, 1))
    button = ButtonElement(
        text="Answer",
        action_id=STANDUP_ANSWER,
        value=f"{standup.id}:{due.local_day.isoformat()}",
        style="primary",
    )
    blocks: list[Drawable] = [
        section(f"{opening}\n{questions}"),
        ActionsBlock(elements=[button]),
        context(
            "…or just reply here, one line per question. Your answers go to the team's thread."
        ),
    ]
    text = f"{'Reminder: ' if due.nudge else ''}standup time for {where} ({day})"
    return text, as_dicts(blocks)


def render_summary(due: StandupSummaryDue) -> tuple[str, list[dict[str, Any]]]:
    day = format_day(due.local_day)
    people = len(due.answered) + len(due.missing)
    lines = [f":clipboard: *Standup summary — {day}*: {len(due.answered)} of {people} answered."]
    for label, who in (("Answered", due.answered), ("Away", due.away), ("Missing", due.missing)):
        if who:
            names = ", ".join(mention(user) for user in who[:60])
            more = f" and {len(who) - 60} more" if len(who) > 60 else ""
            lines.append(f"*{label}* ({len(who)}): {names}{more}")
    blocks: list[Drawable] = [section("\n".join(lines))]
    if not due.answered:
        blocks.append(context(f"No answers today: {plural(people, 'member')} were asked."))
    return f"Standup summary for {day}: {len(due.answered)} of {people} answered", as_dicts(blocks)
