"""The app uninstalled, or its tokens revoked: forget the tokens, keep the workspace's data."""

from __future__ import annotations

import logging

from bot.deps import Deps
from storage.repositories import workspaces

log = logging.getLogger("pmo_bot.installs")


def app_uninstalled(deps: Deps, team_id: str, enterprise_id: str | None) -> None:
    """Delete the workspace's stored tokens and mark it uninstalled: the worker sends it
    nothing from now on, and its projects and RAID logs stay until an admin deletes them.
    A reinstall (bot.installations.Installations.save) makes it live again."""
    if deps.installations is None:
        log.info("app uninstalled from %s (single-workspace mode: no stored tokens)", team_id)
        return
    deps.installations.forget(team_id, enterprise_id)
    with deps.db.write() as session:
        workspaces.set_installed(session, team_id, enterprise_id, deps.clock.now(), installed=False)
    log.info("app uninstalled from %s: tokens deleted, its data kept, nothing more sent", team_id)


def tokens_revoked(
    deps: Deps, team_id: str, enterprise_id: str | None, *, users: list[str], bot: bool
) -> None:
    """Revoked user tokens are forgotten; a revoked bot token ends the install, as above."""
    if bot:
        app_uninstalled(deps, team_id, enterprise_id)
        return
    if deps.installations is not None and users:
        deps.installations.forget(team_id, enterprise_id, users=tuple(users))
        log.info("user tokens revoked in %s: %d forgotten", team_id, len(users))
