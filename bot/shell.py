"""`pmo-bot shell`: type slash commands as a chosen person, see the replies as readable text."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import App, BoltRequest

from bot.app import create_app
from bot.clock import SystemClock
from bot.config import Settings
from bot.deps import Deps
from bot.services.home import drain_homes
from bot.slack import Blocks, SendResult, SlackUser, View
from handlers.blocks.home import draw_home
from handlers.blocks.plain import to_text
from storage.db import Database, make_engine

TEAM_ID = "T0SHELL"
SHELL_HELP = """Type slash commands as in Slack, e.g. `/pmo project Apollo` or `/risk list`.
  @name          mentions a person (their user id is U + NAME)
  .user NAME     act as another person      .channel NAME   move to another channel
  .help          this text                  .quit           leave (or Ctrl-D)"""


@dataclass
class ShellGateway:
    """Slack as the shell sees it: everyone lives in the shell's zone; posts are printed."""

    timezone: str
    names: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    def _say(self, text: str) -> None:
        """Held until the command's own reply is printed, as Slack shows posts after it."""
        self.pending.append(text.rstrip("\n"))

    def drain(self) -> list[str]:
        said, self.pending[:] = list(self.pending), []
        return said

    def user_info(self, user_id: str) -> SlackUser | None:
        return SlackUser(user_id, self.names.get(user_id, user_id[1:].lower()), self.timezone)

    def post_message(
        self, channel: str, text: str, blocks: Blocks | None = None, thread_ts: str | None = None
    ) -> str | None:
        where = f"#{channel.lower()}" + (" (in thread)" if thread_ts else "")
        self._say(f"[posted to {where}]\n{to_text(text, blocks, self.names)}\n")
        return "1.0"

    def send(
        self, channel: str, text: str, blocks: Blocks, key: str, thread_ts: str | None = None
    ) -> SendResult:
        ts = self.post_message(channel, text, blocks, thread_ts)
        return SendResult(ok=True, channel=channel, ts=ts)

    def channel_members(self, channel: str) -> list[str] | None:
        return list(self.names)  # everyone the shell has seen is in every channel

    def channel_is_private(self, channel: str) -> bool | None:
        return False  # the shell plays one open team: every channel is public

    def send_file(
        self, channel: str, filename: str, content: bytes, title: str, thread_ts: str | None
    ) -> SendResult:
        shared = self.upload_file(channel, filename, content, title, title, thread_ts)
        return SendResult(ok=shared, channel=channel)

    def sent_since(
        self, channel: str, since: datetime, thread_ts: str | None = None
    ) -> dict[str, SendResult]:
        return {}  # the shell keeps no history: an interrupted send is sent again

    def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> bool:
        self._say(
            f"[updated a message in #{channel.lower()}]\n{to_text(text, blocks, self.names)}\n"
        )
        return True

    def open_view(self, trigger_id: str, view: View) -> bool:
        self._say("(forms open in Slack; in the shell, type the command with its fields)\n")
        return False

    def update_view(self, view_id: str, view: View, hash: str | None = None) -> bool:
        return False  # no form is ever open in the shell

    def publish_home(self, user_id: str, view: View) -> bool:
        return True

    def permalink(self, channel: str, ts: str) -> str | None:
        return None

    def upload_file(
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        comment: str,
        thread_ts: str | None = None,
    ) -> bool:
        path = Path(filename).name
        Path(path).write_bytes(content)
        self._say(f"[file {title} saved as ./{path}]\n")
        return True

    def post_ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> bool:
        self._say(f"[only you, in #{channel.lower()}]\n{to_text(text, blocks, self.names)}\n")
        return True


def user_id_for(name: str) -> str:
    return "U" + re.sub(r"[^A-Z0-9]", "", name.upper())


def channel_id_for(name: str) -> str:
    return "C" + re.sub(r"[^A-Z0-9]", "", name.upper())


class Shell:
    def __init__(self, deps: Deps, gateway: ShellGateway, user: str, channel: str):
        self.app: App = create_app(deps, offline=True)
        self.deps = deps
        self.gateway = gateway
        self.user = user
        self.channel = channel

    def run(self, lines: Iterable[str], out: TextIO, *, echo: bool) -> None:
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if echo:
                out.write(f"{self.user}@#{self.channel}> {line}\n")
            if line in (".quit", ".exit", "exit", "quit"):
                return
            out.write(self.execute(line) + "\n\n")
            out.flush()

    def execute(self, line: str) -> str:
        if line.startswith(".user ") or line.startswith(".channel "):
            what, _, name = line[1:].partition(" ")
            name = name.strip().lstrip("@#").lower()
            if not name or not re.search(r"[a-z0-9]", name):
                return f"Give a name: .{what} bob"
            setattr(self, what, name)
            return f"(now {self.user} in #{self.channel})"
        if line in (".help", "help"):
            return SHELL_HELP
        command, _, text = line.partition(" ")
        if not command.startswith("/"):
            return "Commands start with `/` (try /pmo help), or .help for the shell."
        return self.dispatch(command, text)

    def dispatch(self, command: str, text: str) -> str:
        body = urlencode(
            {
                "token": "shell",
                "team_id": TEAM_ID,
                "team_domain": "shell",
                "channel_id": channel_id_for(self.channel),
                "channel_name": self.channel,
                "user_id": self._remember(self.user),
                "user_name": self.user,
                "command": command,
                "text": self._as_slack_sends(text),
                "api_app_id": "ASHELL",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": "shell",
            }
        )
        headers: dict[str, str | Sequence[str]] = {
            "content-type": "application/x-www-form-urlencoded"
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        drain_homes(self.deps, draw_home)  # the shell has no worker: Homes are redrawn here
        if response.status == 404:
            return f"{command} isn't a PMO Bot command. Try /pmo help."
        followups = self.gateway.drain()  # printed after the reply, as Slack shows them
        if not response.body:
            return "\n".join([f"(no reply, status {response.status})", *followups])
        payload = json.loads(response.body)
        in_channel = payload.get("response_type") == "in_channel"
        audience = "[to the channel]" if in_channel else "[only you]"
        reply = to_text(payload.get("text", ""), payload.get("blocks"), self.gateway.names)
        return "\n".join([f"{audience}\n{reply}", *followups])

    def _as_slack_sends(self, text: str) -> str:
        """Escape as Slack does (`should_escape`), turn `@name` into a mention and `#name`
        into a channel link (not `#R-12`, an item's id)."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        mentioned = re.sub(
            r"(?<![\w.])@([A-Za-z][\w.-]*)",
            lambda m: f"<@{self._remember(m.group(1))}|{m.group(1).lower()}>",
            escaped,
        )
        return re.sub(
            r"(?<![\w.&])#(?![RAIDraid]-?\d+\b)([A-Za-z][\w-]*)",
            lambda m: f"<#{channel_id_for(m.group(1))}|{m.group(1).lower()}>",
            mentioned,
        )

    def _remember(self, name: str) -> str:
        user_id = user_id_for(name)
        self.gateway.names.setdefault(user_id, name.lower())
        return user_id


def start_shell(settings: Settings, *, user: str, channel: str, timezone: str | None) -> int:
    """`pmo-bot shell`: interactive at a terminal, one command a line from a pipe."""
    zone = timezone or os.environ.get("TZ") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"pmo-bot: unknown time zone {zone!r}; use a name such as Europe/London",
            file=sys.stderr,
        )
        return 2
    gateway = ShellGateway(zone)
    deps = Deps(settings, SystemClock(), gateway, Database(make_engine(settings.database_url)))
    shell = Shell(deps, gateway, user.lstrip("@").lower(), channel.lstrip("#").lower())
    interactive = sys.stdin.isatty()
    if interactive:
        print(
            f"PMO Bot shell on {settings.database_url} "
            f"as {shell.user} in #{shell.channel} ({zone})."
        )
        print(SHELL_HELP)
        shell.run(_prompted(shell), sys.stdout, echo=False)
    else:
        shell.run(sys.stdin, sys.stdout, echo=True)
    return 0


def _prompted(shell: Shell) -> Iterator[str]:
    while True:
        try:
            yield input(f"{shell.user}@#{shell.channel}> ")
        except EOFError:
            print()
            return
