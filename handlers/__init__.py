"""The Slack adapter: `register(app)` is the whole routing table, top to bottom."""

from __future__ import annotations

from slack_bolt import App

from bot.domain import Kind
from handlers.commands.digest import asks_digest, post_digest
from handlers.commands.export import asks_export, upload_export
from handlers.commands.items import handle_raid_command
from handlers.commands.pmo import handle_pmo_command
from handlers.commands.standup import handle_standup_command
from handlers.errors import handle_error
from handlers.events import (
    handle_app_mention,
    handle_app_uninstalled,
    handle_tokens_revoked,
    handle_user_change,
)
from handlers.home import handle_app_home_opened, handle_home_see_all
from handlers.ids import (
    ADD_VIEW,
    EDIT_VIEW,
    HOME_SEE_ALL,
    ITEM_ACTIONS,
    KIND_SELECT,
    LOG_MESSAGE_SHORTCUT,
    STANDUP_ANSWER,
    STANDUP_LOG_BLOCKER,
    STANDUP_VIEW,
    UPDATE,
)
from handlers.interactions import handle_item_control
from handlers.modals import (
    handle_add_submission,
    handle_edit_submission,
    handle_kind_select,
    handle_log_message_shortcut,
    handle_update_action,
)
from handlers.standups import (
    handle_answer_button,
    handle_answer_submission,
    handle_direct_message,
    handle_log_blocker,
)

COMMANDS = ("/pmo", *(kind.command for kind in Kind), "/standup")


def register(app: App) -> None:
    # Listeners answer within Slack's 3 s; slow follow-ups (a CSV upload, a digest) run after
    # the answer, as Bolt lazy listeners. Only commands with a follow-up get one: Bolt copies
    # the whole request for each lazy listener before it answers, which cost a `/risk list` a
    # tenth of its time (benchmarks/ack_path.py). The first listener whose matcher agrees
    # handles the command. A change redraws no App Home here: it marks the Homes it touched
    # stale, and the worker redraws them (bot.services.home.drain_homes).
    for kind in Kind:
        app.command(kind.command, matchers=[asks_export])(
            ack=handle_raid_command, lazy=[upload_export]
        )
        app.command(kind.command)(handle_raid_command)
    app.command("/pmo", matchers=[asks_digest])(ack=handle_pmo_command, lazy=[post_digest])
    app.command("/pmo")(handle_pmo_command)
    app.command("/standup")(handle_standup_command)
    for action_id in ITEM_ACTIONS:
        if action_id != UPDATE:  # Update opens the edit form: see handlers.modals
            app.action(action_id)(handle_item_control)
    app.action(UPDATE)(handle_update_action)
    app.shortcut(LOG_MESSAGE_SHORTCUT)(handle_log_message_shortcut)
    app.action(KIND_SELECT)(handle_kind_select)
    app.view(ADD_VIEW)(handle_add_submission)
    app.view(EDIT_VIEW)(handle_edit_submission)
    app.event("app_mention")(handle_app_mention)
    app.event("app_home_opened")(handle_app_home_opened)
    app.event("user_change")(handle_user_change)
    # OAuth mode: forget the workspace's tokens and send it nothing more; its data stays.
    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
    app.action(HOME_SEE_ALL)(handle_home_see_all)
    # Standup answers: the prompt's button and modal, replies in the DM, blockers as issues.
    app.action(STANDUP_ANSWER)(handle_answer_button)
    app.view(STANDUP_VIEW)(handle_answer_submission)
    app.event("message")(handle_direct_message)  # message.im; other kinds are ignored in it
    app.action(STANDUP_LOG_BLOCKER)(handle_log_blocker)
    app.error(handle_error)
