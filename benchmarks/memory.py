"""Resident memory: of a `pmo-bot serve` worker after 10,000 requests from 512 distinct people
(adds, lists and each person's own list mixed, so each has a zone remembered and a page of
their own drawn), and of the scheduler after a pass over 3,000 actions (600 reminders
sent, as benchmarks.fanout seeds them).

Run from the repository root: `python -m benchmarks.memory`. SQLite, the lean fake Slack on
loopback. The serve figure is each worker's VmRSS (from /proc) once the requests are answered;
the pass figure is the peak resident size (ru_maxrss) of `pmo-bot tick --at …`, the worker's
own pass as a process, so at least its VmRSS at the end. Exits 0 when neither passes 200 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace

from benchmarks._common import (
    app_env,
    children,
    loopback_port,
    rss_mb,
    run_cli,
    serve,
    summary,
)
from benchmarks._fake_slack import FakeSlack
from benchmarks._load import run_load
from benchmarks.ack_path import CONNECTIONS, exchange, signed
from benchmarks.fanout import ACTIONS_EACH, AT, PEOPLE, seed
from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import build_deps
from storage.schema import upgrade

REQUESTS = 10_000
MAX_MB = 200.0
PEOPLE_EACH = 32  # people per connection: 16 × 32 = 512 distinct people


def serve_worker_mb(url: str, fake: FakeSlack) -> tuple[list[float], int]:
    """Each serve worker's VmRSS after REQUESTS mixed requests; and how many were answered."""
    run_cli("migrate", env=app_env(url, fake.base_url, 3000))
    server, root = serve(url, fake.base_url)
    port = int(root.rsplit(":", 1)[1])
    try:
        exchange(port, "/pmo", "project Apollo")
        mixed = [
            [
                signed(port, "/risk", text, f"U0P{c:02d}{p:03d}")
                for p in range(PEOPLE_EACH)
                for text in (f"add Vendor {c}-{p} may slip impact:high", "list", "list mine")
            ]
            for c in range(CONNECTIONS)
        ]
        load = run_load(port, mixed, warm_up=0, seconds=600, total=REQUESTS)
        time.sleep(1)  # the last answers' lazy work
        return [rss_mb(pid) for pid in children(server.pid)], len(load.latencies)
    finally:
        server.stop()


def pass_peak_mb(folder: str, fake: FakeSlack) -> tuple[float, str]:
    """Peak RSS of `pmo-bot tick --at` over the actions fanout seeds; its summary."""
    url = f"sqlite:///{folder}/pass.db"
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=fake.base_url)
    deps = replace(build_deps(settings), clock=FixedClock(AT))
    try:
        upgrade(deps.db.engine)
        seed(deps, PEOPLE)
    finally:
        deps.db.dispose()
    argv = [sys.executable, "-m", "bot.cli", "tick", "--at", AT.isoformat()]
    env = app_env(url, fake.base_url, 3000)
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise RuntimeError(f"pmo-bot tick failed:\n{output}")
    return usage.ru_maxrss / 1024, output.splitlines()[-1]


def main() -> int:
    fake = FakeSlack(loopback_port()).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            workers, answered = serve_worker_mb(f"sqlite:///{folder}/serve.db", fake)
            peak, report = pass_peak_mb(folder, fake)
    finally:
        fake.stop()
    shown = ", ".join(f"{mb:.0f} MB" for mb in workers)
    people = CONNECTIONS * PEOPLE_EACH
    print(f"serve workers after {answered:,} requests from {people} people: VmRSS {shown}")
    print(
        f"scheduler pass over {PEOPLE * ACTIONS_EACH:,} actions: peak RSS {peak:.0f} MB ({report})"
    )
    failures = [f"a serve worker at {mb:.0f} MB" for mb in workers if mb > MAX_MB]
    if peak > MAX_MB:
        failures.append(f"the pass at {peak:.0f} MB")
    if answered < REQUESTS:
        failures.append(f"only {answered} of {REQUESTS} requests answered")
    print(f"bar: each at most {MAX_MB:.0f} MB")
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
