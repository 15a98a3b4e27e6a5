"""A pass's hold on the deliveries it sends: owned claims in the ledger.

Each pass claims under a token of its own, a chunk at a time (what it can send well inside
the stale window), renews what it still holds as it goes, and fences each attempt: just
before a send, a conditional update marks the row `sending` only if this pass still holds
it. A worker that stopped renewing (killed, paused, cut off) loses its rows to the next pass
after PMO_CLAIM_STALE_SECONDS; if it wakes up, its fences fail and it sends nothing of them.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.deps import Deps
from storage.models import Delivery
from storage.repositories import schedules

log = logging.getLogger("pmo_bot.tick")
CHUNK_MAX = 500  # rows claimed at once, whatever the pace
RENEW_EVERY = 1 / 3  # of the stale window: claims are renewed well before they go stale
# Outcomes are written in batches, one transaction each: this many at most, none kept longer
# than FLUSH_AFTER seconds past the next outcome, and all of them when a drain ends. One write
# a message was a fifth of a pass's CPU. An outcome a crash loses leaves its row `sending`,
# which the next holder settles by looking for the message (its key is in the metadata)
# before it sends anything: a lost outcome costs a look-up, never a second message.
FLUSH_EVERY = 16
FLUSH_AFTER = 0.25


class Claims:
    def __init__(self, deps: Deps, worker: str) -> None:
        self.deps = deps
        self.owner = f"{worker}/{secrets.token_hex(4)}"  # this pass's fencing token
        self.window = timedelta(seconds=deps.settings.claim_stale_seconds)
        self._held: set[int] = set()  # claimed, not yet tried
        self._renewed = (deps.clock.monotonic(), self.at())
        self._outcomes: list[tuple[int, dict[str, Any]]] = []  # recorded, not yet written
        self._oldest = 0.0  # when the first of them was recorded (the clock's monotonic)
        # The held set and the outcomes, shared with the send threads. Their ledger writes
        # queue on SQLite in the database's own WriteQueue (storage.db), not in its busy
        # handler.
        self._lock = threading.Lock()

    def at(self) -> datetime:
        """A claim's time: the clock's now (it runs on while a pass lasts)."""
        return self.deps.clock.now()

    def chunk_size(self, per_second: float) -> int:
        """How many sends to claim at once: what the workspace ceiling lets a pass send in a
        third of the stale window."""
        if per_second <= 0:
            return CHUNK_MAX
        seconds = self.window.total_seconds() * RENEW_EVERY
        return max(1, min(CHUNK_MAX, int(per_second * seconds)))

    def take_new(self, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Insert `rows` (made by `row`) as this pass's claims; key → id of those won."""
        with self.deps.db.write() as session:
            won = schedules.claim_new(session, rows)
        self._hold(won.values())
        return won

    def take_retries(self, now: datetime, limit: int) -> Sequence[Delivery]:
        with self.deps.db.write() as session:
            rows = schedules.claim_retries(session, now, self.at(), self.owner, limit)
        self._hold(row.id for row in rows)
        return rows

    def take_stale(self, limit: int) -> Sequence[Delivery]:
        """Rows whose holder stopped renewing them a whole window ago."""
        at = self.at()
        with self.deps.db.write() as session:
            rows = schedules.claim_stale(session, at - self.window, at, self.owner, limit)
        self._hold(row.id for row in rows)
        return rows

    def keep_fresh(self) -> None:
        """Renew the claims not yet tried, a third of a window after the last renewal."""
        clock = self.deps.clock
        with self._lock:
            # Whichever clock says more time passed: other workers judge staleness by their
            # wall clocks, and a wall clock can be stepped back.
            then, then_at = self._renewed
            passed = max(clock.monotonic() - then, (self.at() - then_at).total_seconds())
            if passed < self.window.total_seconds() * RENEW_EVERY:
                return
            held = set(self._held)
            self._renewed = (clock.monotonic(), self.at())
        with self.deps.db.write() as session:
            kept = schedules.renew(session, held, self.owner, self.at())
        with self._lock:
            lost = held - kept
            self._held -= lost
        if lost:
            log.warning("%d claims were taken over by another worker; it sends them", len(lost))

    def fence(self, row_id: int) -> bool:
        """Whether this pass still holds the row, marking the attempt under way."""
        self.keep_fresh()
        with self._lock:
            self._held.discard(row_id)
        with self.deps.db.write() as session:
            return schedules.fence(session, row_id, self.owner, self.at())

    def record(self, row_id: int, **values: Any) -> None:
        """A held row's outcome: written with others in one transaction (FLUSH_EVERY,
        FLUSH_AFTER), and always by the time flush() returns."""
        now = self.deps.clock.monotonic()
        with self._lock:
            self._held.discard(row_id)
            if not self._outcomes:
                self._oldest = now
            self._outcomes.append((row_id, values))
            if len(self._outcomes) < FLUSH_EVERY and now - self._oldest < FLUSH_AFTER:
                return
            batch, self._outcomes = self._outcomes, []
        self._write(batch)

    def flush(self) -> None:
        """Write every outcome recorded so far."""
        with self._lock:
            batch, self._outcomes = self._outcomes, []
        self._write(batch)

    def _write(self, batch: Sequence[tuple[int, dict[str, Any]]]) -> None:
        if not batch:
            return
        with self.deps.db.write() as session:
            schedules.without_flush_wait(session)
            lost = [
                row_id
                for row_id, values in batch
                if not schedules.record_outcome(session, row_id, self.owner, values)
            ]
        for row_id in lost:
            log.warning("delivery %s was taken over before its outcome was recorded", row_id)

    def row(self, due_key: str, **values: Any) -> dict[str, Any]:
        """A new ledger row claimed by this pass."""
        at = self.at()
        return {
            "key": due_key,
            "kind": due_key.split(":", 1)[0],
            "status": "claimed",
            "attempts": 0,
            "claimed_by": self.owner,
            "claimed_at": at,
            "created_at": at,
            **values,
        }

    def _hold(self, ids: Any) -> None:
        with self._lock:
            self._held.update(ids)
