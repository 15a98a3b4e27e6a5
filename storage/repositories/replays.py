"""The replay ledgers, processed_events and view_submissions: what was already handled, kept
while Slack may still deliver it again, then swept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent, ViewSubmission


def sweep(session: Session, before: datetime, limit: int) -> int:
    """Delete up to `limit` rows received before `before`, events first; how many went.

    Neither SQLite nor PostgreSQL has DELETE … LIMIT, so each delete names its rows by a
    limited subquery of their keys."""
    old_events = (
        select(ProcessedEvent.event_id).where(ProcessedEvent.received_at < before).limit(limit)
    )
    gone = _count(
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(old_events)))
    )
    if gone >= limit:
        return gone
    key = tuple_(ViewSubmission.team_id, ViewSubmission.view_id)
    old_views = (
        select(ViewSubmission.team_id, ViewSubmission.view_id)
        .where(ViewSubmission.received_at < before)
        .limit(limit - gone)
    )
    return gone + _count(session.execute(delete(ViewSubmission).where(key.in_(old_views))))


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
