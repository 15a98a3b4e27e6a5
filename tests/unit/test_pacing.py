"""Pacing as Slack asks, read on the test clock: one message a second per conversation
(measured from the answer), a ceiling per workspace, and direct messages flowing past a
channel that waits its turn."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.services.pacing import CHANNEL_GAP, Conversation, Lanes, Pacing


def run_lanes(
    jobs: list[tuple[Conversation, str]], per_second: float, answer_takes: float = 0.0
) -> list[tuple[float, Conversation, str]]:
    """Run `jobs` through the lanes; (start time, conversation, job) in the order started."""
    clock = FixedClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    started: list[tuple[float, Conversation, str]] = []

    def run(conversation: Conversation, job: str, done: Callable[[], None]) -> None:
        started.append((clock.monotonic(), conversation, job))
        clock.sleep(answer_takes)  # Slack's round trip
        done()

    lanes: Lanes[str] = Lanes(Pacing(clock, per_second), run)
    for conversation, job in jobs:
        lanes.add(conversation, job)
    lanes.drain()
    return started


def starts_by_conversation(
    started: list[tuple[float, Conversation, str]],
) -> dict[str, list[float]]:
    by: dict[str, list[float]] = defaultdict(list)
    for at, (_, channel), _ in started:
        by[channel].append(at)
    return by


def test_one_message_a_second_in_a_channel_and_direct_messages_flow_past_it() -> None:
    thread = [(("T1", "C0APOLLO"), f"digest part {n}") for n in range(6)]
    dms = [(("T1", f"U{n:04d}"), f"reminder {n}") for n in range(40)]

    started = run_lanes(thread + dms, per_second=20, answer_takes=0.2)

    assert [job for _, _, job in started if job.startswith("digest")] == [
        f"digest part {n}" for n in range(6)
    ]  # in order
    channel = starts_by_conversation(started)["C0APOLLO"]
    gaps = [b - a for a, b in itertools.pairwise(channel)]
    assert min(gaps) >= CHANNEL_GAP + 0.2 - 1e-9  # a second from each answer
    starts = [at for at, _, _ in started]
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 1 / 20 - 1e-9
    last_dm = max(at for at, (_, c), _ in started if c.startswith("U"))
    assert last_dm < channel[-1]  # the DMs did not queue behind the thread


def test_several_messages_to_one_person_are_a_second_apart() -> None:
    bob = ("T1", "U0BOB")
    started = run_lanes([(bob, "reminder"), (bob, "standup prompt"), (bob, "notice")], 100)
    assert [at for at, _, _ in started] == [0.0, CHANNEL_GAP, 2 * CHANNEL_GAP]


def test_each_workspace_has_its_own_ceiling() -> None:
    jobs = [((team, f"U{n}"), f"{team}-{n}") for n in range(10) for team in ("T1", "T2")]
    started = run_lanes(jobs, per_second=10)
    for team in ("T1", "T2"):
        times = [at for at, (t, _), _ in started if t == team]
        assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9
    assert max(at for at, _, _ in started) < 1.0  # the two workspaces went side by side


def test_no_ceiling_means_only_the_channel_rule() -> None:
    started = run_lanes([(("T1", f"U{n}"), str(n)) for n in range(100)], per_second=0)
    assert {at for at, _, _ in started} == {0.0}
