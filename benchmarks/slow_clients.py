"""Slow clients: `pmo-bot serve` (SQLite) answering signed `/risk list` over 16 keep-alive
connections while 4× as many stalled connections as it has app threads are held open (half
stopped inside their headers, half 10 bytes into a 1,000-byte body), against the same load
without them, in interleaved rounds of one run.

Run from the repository root: `python -m benchmarks.slow_clients [--seconds N] [--rounds N]`.
Exits 0 when, held open, the genuine load keeps 0.8 of its requests a second, its p99 is under
1 s, and nothing failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from benchmarks._common import app_env, loopback_port, run_cli, serve, summary
from benchmarks._fake_slack import FakeSlack
from benchmarks._load import Load, merged, run_load
from benchmarks.ack_path import exchange, lists
from bot.asgi import APP_THREADS
from tests.support.stalled import hold_stalled

WORKERS = 2  # app_env's WEB_CONCURRENCY
SLOW = 4 * WORKERS * APP_THREADS
MIN_RATIO = 0.8
MAX_P99_MS = 1000.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the two runs (3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="each timed run (3)")
    args = parser.parse_args(argv)
    print(f"slow connections held: {SLOW}; {args.rounds} rounds of {args.seconds:g} s runs")
    fake = FakeSlack(loopback_port()).start()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'slow.db'}"
        run_cli("migrate", env=app_env(url, fake.base_url, 3000))
        server, root = serve(url, fake.base_url)
        port = int(root.rsplit(":", 1)[1])
        try:
            exchange(port, "/pmo", "project Apollo")
            for n in range(50):
                exchange(port, "/risk", f"add Seeded risk {n}")
            plain: list[Load] = []
            held: list[Load] = []
            for _ in range(args.rounds):
                # Each stalled body is dropped at bot.asgi's 5 s deadline: runs stay shorter.
                plain.append(run_load(port, lists(port), warm_up=0.5, seconds=args.seconds))
                with ExitStack() as stack:
                    hold_stalled(stack, port, SLOW)
                    held.append(run_load(port, lists(port), warm_up=0.5, seconds=args.seconds))
        finally:
            server.stop()
            fake.stop()
    baseline, slowed = merged(plain), merged(held)
    ratio = slowed.rate / baseline.rate
    print(baseline.line("without slow clients"))
    print(slowed.line(f"with {SLOW} slow clients"))
    print(f"ratio with/without: {ratio:.2f} (bar: >= {MIN_RATIO}); p99 bar < {MAX_P99_MS:g} ms")
    if ratio < MIN_RATIO:
        failures.append(f"throughput with slow clients at {ratio:.2f} of without")
    if slowed.ms(0.99) >= MAX_P99_MS:
        failures.append(f"p99 with slow clients {slowed.ms(0.99):.0f} ms")
    if slowed.failures or baseline.failures:
        failures.append(f"failed: {slowed.statuses} / {baseline.statuses}")
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
