"""`/risk`, `/action`, `/issue`, `/decision`: one grammar, one listener, four registers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.services import items, registers
from handlers.blocks.items import render_change, render_item, render_page
from handlers.blocks.projects import render_help
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from handlers.commands.context import (
    actor_from_command,
    answer,
    deps_of,
    local_now,
    viewer_for,
)
from handlers.commands.export import start_export
from handlers.grammar import (
    AddItem,
    CloseItem,
    ExportItems,
    Help,
    ItemCommand,
    ListItems,
    OpenAddForm,
    ReopenItem,
    ShowItem,
    SupersedeDecision,
    UpdateItem,
    parse_item_command,
)
from handlers.modals import open_add_form
from handlers.usage import kind_overview


def handle_raid_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    kind = Kind.of_command(command["command"])
    actor = actor_from_command(deps, command)
    viewer = viewer_for(deps, actor)
    parsed = parse_item_command(kind, command.get("text") or "", now=local_now(viewer))
    if isinstance(parsed, OpenAddForm):
        refusal = open_add_form(deps, actor, parsed, command.get("trigger_id") or "")
        answer(ack, refusal)
        return
    reply = run_item_command(deps, actor, parsed, viewer)
    answer(ack, reply)


def run_item_command(deps: Deps, actor: Actor, parsed: ItemCommand, viewer: Viewer) -> Reply:
    """One service call for the parsed command, rendered."""
    match parsed:
        case Help(kind=kind) if kind is not None:
            overview = kind_overview(kind)
            return render_help(f"{kind.command} — {overview.summary}", overview.usage)
        case AddItem(kind=kind, values=values, project=project):
            change = items.add_item(deps, actor, kind, values, project)
        case UpdateItem(kind=kind, number=number, values=values, verb=verb):
            change = items.update_item(deps, actor, kind, number, values, verb)
        case CloseItem(kind=kind, number=number, note=note, occurred=occurred):
            change = items.close_item(deps, actor, kind, number, note, occurred=occurred)
        case ReopenItem(kind=kind, number=number):
            change = items.reopen_item(deps, actor, kind, number)
        case SupersedeDecision(number=number, by_number=by_number):
            change = items.supersede_decision(deps, actor, number, by_number)
        case ListItems():
            return list_page(deps, actor, parsed, viewer)
        case ShowItem(kind=kind, number=number, history=True):
            item, trail = registers.item_history(deps, actor, kind, number)
            return render_item(item, viewer, trail)
        case ShowItem(kind=kind, number=number):
            return render_item(registers.show_item(deps, actor, kind, number), viewer)
        case ExportItems(kind=kind, project=project):
            return start_export(deps, actor, kind, project)
        case _:
            raise AssertionError(f"unhandled command {parsed!r}")
    return render_change(change, actor.user_id, viewer)


def list_page(deps: Deps, actor: Actor, asked: ListItems, viewer: Viewer) -> Reply:
    """A register page, drawn once for each version of the register, list asked for, and
    reader's zone and day (bot.page_cache); asked again, it costs the one read of the version.
    Without a stamp, the full path lists it or says why it cannot."""
    stamp = registers.page_stamp(deps, actor, asked.kind, asked.project)
    key: tuple[object, ...] | None = None
    if stamp is not None:
        mine = actor.user_id if asked.scope == "mine" else None
        key = (stamp.workspace_id, stamp.project, asked, mine, viewer.timezone, viewer.today)
        kept: Reply | None = deps.pages.get(key, stamp.version, viewer.now)
        if kept is not None:
            return kept
    found = registers.list_items(
        deps,
        actor,
        asked.kind,
        asked.scope,
        owner_id=asked.owner_id,
        project_slug=asked.project,
        page=asked.page,
        stamp=stamp,
    )
    reply = render_page(found, viewer)
    if stamp is not None and key is not None:
        midnight = datetime.combine(viewer.today + timedelta(days=1), time(), viewer.zone)
        until = min(midnight, found.changes_at) if found.changes_at else midnight
        deps.pages.put(key, stamp.version, until, reply)
    return reply
