"""Slack event deliveries: the first delivery of an event id wins, retries are ignored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete

from bot.deps import Deps
from bot.errors import UserError
from storage.models import ProcessedEvent
from storage.repositories.dialect import upsert


def claim_event(deps: Deps, team_id: str, event_id: str) -> bool:
    """True for the first delivery of `event_id`; False for Slack's retries of it.

    The claim commits at once, so a retry arriving while the first delivery is still being
    handled sees it; `release_event` gives the event back when handling fails.
    """
    with deps.db.write() as session:
        result = session.execute(
            upsert(session, ProcessedEvent)
            .values(event_id=event_id, team_id=team_id, received_at=deps.clock.now())
            .on_conflict_do_nothing()
            .returning(ProcessedEvent.event_id)
        )
        return result.first() is not None


def release_event(deps: Deps, event_id: str) -> None:
    with deps.db.write() as session:
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id))


@contextmanager
def first_delivery(deps: Deps, team_id: str, event_id: str) -> Iterator[bool]:
    """`with first_delivery(...) as first:` — handle the event only when `first`.

    A failure of ours gives the event back so Slack's retry can succeed; a refusal meant for the
    person (UserError) keeps it, so the retry does not repeat the refusal.
    """
    first = claim_event(deps, team_id, event_id)
    try:
        yield first
    except UserError:
        raise
    except BaseException:
        if first:
            release_event(deps, event_id)
        raise
