"""The injected clock: the only way code learns the current time, or waits."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that only goes forward: how pacing measures gaps."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (pacing's waits)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ShiftedClock(SystemClock):
    """The real clock moved to start at `at`: `pmo-bot tick --at` runs a pass as if then,
    waiting (and its claims ageing) in real time."""

    def __init__(self, at: datetime):
        self._at = _require_aware(at)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._started)


class FixedClock:
    """A clock that reads a set instant until moved; for tests. Its waits take no time: they
    move its monotonic reading only, so a test can read how a pass was paced."""

    def __init__(self, at: datetime):
        self._at = _require_aware(at)
        self._monotonic = 0.0

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        self._monotonic += max(0.0, seconds)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("clock times must be timezone-aware")
    return at.astimezone(UTC)
