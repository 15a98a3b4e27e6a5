"""App Home: publish a person's dashboard when they open the tab or change something, and open
the "see all" modal behind a section's button."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.deps import Deps
from bot.domain import Actor
from bot.services import home
from handlers.blocks.home import MODAL_ITEMS, SECTIONS, render_home, render_see_all
from handlers.blocks.text import Viewer
from handlers.commands.context import (
    actor_from_event,
    actor_from_interaction,
    deps_of,
    viewer_for,
    with_zone,
)

log = logging.getLogger(__name__)

# Refreshes under way, by (team, user) → whether another was asked for meanwhile.
_running: dict[tuple[str, str], bool] = {}
_running_lock = threading.Lock()


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    if event.get("tab") != "home":
        return  # the Messages or About tab: nothing of ours to draw
    deps = deps_of(context)
    actor = with_zone(deps, actor_from_event(body, event))
    publish_home(deps, actor)


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


def publish_home(deps: Deps, actor: Actor) -> bool:
    """Compute `actor`'s dashboard and publish it to their Home tab; False if Slack refused.

    `actor.timezone` must be the person's own zone: their dates are read in it."""
    board = home.dashboard(deps, actor)
    view = render_home(board, Viewer(deps.clock.now(), actor.timezone))
    return deps.slack.publish_home(actor.user_id, view)


def refresh_home(deps: Deps, actor: Actor) -> None:
    """Bring `actor.user_id`'s Home tab up to date, e.g. after they changed an item.

    Safe from any thread; never raises (failures are logged). Calls for a person whose refresh
    is already running return at once and that refresh makes one more pass, so a burst of
    changes costs at most two publishes and the last one shows the latest state.
    """
    key = (actor.team_id, actor.user_id)
    with _running_lock:
        if key in _running:
            _running[key] = True
            return
        _running[key] = False
    finished = False
    try:
        while True:
            _refresh_once(deps, actor)
            with _running_lock:
                if not _running[key]:
                    del _running[key]
                    finished = True
                    return
                _running[key] = False
    finally:
        if not finished:  # interrupted: let the next call run rather than wait for us forever
            with _running_lock:
                _running.pop(key, None)


def _refresh_once(deps: Deps, actor: Actor) -> None:
    try:
        if not publish_home(deps, with_zone(deps, actor)):
            log.warning("Home tab of %s in %s was not published", actor.user_id, actor.team_id)
    except Exception:
        log.exception("refreshing the Home tab of %s in %s failed", actor.user_id, actor.team_id)


# Subcommands that change items, so the Home tabs of the people involved are redrawn after them.
CHANGING = frozenset(
    {"add", "new", "log", "update", "close", "done", "resolve", "occurred", "reopen", "assign"}
) | {"due", "snooze", "supersede", "complete", "finish"}
_MENTIONED = re.compile(r"<@([UW][A-Z0-9]+)")


def changes_items(command: dict[str, Any]) -> bool:
    """Listener matcher: the command text starts with a subcommand that changes items."""
    words = (command.get("text") or "").split(maxsplit=1)
    return bool(words) and words[0].lower() in CHANGING


def refresh_after_command(command: dict[str, Any], context: BoltContext) -> None:
    """Lazy listener on the RAID commands: redraw the Home of the person and of anyone named."""
    if not changes_items(command):
        return
    people = {command["user_id"], *_MENTIONED.findall(command.get("text") or "")}
    _refresh_people(deps_of(context), command["team_id"], people)


def refresh_after_control(body: dict[str, Any], context: BoltContext) -> None:
    """Lazy listener on item controls: the presser's Home, and a new owner's after Reassign."""
    action = (body.get("actions") or [{}])[0]
    people = {
        body["user"]["id"],
        *([action["selected_user"]] if action.get("selected_user") else []),
    }
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    _refresh_people(deps_of(context), team, people)


def _refresh_people(deps: Deps, team_id: str, people: set[str]) -> None:
    for user_id in sorted(people):
        refresh_home(deps, Actor(team_id=team_id, user_id=user_id, channel_id=""))
