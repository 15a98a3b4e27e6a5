"""Modals: the add form (`/risk add` with no text), the edit form (the Update button) and "Log as
RAID item" on a message. A submission is checked field by field before anything is stored, and
stored once however often Slack delivers it (the submissions ledger, keyed by `view.id`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.deps import Deps
from bot.domain import Actor, Change, Kind
from bot.errors import UserError
from bot.fields import FIELDS
from bot.services import items, pickers, registers
from bot.services.scope import NO_PROJECT
from bot.services.submissions import ViewKey
from handlers.blocks.controls import control_target
from handlers.blocks.forms import (
    FormMeta,
    Submission,
    add_form,
    edit_form,
    message_form,
    no_project_form,
    parse_submission,
    picked_kind,
    prefill_from_message,
    prefill_from_state,
)
from handlers.blocks.items import render_change
from handlers.blocks.projects import render_error
from handlers.blocks.reply import Reply
from handlers.commands.context import actor_from_interaction, deps_of, local_now, viewer_for
from handlers.grammar import OpenAddForm
from handlers.parsing import clean_text, parse_ref
from handlers.usage import ITEM_USAGE

SHORTCUT_KIND = Kind.ACTION  # what a message is most often logged as; the form can switch


def open_add_form(deps: Deps, actor: Actor, parsed: OpenAddForm, trigger_id: str) -> Reply | None:
    """Open the kind's form, or in a channel with no project a modal saying how to make one.
    None when it opened; else the reply to send instead (the shell has no modals)."""
    place = pickers.form_place(deps, actor, parsed.project)
    if place.project is None:
        view = no_project_form(parsed.kind)
    else:
        meta = FormMeta(parsed.kind, actor.channel_id, place.project.slug)
        view = add_form(parsed.kind, meta, actor.user_id, place.project)
    if deps.slack.open_view(trigger_id, view):
        return None
    if place.project is None:
        return render_error(UserError(NO_PROJECT))
    usage = ITEM_USAGE[parsed.kind]["add"]
    typed = f"{parsed.kind.command} add <{FIELDS[parsed.kind][0].label}> …"
    message = f"I couldn't open the form; type `{typed}` instead."
    return render_error(UserError(message, usage=usage.usage, example=usage.example))


def handle_add_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    meta, actor, form = _read_form(deps, body, view)
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    project = form.project or meta.project
    change = items.add_item(deps, actor, meta.kind, form.values, project, view=_key(actor, view))
    ack()  # closes the form; a second delivery of it stored nothing and announces nothing
    if change is not None:
        _announce(deps, actor, change)


def handle_edit_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    meta, actor, form = _read_form(deps, body, view)
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    if not form.values:
        ack()  # nothing changed: just close
        return
    change = items.update_item(
        deps, actor, meta.kind, meta.edited, form.values, "updated", view=_key(actor, view)
    )
    ack()
    if change is not None:
        _announce(deps, actor, change)


def handle_update_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    """The Update button under an item: its edit form, if the item is in this workspace."""
    ack()
    deps = deps_of(context)
    actor = actor_from_interaction(deps, body)
    kind, number = parse_ref(control_target(action).ref)
    item = registers.show_item(deps, actor, kind, number)
    deps.slack.open_view(body["trigger_id"], edit_form(item, actor.channel_id, actor.timezone))


def handle_log_message_shortcut(
    ack: Ack, shortcut: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """The "Log as RAID item" shortcut: a form prefilled with the message, keeping its link."""
    ack()
    deps = deps_of(context)
    actor = actor_from_interaction(deps, shortcut)
    place = pickers.form_place(deps, actor, None)
    message = shortcut.get("message") or {}
    link = deps.slack.permalink(actor.channel_id, shortcut.get("message_ts") or message["ts"])
    slug = place.project.slug if place.project else None
    meta = FormMeta(SHORTCUT_KIND, actor.channel_id, slug, link)
    prefill = prefill_from_message(clean_text(message.get("text") or ""))
    view = message_form(SHORTCUT_KIND, meta, actor.user_id, prefill, place.choices)
    if not deps.slack.open_view(shortcut["trigger_id"], view):
        respond(text="I couldn't open the form; try the shortcut again.", response_type="ephemeral")


def handle_kind_select(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    """The message form's kind picker: redraw the form for that kind, keeping what was typed."""
    ack()
    deps = deps_of(context)
    view = body["view"]
    meta = FormMeta.loads(view.get("private_metadata"))
    actor = _actor(deps, body, meta.channel_id)
    place = pickers.form_place(deps, actor, meta.project)
    meta = replace(meta, project=place.project.slug if place.project else None)
    prefill = prefill_from_state(view["state"]["values"])
    form = message_form(picked_kind(action), meta, actor.user_id, prefill, place.choices)
    deps.slack.update_view(view["id"], form, view.get("hash"))


def _read_form(
    deps: Deps, body: dict[str, Any], view: dict[str, Any]
) -> tuple[FormMeta, Actor, Submission]:
    """A submitted form: what it was for, who sent it, and its values or per-field errors."""
    meta = FormMeta.loads(view.get("private_metadata"))
    actor = _actor(deps, body, meta.channel_id)
    form = parse_submission(meta, view["state"]["values"], now=local_now(viewer_for(deps, actor)))
    return meta, actor, form


def _actor(deps: Deps, body: dict[str, Any], channel_id: str) -> Actor:
    """The payload's team and person; the channel the form was opened from."""
    return replace(actor_from_interaction(deps, body), channel_id=channel_id)


def _key(actor: Actor, view: dict[str, Any]) -> ViewKey:
    """This submission in the submissions ledger: a view is stored once."""
    return ViewKey(actor.team_id, str(view["id"]))


def _announce(deps: Deps, actor: Actor, change: Change) -> None:
    """Tell the project's channel, as the slash commands do in their reply."""
    reply = render_change(change, actor.user_id, viewer_for(deps, actor))
    deps.slack.post_message(change.item.project.channel_id, reply.text, reply.blocks)
