"""Who the worker may send to in a pass, and with which gateway: each workspace's own (OAuth
mode), none for a workspace the app was uninstalled from; each looked up once a pass."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.domain import Due
from bot.slack import SlackGateway
from storage.repositories import workspaces

log = logging.getLogger("pmo_bot.tick")


class Senders:
    """One pass's gateways by team."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        with deps.db.read() as session:
            self.uninstalled = workspaces.uninstalled_teams(session)
        self._found: dict[str, SlackGateway | None] = {}
        self.silenced: dict[str, Due] = {}  # due in uninstalled workspaces: never sent

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

    def keep(self, dues: dict[str, Due]) -> dict[str, Due]:
        """The dues that can be sent now. Those of uninstalled workspaces are set aside in
        `silenced`; those of a workspace whose token can't be had now (logged in `for_team`)
        wait for a later pass."""
        kept: dict[str, Due] = {}
        for key, due in dues.items():
            if due.team_id in self.uninstalled:
                self.silenced[key] = due
            elif self.sendable(due.team_id):
                kept[key] = due
        return kept
