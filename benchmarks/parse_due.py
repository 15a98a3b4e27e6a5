"""Times bot.dates.parse_due against a bare dateparser.parse on the same phrases.

Run from the repository root: `python -m benchmarks.parse_due`. Exits 0 when parse_due is at
most 1.5 times as slow as dateparser.parse and no phrase takes 2 ms or more, else 1.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import dateparser

from benchmarks._common import summary
from bot.dates import parse_due

MAX_RATIO = 1.5
MAX_MS_PER_PARSE = 2.0
ROUNDS = 7
REPETITIONS = 20  # calls of each phrase per round
WARM_UP = 5  # calls of each phrase before timing

# A fixed clock: the phrases are all ahead of it.
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=ZoneInfo("Europe/London"))

# Realistic due dates that dateparser.parse can also read.
PHRASES = [
    "today",
    "tomorrow",
    "friday",
    "next friday",
    "in 3 days",
    "in 2 weeks",
    "in a week",
    "in 2 months",
    "next week",
    "next month",
    "the day after tomorrow",
    "tomorrow 5pm",
    "friday at noon",
    "2027-01-15",
    "Jan 15",
    "15 January",
    "January 15th 2027",
    "15 March 2027",
    "Dec 1",
    "15/01/2027",
    # forms bot.dates leaves to dateparser: the slowest path
    "15-Jan-2027",
    "2027 Jan 15",
]


def _time_round(parse: Callable[[str], object]) -> dict[str, float]:
    """Milliseconds per call of each phrase, over one round."""
    per_phrase = {}
    for phrase in PHRASES:
        start = time.perf_counter()
        for _ in range(REPETITIONS):
            parse(phrase)
        per_phrase[phrase] = (time.perf_counter() - start) / REPETITIONS * 1000
    return per_phrase


def main() -> int:
    def ours(phrase: str) -> object:
        return parse_due(phrase, now=NOW)

    theirs = dateparser.parse

    missing = [phrase for phrase in PHRASES if theirs(phrase) is None]
    if missing:
        print(f"summary: FAIL (dateparser cannot read {missing})")
        return 1
    for _ in range(WARM_UP):
        for phrase in PHRASES:
            ours(phrase)
            theirs(phrase)

    ours_rounds: list[dict[str, float]] = []
    theirs_rounds: list[dict[str, float]] = []
    for _ in range(ROUNDS):  # interleaved, so both see the same machine load
        ours_rounds.append(_time_round(ours))
        theirs_rounds.append(_time_round(theirs))

    ours_ms = statistics.median(statistics.fmean(r.values()) for r in ours_rounds)
    theirs_ms = statistics.median(statistics.fmean(r.values()) for r in theirs_rounds)
    slowest = max(PHRASES, key=lambda p: statistics.median(r[p] for r in ours_rounds))
    slowest_ms = statistics.median(r[slowest] for r in ours_rounds)
    ratio = ours_ms / theirs_ms

    print(f"phrases: {len(PHRASES)}, rounds: {ROUNDS}, calls per phrase per round: {REPETITIONS}")
    print(f"parse_due: {ours_ms:.3f} ms/call")
    print(f"dateparser.parse: {theirs_ms:.3f} ms/call")
    print(f"parse_due slowest phrase: {slowest_ms:.3f} ms/call ({slowest!r}; bar: < 2 ms)")
    print(f"ratio parse_due/dateparser: {ratio:.2f} (bar: <= {MAX_RATIO})")

    failures = []
    if ratio > MAX_RATIO:
        failures.append(f"ratio {ratio:.2f} > {MAX_RATIO}")
    if slowest_ms >= MAX_MS_PER_PARSE:
        failures.append(f"{slowest!r} takes {slowest_ms:.3f} ms")
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
