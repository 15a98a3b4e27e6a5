"""Cached Slack user profiles (time zones)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import UserProfile
from storage.repositories.dialect import upsert


def get(session: Session, workspace_id: int, user_id: str) -> UserProfile | None:
    return session.scalar(
        select(UserProfile).where(
            UserProfile.workspace_id == workspace_id, UserProfile.user_id == user_id
        )
    )


def save(
    session: Session,
    workspace_id: int,
    user_id: str,
    *,
    name: str | None,
    timezone: str,
    at: datetime,
) -> None:
    values = {"name": name, "timezone": timezone, "fetched_at": at}
    stmt = (
        upsert(session, UserProfile)
        .values(workspace_id=workspace_id, user_id=user_id, **values)
        .on_conflict_do_update(
            index_elements=[UserProfile.workspace_id, UserProfile.user_id], set_=values
        )
    )
    session.execute(stmt)
