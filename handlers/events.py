"""`@PMO Bot action: …` and friends: the command grammar in a mention, answered in the thread."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext

from bot.domain import Actor, Kind
from bot.services.events import first_delivery
from bot.services.installs import app_uninstalled, tokens_revoked
from bot.services.people import remember_profile
from handlers.blocks.projects import render_help
from handlers.blocks.reply import Reply
from handlers.commands.context import (
    acting_workspace,
    actor_from_event,
    deps_of,
    local_now,
    viewer_for,
    with_zone,
)
from handlers.commands.items import run_item_command
from handlers.grammar import AddItem, parse_item_command

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_KIND_PREFIX = re.compile(r"^(risk|action|issue|decision)s?\s*:\s*", re.IGNORECASE)
MENTION_HELP = (
    "I log RAID items from a mention, in the same words as the slash commands:\n"
    "`@PMO Bot action: @bob send the signed contract by friday`\n"
    "`@PMO Bot risk: vendor may slip impact:high`\n"
    "`@PMO Bot issue: test rig down severity:high`  ·  `@PMO Bot decision: use vendor B`\n"
    "For everything else: `/pmo help`."
)


def handle_app_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
    with first_delivery(deps, acting_workspace(body)[0], event_id) as first:
        if not first:
            return  # Slack's retry of a delivery we already handled
        reply = mention_reply(body, event, context)
        thread = event.get("thread_ts") or event["ts"]
        deps.slack.post_message(event["channel"], reply.text, reply.blocks, thread_ts=thread)


def mention_reply(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> Reply:
    """Parse the mention's text as `<kind>: …` and log the item; anything else gets help."""
    deps = deps_of(context)
    actor = actor_from_event(body, event)
    actor = with_zone(deps, actor)
    text = _LEADING_MENTION.sub("", event.get("text") or "", count=1)
    prefix = _KIND_PREFIX.match(text)
    if prefix is None:
        return render_help("Hello! Here is what I can do from a mention", MENTION_HELP)
    kind = Kind[prefix.group(1).upper()]
    viewer = viewer_for(deps, actor)
    parsed = parse_item_command(kind, "add " + text[prefix.end() :], now=local_now(viewer))
    if isinstance(parsed, AddItem) and "link" not in parsed.values:
        link = deps.slack.permalink(event["channel"], event["ts"])
        if link:
            parsed.values["link"] = link
    reply = run_item_command(deps, actor, parsed, viewer)
    return reply


def handle_user_change(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """A person's profile changed (often their time zone, when they travel): cache it now."""
    user = event.get("user") or {}
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or user.get("name")
    actor = Actor(
        team_id=body.get("team_id") or user.get("team_id", ""), user_id=user["id"], channel_id=""
    )
    remember_profile(deps_of(context), actor, user["id"], name or None, user.get("tz"))


def handle_app_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
    team_id = context.team_id or body.get("team_id", "")
    app_uninstalled(deps_of(context), team_id, context.enterprise_id)


def handle_tokens_revoked(
    body: dict[str, Any], event: dict[str, Any], context: BoltContext
) -> None:
    tokens = event.get("tokens") or {}
    tokens_revoked(
        deps_of(context),
        context.team_id or body.get("team_id", ""),
        context.enterprise_id,
        users=[str(user) for user in tokens.get("oauth") or []],
        bot=bool(tokens.get("bot")),
    )
