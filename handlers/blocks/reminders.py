"""Pure rendering of scheduled sends: a person's daily reminder DM, and the dispatch of each kind.

Items carry the same controls as everywhere (Done, Snooze, Reassign; Update, Close), so a click
in the DM is handled by the one controls route and patches this message with chat.update.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from bot.dates import format_day
from bot.domain import (
    ChannelLostDue,
    DigestDue,
    Due,
    Item,
    PortfolioDue,
    ProjectSection,
    ReminderDue,
    StandupPromptDue,
    StandupSummaryDue,
)
from handlers.blocks.channel_lost import render_channel_lost
from handlers.blocks.controls import item_controls
from handlers.blocks.digest import render_digest_due
from handlers.blocks.escalation import render_escalation
from handlers.blocks.items import summary_line
from handlers.blocks.limits import MESSAGE_BLOCKS, Drawable
from handlers.blocks.portfolio_digest import render_portfolio_due
from handlers.blocks.reply import as_dicts, context, section
from handlers.blocks.standup_prompts import render_prompt, render_summary
from handlers.blocks.text import Viewer, escape, plural
from handlers.ids import item_block

WITH_CONTROLS = 15  # items shown with their buttons; the rest are listed as plain lines
LINES_MAX = 2800
GROUPS = (
    ("overdue", ":warning: Overdue"),
    ("today", ":calendar: Due today"),
    ("tomorrow", ":soon: Due tomorrow"),
    ("reviews", ":mag: Due for review"),
)


def render_due(due: Due, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks for a scheduled send (the tick's renderer)."""
    if isinstance(due, ReminderDue):
        return render_reminder(due, Viewer(now, due.timezone))
    if isinstance(due, StandupPromptDue):
        return render_prompt(due)
    if isinstance(due, StandupSummaryDue):
        return render_summary(due)
    if isinstance(due, DigestDue):
        return render_digest_due(due)
    if isinstance(due, PortfolioDue):
        return render_portfolio_due(due)
    if isinstance(due, ChannelLostDue):
        return render_channel_lost(due)
    return render_escalation(due, Viewer(now, due.project.timezone))


def render_reminder(due: ReminderDue, viewer: Viewer) -> tuple[str, list[dict[str, Any]]]:
    day = format_day(due.local_day)
    blocks: list[Drawable] = [HeaderBlock(text=f"Your PMO reminder for {day}")]
    budget = WITH_CONTROLS
    rest: list[str] = []
    for number, project_section in enumerate(due.sections):
        if budget <= 0 or len(blocks) > MESSAGE_BLOCKS - 10:  # no room for more headings
            rest.extend(
                f"• {summary_line(i, viewer)}" for _, _, g in _groups(project_section) for i in g
            )
            continue
        if number:
            blocks.append(DividerBlock())
        blocks.append(section(_project_title(project_section)))
        for _, title, items in _groups(project_section):
            blocks.append(context(f"{title} ({len(items)})"))
            for item in items:
                if budget > 0 and len(blocks) < MESSAGE_BLOCKS - 6:
                    line = section(summary_line(item, viewer), block_id=item_block(item.ref))
                    blocks.append(line)
                    controls = item_controls(item)
                    if controls is not None:
                        blocks.append(controls)
                    budget -= 1
                else:
                    rest.append(f"• {summary_line(item, viewer)}")
    if rest:
        blocks.extend(_rest(rest))
    blocks.append(
        context("Buttons act at once. All yours: `/action list mine` · `/risk list mine`.")
    )
    text = f"Your PMO reminder for {day}: {_counts(due)}"
    return text, as_dicts(blocks)


def _groups(project_section: ProjectSection) -> list[tuple[str, str, tuple[Item, ...]]]:
    return [
        (name, title, getattr(project_section, name))
        for name, title in GROUPS
        if getattr(project_section, name)
    ]


def _project_title(project_section: ProjectSection) -> str:
    project = project_section.project
    count = plural(project_section.count, "item")
    return f"*{escape(project.name)}* <#{project.channel_id}> · {count}"


def _rest(lines: list[str]) -> list[Drawable]:
    """Items past the buttons' budget, as plain lines, as many as fit; then a count."""
    shown: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > LINES_MAX:
            break
        shown.append(line)
        size += len(line) + 1
    blocks: list[Drawable] = [section("And also:\n" + "\n".join(shown))]
    if len(shown) < len(lines):
        blocks.append(context(f"…and {len(lines) - len(shown)} more."))
    return blocks


def _counts(due: ReminderDue) -> str:
    totals = {name: sum(len(getattr(s, name)) for s in due.sections) for name, _ in GROUPS}
    words = {"overdue": "overdue", "today": "due today", "tomorrow": "due tomorrow"}
    words["reviews"] = "to review"
    return ", ".join(f"{count} {words[name]}" for name, count in totals.items() if count)
