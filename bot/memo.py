"""A per-process memo for facts that rarely change (a person's zone), so a served request need
not read them from the database every time; each entry lives a short, fixed while."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

MAX_ENTRIES = 10_000  # a bound on memory: past it the memo starts afresh


class Memo:
    """Thread-safe: gunicorn's threads and the lazy listeners share one per process."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[datetime, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: datetime, ttl: timedelta) -> Any | None:
        """The value put under `key` less than `ttl` before `now`, else None."""
        with self._lock:
            found = self._entries.get(key)
        if found is None or not (timedelta(0) <= now - found[0] < ttl):
            return None
        return found[1]

    def put(self, key: Hashable, value: Any, now: datetime) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, value)
