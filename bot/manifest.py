"""The Slack app manifest (what to paste at api.slack.com/apps), built from the routing table.

Pure: `build_manifest(url)` returns plain data; `to_yaml`/`to_json` render it. The commands come
from `handlers.COMMANDS`, the shortcut's callback id from `handlers.ids`, so the manifest can't
drift from what the app answers. YAML is written by a small emitter for exactly this data
(dicts, lists, strings, booleans, integers) so the bot needs no YAML library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import handlers
from bot.config import OAUTH_REDIRECT_PATH
from bot.domain import Kind
from handlers.ids import LOG_MESSAGE_SHORTCUT
from handlers.usage import ITEM_USAGE, PMO_USAGE, STANDUP_USAGE

APP_NAME = "PMO Bot"
APP_DESCRIPTION = (
    "Keeps each project's RAID log and RAG status in Slack, chases action owners "
    "and writes the weekly digest."
)
DEFAULT_URL = "https://pmo-bot.example.com"
EVENTS_PATH = "/slack/events"  # Bolt answers commands, events and interactivity on one path

COMMAND_DESCRIPTIONS = {
    "/pmo": "Projects, RAG status, the portfolio and help",
    "/risk": "The risk register: log, list, update, close and export risks",
    "/action": "Actions: record, assign, reschedule, finish and export them",
    "/issue": "The issue log: log, list, update, resolve and export issues",
    "/decision": "The decision log: log, list, supersede and export decisions",
    "/standup": "This channel's asynchronous standup: when, what is asked, of whom; reports",
}
SHORTCUT_NAME = "Log as RAID item"
SHORTCUT_DESCRIPTION = "Log this message as a risk, action, issue or decision"

# The bot's scopes, each for something the bot does, and no more: Slack shows this list to
# whoever installs the app, and every extra scope is something we could leak.
BOT_SCOPES: dict[str, str] = {
    # Slash commands and the message shortcut.
    "commands": "the slash commands and the message shortcut",
    # Replies, announcements, reminders and digests (chat.postMessage, chat.update). A DM is
    # posted with the person's user id as the channel, so im:write (conversations.open) is
    # not needed.
    "chat:write": "post and update messages",
    # People's time zones (users.info), refreshed by the user_change event.
    "users:read": "read people's time zones",
    # `@PMO Bot action: …` (the app_mention event).
    "app_mentions:read": "hear @-mentions",
    # `/risk export` and kin share the register as a CSV (files_upload_v2).
    "files:write": "share exported registers as CSV files",
    # A scheduled send cut short by a crash is settled by finding the message by its metadata
    # key (conversations.open for a DM, then conversations.history) before anything is resent.
    "im:write": "open a person's DM to check whether a reminder already reached it",
    # Also the message.im event: standup answers sent as a reply in the DM.
    "im:history": "hear standup answers sent by DM; find an interrupted reminder in a DM",
    "channels:history": "find an interrupted escalation in a public project channel",
    "groups:history": "find an interrupted escalation in a private project channel",
    # `/standup members channel` asks everyone in the channel: conversations.members, read
    # when it is set and by the scheduler each standup day.
    "channels:read": "know who is in a public channel, to ask them in its standup",
    "groups:read": "know who is in a private channel, to ask them in its standup",
}

# Bot events and the scope each needs (None: delivered to every app).
BOT_EVENTS: dict[str, str | None] = {
    "app_mention": "app_mentions:read",  # mentions: the command grammar, answered in thread
    "app_home_opened": None,  # the App Home dashboard is drawn when opened
    "user_change": "users:read",  # a person's time zone changed
    "message.im": "im:history",  # standup answers replied (or edited) in the DM
    "app_uninstalled": None,  # forget the workspace's tokens, stop sending there, keep its data
    "tokens_revoked": None,  # the same when the bot token is revoked; user tokens forgotten
}
# Only events with a listener are subscribed: Slack turns off a subscription that keeps failing.

Manifest = dict[str, Any]


def base_url(text: str) -> str:
    """The public HTTPS address Slack reaches the app at, without a trailing slash."""
    parts = urlsplit(text.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{text!r} is not an https:// address (Slack calls apps over HTTPS)")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} has a query or fragment; give the bare address")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def build_manifest(url: str = DEFAULT_URL, commands: Sequence[str] = handlers.COMMANDS) -> Manifest:
    """The app manifest for an app served at `url` (see `base_url`)."""
    root = base_url(url)
    events_url = root + EVENTS_PATH
    return {
        "display_information": {"name": APP_NAME, "description": APP_DESCRIPTION},
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "shortcuts": [
                {
                    "name": SHORTCUT_NAME,
                    "type": "message",
                    "callback_id": LOG_MESSAGE_SHORTCUT,
                    "description": SHORTCUT_DESCRIPTION,
                }
            ],
            "slash_commands": [_command(name, events_url) for name in commands],
        },
        "oauth_config": {
            "redirect_urls": [root + OAUTH_REDIRECT_PATH],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": events_url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": events_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def _command(name: str, url: str) -> dict[str, Any]:
    if name not in COMMAND_DESCRIPTIONS:
        raise KeyError(f"{name} has no description in bot/manifest.py COMMAND_DESCRIPTIONS")
    return {
        "command": name,
        "url": url,
        "description": COMMAND_DESCRIPTIONS[name],
        "usage_hint": usage_hint(name),
        # Slack then sends mentions and links as ids (`<@U123|bob>`), which the grammar reads.
        "should_escape": True,
    }


def usage_hint(name: str) -> str:
    """`add | list | … | help`: the subcommands, from the same table as the help text."""
    kinds = {kind.command: kind for kind in Kind}
    if name in kinds:
        subcommands = list(ITEM_USAGE[kinds[name]])
    else:
        subcommands = list(STANDUP_USAGE if name == "/standup" else PMO_USAGE)
    if "help" not in subcommands:
        subcommands.append("help")
    return " | ".join(subcommands)


# -- rendering ---------------------------------------------------------------------------------


def to_json(manifest: Manifest) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def to_yaml(manifest: Manifest) -> str:
    """Block-style YAML of dicts, lists, strings, booleans and integers.

    Strings are plain only when no YAML reader could take them for anything else; the rest
    are double-quoted with JSON's escapes, which YAML's double-quoted style shares.
    """
    return "\n".join(_block(manifest, 0)) + "\n"


# Plain scalars: a letter, `_` or `/` first (so never a number, date, indicator or `-`), then
# only characters with no meaning in block context; never a word YAML 1.1 reads as a
# boolean or null.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9 _./:@()+,-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
# Characters YAML won't take raw (C1 controls, DEL, surrogates, non-characters) or reads as
# line breaks (NEL, LS, PS), and the BOM: written as escapes. JSON escapes the C0 controls.
_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]")


def _block(value: object, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"YAML keys here are strings, not {key!r}")
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _block(item, indent + 2)
            else:
                lines.append(f"{pad}{_scalar(key)}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _block(item, indent + 2)
                lines.append(f"{pad}- {nested[0][indent + 2 :]}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return lines
    return [pad + _scalar(value)]


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    if not isinstance(value, str):
        raise TypeError(f"no YAML for {type(value).__name__} {value!r}")
    if _is_plain(value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _is_plain(text: str) -> bool:
    return (
        _PLAIN.fullmatch(text) is not None
        and text == text.rstrip()
        and not text.endswith(":")
        and ": " not in text
        and text.lower() not in _RESERVED
    )
