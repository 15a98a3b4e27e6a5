"""Work a request starts and does not wait for (a person's profile from Slack): one job per key
at a time, a few at once, in daemon threads of this process."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, wait
from typing import Any

log = logging.getLogger(__name__)
MAX_RUNNING = 8  # jobs at once per process; past it a job is not started (asked again later)


class Background:
    """Thread-safe; shared by every request of the process (one per Deps, like the memo).

    A thread per job rather than a pool: jobs are rare (a person's first command of the day),
    and no idle threads are left behind by the many Deps a test run builds."""

    def __init__(self, limit: int = MAX_RUNNING) -> None:
        self._limit = limit
        self._running: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()

    def once(self, key: Hashable, job: Callable[[], Any]) -> Future[Any] | None:
        """Start `job` unless one for `key` is running (its future is returned then); None
        when MAX_RUNNING jobs already are. The job runs in a copy of the caller's context, so
        it logs with the request that started it."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            if len(self._running) >= self._limit:
                log.warning("background work is full (%d jobs): %r not started", self._limit, key)
                return None
            future: Future[Any] = Future()
            self._running[key] = future
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run, args=(self._run, key, job, future), daemon=True
        )
        thread.name = "pmo-background"
        thread.start()
        return future

    def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the jobs running now; True when all finished."""
        with self._lock:
            running = list(self._running.values())
        _, pending = wait(running, timeout=timeout)
        return not pending

    def _run(self, key: Hashable, job: Callable[[], Any], future: Future[Any]) -> None:
        try:
            future.set_result(job())
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)
        finally:
            with self._lock:
                self._running.pop(key, None)
