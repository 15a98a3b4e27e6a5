"""bot.background: one job per key at a time, a bounded number at once, none left running."""

from __future__ import annotations

import threading

from bot.background import Background


def test_one_job_per_key_at_a_time_and_a_bounded_number_at_once() -> None:
    background = Background(limit=2)
    gate = threading.Event()

    def held(name: str) -> str:
        assert gate.wait(5)
        return name

    first = background.once("a", lambda: held("a"))
    assert first is not None
    assert background.once("a", lambda: "a again") is first  # already running: the same one
    assert background.once("b", lambda: held("b")) is not None
    assert background.once("c", lambda: "c") is None  # full: not started, asked again later
    gate.set()

    assert background.settle(timeout=5)
    assert first.result() == "a"
    later = background.once("c", lambda: "c")
    assert later is not None
    assert later.result(timeout=5) == "c"


def test_a_failing_job_hands_its_error_to_whoever_waits() -> None:
    background = Background()

    def broken() -> None:
        raise RuntimeError("no")

    future = background.once("x", broken)
    assert future is not None
    assert isinstance(future.exception(timeout=5), RuntimeError)
    assert background.settle(timeout=5)
