"""Form submissions are stored once per Slack view submission, however often it is delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.repositories.submissions import claim_view


@dataclass(frozen=True)
class ViewKey:
    """A submitted view: the workspace acting and Slack's `view.id`."""

    team_id: str
    view_id: str


def first_submission(session: Session, view: ViewKey | None, now: datetime) -> bool:
    """True when what the submission stores should be written in this transaction: the view's
    first submission, or a write that no view asked for (`view` None)."""
    return view is None or claim_view(session, view.team_id, view.view_id, now)
