"""Register pages as drawn, reused while nothing they show has changed: one cache a process.

A `/risk list` asked again draws nothing and reads one row (storage.repositories.versions): its
register's version, which the database bumps on every write to the register. An entry is
kept under what the page depends on (the project, the list asked for, the reader's zone and
day), holds the version it was drawn at and the moment time alone would change it (the next
due time to pass), and is used only while both still hold.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import Generic, TypeVar

# Pages kept a process, the least recently read dropped first: a page of 20 items is some
# tens of kilobytes, so this bounds the cache at a few megabytes however many people list.
MAX_PAGES = 256

T = TypeVar("T")


class PageCache(Generic[T]):
    """Thread-safe: the app threads of a serving process share one."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[int, datetime | None, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int, now: datetime) -> T | None:
        """The page kept under `key` if it was drawn at `version` and is not past its time."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            drawn_at, until, page = found
            if drawn_at != version or (until is not None and now >= until):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return page

    def put(self, key: Hashable, version: int, until: datetime | None, page: T) -> None:
        """Keep `page`, drawn at `version`, until `until` (None: while the version stands)."""
        with self._lock:
            self._entries[key] = (version, until, page)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
