"""slack-sdk's tables as we read and write them: installed bots (the token refresh, under a
lock) and install links' OAuth states (each redeemed once).

A team id is unique across Slack, Enterprise Grid included, so a team's rows are found by the
app's client id and the team id alone. slack-sdk's tables keep naive UTC timestamps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, delete, desc, insert, select, text, update
from sqlalchemy.orm import Session

from storage.models import slack_bots, slack_installations, slack_oauth_states


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


def add_state(session: Session, state: str, expire_at: datetime) -> None:
    session.execute(insert(slack_oauth_states).values(state=state, expire_at=expire_at))


def consume_state(session: Session, state: str, now: datetime) -> bool:
    """Delete `state` if it is still good at `now`; True for the one caller that deleted it.

    One DELETE … RETURNING: however many callbacks redeem the same state at once, the row is
    deleted once, and only that statement sees it returned (a select-then-delete lets every
    caller that read the row before the first delete think it won)."""
    c = slack_oauth_states.c
    deleted = session.execute(
        delete(slack_oauth_states).where(c.state == state, c.expire_at > now).returning(c.id)
    )
    return deleted.first() is not None


def sweep_states(session: Session, now: datetime, limit: int) -> int:
    """Delete up to `limit` states that expired by `now` (oldest first); how many went."""
    c = slack_oauth_states.c
    expired = select(c.id).where(c.expire_at <= now).order_by(c.id).limit(limit)
    swept = session.execute(delete(slack_oauth_states).where(c.id.in_(expired)))
    return int(getattr(swept, "rowcount", 0) or 0)
