"""App Home tabs: who has opened theirs, which a change made stale, and claiming one to redraw."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    case,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from storage.models import HomeDirty, Workspace
from storage.repositories.dialect import upsert
from storage.types import UtcDateTime


def opened(session: Session, workspace_id: int, user_id: str, now: datetime) -> None:
    """Remember that the person opened their Home: from now on changes mark it stale."""
    stmt = (
        upsert(session, HomeDirty)
        .values(workspace_id=workspace_id, user_id=user_id, opened_at=now)
        .on_conflict_do_update(
            index_elements=[HomeDirty.workspace_id, HomeDirty.user_id], set_={"opened_at": now}
        )
    )
    session.execute(stmt)


_HOMES = cast(Table, HomeDirty.__table__)
# Built once (a change's one statement for the Homes it touched), bound per call. A Home being
# published carries its hold's end as dirty_since (claim): a change during the publish marks
# it stale from now, so the publish's end does not clear the change.
_MARK = (
    update(_HOMES)
    .where(
        _HOMES.c.workspace_id == bindparam("ws"),
        _HOMES.c.user_id.in_(bindparam("users", expanding=True)),
        or_(_HOMES.c.dirty_since.is_(None), _HOMES.c.dirty_since > bindparam("now")),
    )
    .values(dirty_since=bindparam("now"))
)


def mark(session: Session, workspace_id: int, users: Collection[str], now: datetime) -> None:
    """Mark stale the Homes of those of `users` who have opened theirs; others have no row."""
    # One order: concurrent marks never deadlock.
    session.execute(_MARK, {"ws": workspace_id, "users": sorted(users), "now": now})


def stale(
    session: Session, now: datetime, window: timedelta, limit: int
) -> Sequence[tuple[int, str, str]]:
    """(workspace id, team id, user id) of Homes marked stale and not drawn within `window`,
    the longest waiting first; none of a workspace the app was uninstalled from."""
    rows = session.execute(
        select(HomeDirty.workspace_id, Workspace.team_id, HomeDirty.user_id)
        .join(Workspace, Workspace.id == HomeDirty.workspace_id)
        .where(HomeDirty.dirty_since.is_not(None), _drawable(now, window))
        .where(Workspace.uninstalled_at.is_(None))
        .order_by(HomeDirty.dirty_since)
        .limit(limit)
    )
    return [(ws, team, user) for ws, team, user in rows]


def claim(
    session: Session,
    workspace_id: int,
    user_id: str,
    now: datetime,
    window: timedelta,
    hold: timedelta,
    *,
    stale_only: bool = True,
) -> bool:
    """Take the Home to draw it now: True for one caller only, however many try at once (a
    conditional update: the row is held when the others look again). It is held for `hold`
    (its publish's longest wait) until `published` says when its publish ended, and not drawn
    again within `window` of that, so two publishes never overlap and the one Slack shows is
    the newer. Held, it reads stale from the hold's end: if its drawer died, another draws it
    then. Without `stale_only`, a clean Home is taken too (its owner just opened it)."""
    conditions = [
        HomeDirty.workspace_id == workspace_id,
        HomeDirty.user_id == user_id,
        _drawable(now, window),
    ]
    if stale_only:
        conditions.append(HomeDirty.dirty_since.is_not(None))
    stmt = (
        update(HomeDirty)
        .where(*conditions)
        .values(dirty_since=now + hold, drawn_at=now + hold)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(stmt).rowcount == 1)  # type: ignore[attr-defined]


def claim_many(
    session: Session,
    homes: Collection[tuple[int, str]],
    now: datetime,
    window: timedelta,
    hold: timedelta,
) -> set[tuple[int, str]]:
    """claim (stale ones only) for several Homes, (workspace id, user id), in one statement:
    those this caller took."""
    if not homes:
        return set()
    stmt = (
        update(HomeDirty)
        .where(
            tuple_(HomeDirty.workspace_id, HomeDirty.user_id).in_(sorted(homes)),
            HomeDirty.dirty_since.is_not(None),
            _drawable(now, window),
        )
        .values(dirty_since=now + hold, drawn_at=now + hold)
        .returning(HomeDirty.workspace_id, HomeDirty.user_id)
        .execution_options(synchronize_session=False)
    )
    return {(ws, user) for ws, user in session.execute(stmt)}


def published(
    session: Session, homes: Collection[tuple[int, str]], at: datetime, held_until: datetime
) -> None:
    """The publishes of these Homes, claimed with a hold to `held_until`, ended at `at` (Slack
    answered): each may be drawn again a window from then, and is clean unless a change
    marked it stale meanwhile."""
    if not homes:
        return
    still_held = HomeDirty.dirty_since >= literal(held_until, UtcDateTime())
    stmt = (
        update(HomeDirty)
        .where(tuple_(HomeDirty.workspace_id, HomeDirty.user_id).in_(sorted(homes)))
        .values(drawn_at=at, dirty_since=case((still_held, None), else_=HomeDirty.dirty_since))
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)


def unclaim(session: Session, workspace_id: int, user_id: str, now: datetime) -> None:
    """A claimed Home could not be published: stale again, drawn on a later round."""
    stmt = (
        update(HomeDirty)
        .where(HomeDirty.workspace_id == workspace_id, HomeDirty.user_id == user_id)
        .values(  # stale from now (or from a change's earlier mark), drawable a window on
            dirty_since=case(
                (HomeDirty.dirty_since < literal(now, UtcDateTime()), HomeDirty.dirty_since),
                else_=literal(now, UtcDateTime()),
            ),
            drawn_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)


def _drawable(now: datetime, window: timedelta) -> ColumnElement[bool]:
    return or_(HomeDirty.drawn_at.is_(None), HomeDirty.drawn_at <= now - window)
