"""Who the worker may send to in a pass, and with which gateway: each workspace's own (OAuth
mode), none for a workspace the app was uninstalled from, each looked up once a pass."""

from __future__ import annotations

import logging
from collections import Counter
from typing import TypeVar

from bot.deps import Deps
from bot.domain import Due
from bot.slack import SlackGateway
from storage.repositories import workspaces

log = logging.getLogger("pmo_bot.tick")
D = TypeVar("D", bound=Due)


class Senders:
    """One pass's gateways by team."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        with deps.db.read() as session:
            self.uninstalled = workspaces.uninstalled_teams(session)
        self._found: dict[str, SlackGateway | None] = {}

    def for_team(self, team_id: str) -> SlackGateway | None:
        """The team's gateway; None when the app is uninstalled there or has no install."""
        if team_id in self.uninstalled:
            return None
        if team_id not in self._found:
            found = self.deps.slack_for(team_id)
            if found is None:
                log.warning("no bot token for workspace %s: nothing is sent there", team_id)
            self._found[team_id] = found
        return self._found[team_id]

    def sendable(self, team_id: str) -> bool:
        return self.for_team(team_id) is not None

    def keep(self, dues: dict[str, D]) -> dict[str, D]:
        """The dues of workspaces that can be sent to; one line per skipped workspace."""
        kept: dict[str, D] = {}
        skipped: Counter[str] = Counter()
        for key, due in dues.items():
            if self.sendable(due.team_id):
                kept[key] = due
            else:
                skipped[due.team_id] += 1
        for team_id, count in sorted(skipped.items()):
            why = "uninstalled" if team_id in self.uninstalled else "not installed"
            log.info("skipped %d sends to workspace %s: the app is %s there", count, team_id, why)
        return kept
