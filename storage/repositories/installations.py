"""Installed bots (slack-sdk's tables) as the token refresh reads and writes them, under a lock.

A team id is unique across Slack, Enterprise Grid included, so a team's rows are found by the
app's client id and the team id alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, desc, select, text, update
from sqlalchemy.orm import Session

from storage.models import slack_bots, slack_installations


def lock_team(session: Session, client_id: str, team_id: str) -> None:
    """Hold the team's token lock until the transaction ends: one refresher at a time.

    PostgreSQL: a transaction-scoped advisory lock keyed by the app and team, so refreshers of
    other teams don't wait. SQLite: the write transaction (BEGIN IMMEDIATE) already holds the
    database's one write lock, which is what serialises refreshers there.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    key = f"slack-token:{client_id}:{team_id}"
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def latest_bot(session: Session, client_id: str, team_id: str) -> RowMapping | None:
    """The newest bot row with a token, as slack-sdk's store's find_bot picks it."""
    c = slack_bots.c
    return (
        session.execute(
            select(slack_bots)
            .where(c.client_id == client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        .mappings()
        .first()
    )


def save_refreshed(
    session: Session,
    client_id: str,
    team_id: str,
    *,
    old_token: str,
    token: str,
    refresh_token: str | None,
    expires_at: datetime,
) -> None:
    """Replace the rotated bot token wherever it is stored (bot rows and installation rows).

    `expires_at` is naive UTC, as slack-sdk's stores keep their timestamps."""
    for table in (slack_bots, slack_installations):
        c = table.c
        session.execute(
            update(table)
            .where(c.client_id == client_id, c.team_id == team_id, c.bot_token == old_token)
            .values(
                bot_token=token, bot_refresh_token=refresh_token, bot_token_expires_at=expires_at
            )
        )
