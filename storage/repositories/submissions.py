"""The ledger of stored form submissions: one row per Slack view submitted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import ViewSubmission
from storage.repositories.dialect import upsert


def claim_view(session: Session, team_id: str, view_id: str, at: datetime) -> bool:
    """True when this is the view's first submission stored; False when one was already.

    Part of the caller's transaction: if what the submission stores is refused or fails, the
    claim goes with it, and the person can submit the form again. A second delivery arriving
    while the first is still being stored waits on the key (PostgreSQL) or the write lock
    (SQLite), then finds it.
    """
    result = session.execute(
        upsert(session, ViewSubmission)
        .values(team_id=team_id, view_id=view_id, received_at=at)
        .on_conflict_do_nothing()
        .returning(ViewSubmission.view_id)
    )
    return result.first() is not None
