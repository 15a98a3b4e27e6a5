"""How fast a pass sends, as Slack asks: at most one message a second in any one conversation
(chat.postMessage's limit; a person's DM is a conversation too), and at most `per_second` a
second per workspace token. Waits are the injected clock's, so tests read the pacing."""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from bot.clock import Clock

CHANNEL_GAP = 1.0  # seconds between one message's answer and the next post in its conversation
Conversation = tuple[str, str]  # (team id, channel or user id)
Job = TypeVar("Job")


@dataclass
class Pacing:
    clock: Clock
    per_second: float = 0.0  # per workspace; 0: no ceiling
    _team_next: dict[str, float] = field(default_factory=dict)
    _channel_next: dict[Conversation, float] = field(default_factory=dict)

    def team_ready(self, team: str) -> float:
        return self._team_next.get(team, 0.0)

    def channel_ready(self, conversation: Conversation) -> float:
        return self._channel_next.get(conversation, 0.0)

    def started(self, conversation: Conversation) -> None:
        if self.per_second > 0:
            self._team_next[conversation[0]] = self.clock.monotonic() + 1.0 / self.per_second

    def finished(self, conversation: Conversation) -> None:
        """Measured from the answer, so two posts never reach Slack less than a second apart
        whatever the first one's round trip took."""
        self._channel_next[conversation] = self.clock.monotonic() + CHANNEL_GAP

    @contextmanager
    def turn(self, conversation: Conversation) -> Iterator[None]:
        """One post made in its turn, by code that posts one after another (no lanes)."""
        ready = max(self.team_ready(conversation[0]), self.channel_ready(conversation))
        wait = ready - self.clock.monotonic()
        if wait > 0:
            self.clock.sleep(wait)
        self.started(conversation)
        try:
            yield
        finally:
            self.finished(conversation)


class Lanes(Generic[Job]):
    """Jobs queued by conversation, handed out in the order pacing allows: each conversation
    keeps its own order and has one job under way at most; among those ready, the one that
    has waited longest goes first, so a digest's thread in one channel paces itself while
    direct messages to everyone else flow past it."""

    def __init__(
        self, pacing: Pacing, run: Callable[[Conversation, Job, Callable[[], None]], None]
    ):
        self.pacing = pacing
        self.run = run  # run(conversation, job, done): starts the job; `done` when answered
        self._queues: dict[Conversation, deque[Job]] = {}
        self._ready: dict[str, list[tuple[float, int, Conversation]]] = {}  # team → heap
        self._busy: set[Conversation] = set()
        self._finished: deque[Conversation] = deque()
        self._changed = threading.Condition()
        self._seq = 0

    def add(self, conversation: Conversation, job: Job) -> None:
        queue = self._queues.get(conversation)
        if queue is None:
            self._queues[conversation] = deque([job])
            self._push(conversation)
        else:
            queue.append(job)

    def drain(self) -> None:
        """Run every job queued, paced; returns once every one has been answered."""
        while True:
            self._take_finished()
            choice = self._next()
            if choice is None:
                with self._changed:
                    if not self._busy:
                        return
                    if not self._finished:
                        self._changed.wait(timeout=1.0)
                continue
            when, team = choice
            wait = when - self.pacing.clock.monotonic()
            if wait > 0:
                self.pacing.clock.sleep(wait)
            _, _, conversation = heapq.heappop(self._ready[team])
            job = self._queues[conversation].popleft()
            with self._changed:
                self._busy.add(conversation)
            self.pacing.started(conversation)
            self.run(conversation, job, partial(self._done, conversation))

    def _next(self) -> tuple[float, str] | None:
        candidates = [
            (max(self.pacing.team_ready(team), heap[0][0]), team)
            for team, heap in self._ready.items()
            if heap
        ]
        return min(candidates) if candidates else None

    def _done(self, conversation: Conversation) -> None:
        self.pacing.finished(conversation)
        with self._changed:
            self._busy.discard(conversation)
            self._finished.append(conversation)
            self._changed.notify()

    def _take_finished(self) -> None:
        with self._changed:
            finished, self._finished = self._finished, deque()
        for conversation in finished:
            if self._queues[conversation]:
                self._push(conversation)
            else:
                del self._queues[conversation]

    def _push(self, conversation: Conversation) -> None:
        self._seq += 1
        ready = self.pacing.channel_ready(conversation)
        heapq.heappush(
            self._ready.setdefault(conversation[0], []), (ready, self._seq, conversation)
        )
