"""Pure rendering of a project's daily escalation: each newly late action with its owner and its
controls (a press redraws only that action's lines, see handlers.interactions), cut to fit one
message with a count of the rest and the command that lists them."""

from __future__ import annotations

from typing import Any

from bot.dates import format_day
from bot.domain import EscalationDue, LateAction
from handlers.blocks.controls import item_controls
from handlers.blocks.items import summary_line
from handlers.blocks.limits import MESSAGE_BLOCKS, Drawable, text_size
from handlers.blocks.reply import as_dicts, context, section
from handlers.blocks.text import Viewer, escape, mention, plural
from handlers.ids import item_block

# Each listed action takes its line and its buttons; the headline, the two closing lines and
# the one note a press leaves (handlers.blocks.items.patch_item_blocks) take the rest.
LISTED_MAX = (MESSAGE_BLOCKS - 4) // 2
# Of Slack's 12,000 characters of text a message, what the listed actions' lines and buttons
# may take: the rest is for the headline, the closing lines and the notes presses add.
TEXT_BUDGET = 9_000
LATE_LIST = "/action list overdue"


def render_escalation(due: EscalationDue, viewer: Viewer) -> tuple[str, list[dict[str, Any]]]:
    count = len(due.actions)
    reached = f"{plural(count, 'action')} reached {plural(due.escalation_days, 'working day')} late"
    name = escape(due.project.name)
    blocks: list[Drawable] = [section(f":rotating_light: *{name}*: {reached}")]
    size = 0
    listed: list[LateAction] = []
    for late in due.actions:
        drawn = _drawn(late, viewer)
        cost = text_size(drawn)
        if len(listed) == LISTED_MAX or size + cost > TEXT_BUDGET:
            break
        blocks.extend(drawn)
        size += cost
        listed.append(late)
    if len(listed) < count:
        blocks.append(context(f"…and {count - len(listed)} more — `{LATE_LIST}`"))
    blocks.append(context("Mark each done, snooze it or hand it over; each is raised only once."))
    owners = dict.fromkeys(mention(late.item.owner_id) for late in listed)
    text = f"{name}: {reached} — {', '.join(owners)}"
    return text, as_dicts(blocks)


def _drawn(late: LateAction, viewer: Viewer) -> list[dict[str, Any]]:
    """The action's line, the owner mentioned, and its buttons."""
    item = late.item
    line = f"{summary_line(item, viewer)} · *{plural(late.working_days_late, 'working day')} late*"
    if late.away_until is not None:
        line += f" · _owner away until {format_day(late.away_until, today=viewer.today)}_"
    drawn = as_dicts([section(line, block_id=item_block(item.ref))])
    controls = item_controls(item)
    return drawn + ([controls] if controls is not None else [])
