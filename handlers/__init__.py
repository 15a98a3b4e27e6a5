"""The Slack adapter: `register(app)` is the whole routing table, top to bottom."""

from __future__ import annotations

from slack_bolt import App

from bot.domain import Kind
from handlers.commands.items import handle_raid_command
from handlers.commands.pmo import handle_pmo_command
from handlers.errors import handle_error
from handlers.events import handle_app_mention
from handlers.ids import ITEM_ACTIONS, UPDATE
from handlers.interactions import handle_item_control

COMMANDS = ("/pmo", *(kind.command for kind in Kind))


def register(app: App) -> None:
    for kind in Kind:
        app.command(kind.command)(handle_raid_command)
    app.command("/pmo")(handle_pmo_command)
    for action_id in ITEM_ACTIONS:
        if action_id != UPDATE:  # Update opens the edit form: see handlers.modals
            app.action(action_id)(handle_item_control)
    app.event("app_mention")(handle_app_mention)
    app.error(handle_error)
