"""What every listener needs first: the deps, the acting person (with their zone), and a viewer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.request.internals import extract_enterprise_id, extract_team_id

from bot.deps import Deps
from bot.domain import Actor
from bot.services.people import timezone_of
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer

# A workspace's id. An Enterprise Grid org's (E…), which an event may give as a Connect member's
# team, names no one workspace, so it is not taken for one.
_WORKSPACE_ID = re.compile(r"T[A-Z0-9]{1,31}")


def deps_of(context: BoltContext) -> Deps:
    deps = context["deps"]
    assert isinstance(deps, Deps)
    return deps


def answer(ack: Ack, reply: Reply | None) -> None:
    """Acknowledge a slash command with `reply` (None: an empty 200). Bolt sends a lone string
    as the body itself, as JSON since it opens with "{", so a reply is encoded once however
    often it is sent (Reply.encoded)."""
    ack(reply.encoded if reply is not None else "")


def workspace_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(team id, enterprise id) of the workspace that acts: the one that installed the app, as
    Bolt reads it to authorize the request (a view's `app_installed_team_id`, an event's
    `authorizations`), never a Slack Connect member's own team. The one rule for every listener,
    the events' dedupe key and the log fields; None where the body names none."""
    team = extract_team_id(body)
    return (str(team) if team else None), extract_enterprise_id(body) or None


def acting_workspace(body: dict[str, Any]) -> tuple[str, str | None]:
    """workspace_of for a listener, which cannot act without a workspace."""
    team, enterprise = workspace_of(body)
    if team is None:
        raise ValueError("a request without a workspace")
    return team, enterprise


def actor_from_command(deps: Deps, command: dict[str, Any]) -> Actor:
    """The person who ran the slash command, with their Slack time zone (cached). No home team:
    a command's body names one workspace (`team_id`, the one acting), never the person's own."""
    team, enterprise = acting_workspace(command)
    actor = Actor(
        team_id=team,
        user_id=command["user_id"],
        channel_id=command["channel_id"],
        enterprise_id=enterprise,
    )
    return with_zone(deps, actor)


def actor_from_interaction(deps: Deps, body: dict[str, Any]) -> Actor:
    """The person who pressed a control or submitted a form, with their time zone."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    team, enterprise = acting_workspace(body)
    user = body.get("user") or {}
    actor = Actor(
        team_id=team,
        user_id=user["id"],
        channel_id=channel,
        enterprise_id=enterprise,
        home_team=_workspace(user.get("team_id")),
    )
    return with_zone(deps, actor)


def actor_from_event(body: dict[str, Any], event: dict[str, Any]) -> Actor:
    """The person behind an event (a mention, a Home visit); the channel as the event has it."""
    team, enterprise = acting_workspace(body)
    return Actor(
        team_id=team,
        user_id=event["user"],
        channel_id=event.get("channel") or "",
        enterprise_id=enterprise,
        home_team=_event_home_team(event),
    )


def _event_home_team(event: dict[str, Any]) -> str | None:
    """The author's own workspace, as Bolt reads an event's actor: `user_team` when the event
    has one (a Connect member's, in a shared channel), else the event's `team`."""
    user_team = event.get("user_team")
    return _workspace(event.get("team") if user_team is None else user_team)


def _workspace(value: object) -> str | None:
    return value if isinstance(value, str) and _WORKSPACE_ID.fullmatch(value) else None


def with_zone(deps: Deps, actor: Actor) -> Actor:
    """The actor with their own Slack time zone (cached), which decides "today" for them."""
    return replace(actor, timezone=timezone_of(deps, actor))


def viewer_for(deps: Deps, actor: Actor) -> Viewer:
    return Viewer(deps.clock.now(), actor.timezone)


def local_now(viewer: Viewer) -> datetime:
    """Now in the viewer's own zone: what "tomorrow" and "friday" are relative to."""
    return viewer.now.astimezone(viewer.zone)


def first_word_is(word: str) -> Callable[[dict[str, Any]], bool]:
    """A listener matcher: the command's text starts with `word` (any case). It routes only the
    commands that have a follow-up to the listener carrying a lazy step, since Bolt copies the
    whole request for each lazy listener before it answers."""

    def matches(command: dict[str, Any]) -> bool:
        words = (command.get("text") or "").split(maxsplit=1)
        return bool(words) and words[0].lower() == word

    return matches
