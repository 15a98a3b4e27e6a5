"""Controls pressed on items — Done, Snooze 1 day/1 week, Reassign, Close — wherever shown."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.deps import Deps
from bot.domain import Actor, Change, Kind
from bot.services import controls
from bot.services.controls import Outcome
from handlers.blocks.controls import SHOW_ORIGIN, control_target, parse_list_origin
from handlers.blocks.items import control_note, patch_item_blocks, render_change
from handlers.blocks.limits import fit_message
from handlers.commands.context import actor_from_interaction, deps_of, viewer_for
from handlers.commands.items import run_item_command
from handlers.grammar import ListItems, ShowItem
from handlers.ids import CLOSE, DONE, REASSIGN, SNOOZE_DAY, SNOOZE_WEEK
from handlers.parsing import parse_ref

CONTROLS = {DONE: "done", CLOSE: "close", SNOOZE_DAY: "snooze_day", SNOOZE_WEEK: "snooze_week"}
CONTROLS[REASSIGN] = "reassign"


def handle_item_control(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    ack()
    deps = deps_of(context)
    actor = actor_from_interaction(deps, body)
    target = control_target(action)
    kind, number = parse_ref(target.ref)
    control, assignee = CONTROLS[action["action_id"]], action.get("selected_user")
    outcome = controls.press(
        deps, actor, kind, number, control, assignee=assignee, drawn=target.drawn
    )
    show_outcome(deps, actor, body, target.origin, outcome, respond)


def show_outcome(
    deps: Deps, actor: Actor, body: dict[str, Any], origin: str, outcome: Outcome, respond: Respond
) -> None:
    """Redraw where the control was pressed, and tell the project's channel about a change."""
    viewer = viewer_for(deps, actor)
    item = outcome.item
    note = control_note(
        item,
        outcome.verb,
        actor.user_id,
        viewer,
        None if outcome.changed else outcome.note,
        already=outcome.already,
    )
    if outcome.changed:
        announcement = render_change(Change(item, outcome.verb), actor.user_id, viewer)
        deps.slack.post_message(item.project.channel_id, announcement.text, announcement.blocks)
    container = body.get("container") or {}
    message = body.get("message")
    again = redraw(item.kind, item.number, item.project.slug, origin)
    if again is not None:
        reply = run_item_command(deps, actor, again, viewer)
        respond(replace_original=True, text=reply.text, blocks=fit_message([note, *reply.blocks]))
    elif message and container.get("channel_id") and container.get("message_ts"):
        blocks = patch_item_blocks(message.get("blocks") or [], item, viewer, note)
        text = message.get("text") or item.ref
        deps.slack.update_message(container["channel_id"], container["message_ts"], text, blocks)
    elif container.get("type") != "view":
        respond(replace_original=False, response_type="ephemeral", text=note["elements"][0]["text"])


def redraw(kind: Kind, number: int, slug: str, origin: str) -> ListItems | ShowItem | None:
    """The command that draws the ephemeral message the controls were on (Slack does not send
    ephemeral messages back with the click, so they are redrawn from the database)."""
    listed = parse_list_origin(origin)
    if listed is not None:
        scope, owner, listed_slug, page = listed
        return ListItems(kind, scope, owner, listed_slug or slug, page)
    if origin == SHOW_ORIGIN:
        return ShowItem(kind, number)
    return None
