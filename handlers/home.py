"""App Home: publish a person's dashboard when they open the tab, and open the "see all" modal
behind a section's button. Changes do not redraw Homes here: they mark them stale, and the
worker redraws them (bot.services.home.drain_homes)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import home
from handlers.blocks.home import MODAL_ITEMS, SECTIONS, draw_home, render_see_all
from handlers.commands.context import actor_from_event, actor_from_interaction, deps_of, viewer_for

log = logging.getLogger(__name__)


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    if event.get("tab") != "home":
        return  # the Messages or About tab: nothing of ours to draw
    home.open_home(deps_of(context), actor_from_event(body, event), draw_home)


def handle_home_see_all(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()
    name = str(action.get("value", ""))
    if name not in SECTIONS:
        log.warning("See all for an unknown Home section %r", name)
        return
    deps = deps_of(context)
    actor = actor_from_interaction(deps, body)  # on Home there is no channel: ""
    board = home.dashboard(deps, actor, limit=MODAL_ITEMS, sections=(name,))
    deps.slack.open_view(body["trigger_id"], render_see_all(board, name, viewer_for(deps, actor)))
