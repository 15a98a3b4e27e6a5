"""The audit trail: one row per change to an item, read back in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from storage.models import AuditEvent

_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_RECORD = insert(_EVENTS)  # prebuilt: compiled once, every column bound per call


def record(
    session: Session,
    *,
    workspace_id: int,
    project_id: int,
    kind: str,
    number: int,
    verb: str,
    actor_id: str,
    actor_team: str | None,
    at: datetime,
    changes: dict[str, list[str | None]],
) -> None:
    """One change, inserted at once (the item it names must be flushed already); `actor_team`
    is the actor's own workspace only when it is not the acting one (a Slack Connect
    member's), else None."""
    session.execute(
        _RECORD,
        {
            "workspace_id": workspace_id,
            "project_id": project_id,
            "item_kind": kind,
            "item_number": number,
            "verb": verb,
            "actor_id": actor_id,
            "actor_team": actor_team,
            "at": at,
            "changes": changes,
        },
    )


def trail(session: Session, workspace_id: int, kind: str, number: int) -> Sequence[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.workspace_id == workspace_id,
            AuditEvent.item_kind == kind,
            AuditEvent.item_number == number,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return session.scalars(stmt).all()
