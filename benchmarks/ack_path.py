"""The ack path: `pmo-bot serve` (2 gthread workers) answering signed `/risk add` and `/risk list`
over 16 keep-alive connections, against a no-op Bolt app served the same way in the same run.

Run from the repository root: `python -m benchmarks.ack_path [--pg URL] [--seconds N]`. SQLite
always; PostgreSQL too when --pg or PMO_TEST_DATABASE_URL names a server (the benchmark works
in a scratch database beside it). Exits 0 when, on every database, `/risk add` reaches 0.5 and
`/risk list` 0.7 of the no-op's requests a second, every p99 is under 50 ms and nothing failed.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time
from collections.abc import Sequence

from benchmarks._common import (
    SECRET,
    Process,
    app_env,
    databases,
    loopback_port,
    run_cli,
    serve,
    summary,
)
from benchmarks._fake_slack import FakeSlack
from benchmarks._load import Load, http_request, run_load
from tests.support.signing import sign, slash_command_body

CONNECTIONS = 16
MIN_ADD_RATIO = 0.5
MIN_LIST_RATIO = 0.7
MAX_P99_MS = 50.0
SEED_RISKS = 100  # the register `/risk list` pages through (it grows during the add run)
PATH = "/slack/events"


def signed(port: int, command: str, text: str, user: str) -> bytes:
    body = slash_command_body(command, text, user_id=user, user_name=user.lower()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return http_request(port, PATH, body, headers | sign(body, SECRET, int(time.time())))


def adds(port: int) -> list[list[bytes]]:
    """Per connection, a person of its own logging risks (Slack signs each body)."""
    text = "add Vendor {}-{} may slip impact:high likelihood:3"
    return [
        [signed(port, "/risk", text.format(c, n), f"U0BENCH{c:02d}") for n in range(8)]
        for c in range(CONNECTIONS)
    ]


def lists(port: int) -> list[list[bytes]]:
    return [[signed(port, "/risk", "list", f"U0BENCH{c:02d}")] for c in range(CONNECTIONS)]


def exchange(port: int, command: str, text: str) -> bytes:
    """One signed command on a connection of its own: the body of the answer."""
    body = slash_command_body(command, text, user_id="U0BENCH00").encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", PATH, body, headers | sign(body, SECRET, int(time.time())))
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    if answer.status != 200:
        raise RuntimeError(f"{command} {text}: {answer.status} {data[:300]!r}")
    return data


def measure_noop(fake: FakeSlack, warm_up: float, seconds: float) -> Load:
    port = loopback_port()
    env = app_env("sqlite://", fake.base_url, port)
    noop = Process([sys.executable, "-m", "benchmarks._noop_app"], env).start()
    try:
        noop.wait_for(f"http://127.0.0.1:{port}/healthz")
        return run_load(port, adds(port), warm_up=warm_up, seconds=seconds)
    finally:
        noop.stop()


def measure_bot(
    label: str, url: str, fake: FakeSlack, warm_up: float, seconds: float
) -> tuple[Load, Load]:
    run_cli("migrate", env=app_env(url, fake.base_url, 3000))
    server, root = serve(url, fake.base_url)
    port = int(root.rsplit(":", 1)[1])
    try:
        if b"Apollo" not in exchange(port, "/pmo", "project Apollo"):
            raise RuntimeError("/pmo project Apollo was not answered")
        for n in range(SEED_RISKS):
            exchange(port, "/risk", f"add Seeded risk {n} impact:medium")
        if b"R-1" not in exchange(port, "/risk", "list"):
            raise RuntimeError("/risk list does not show R-1")
        listed = run_load(port, lists(port), warm_up=warm_up, seconds=seconds)
        added = run_load(port, adds(port), warm_up=warm_up, seconds=seconds)
        if "Traceback" in server.log():
            raise RuntimeError(f"{label}: serve logged a traceback:\n{server.log()[-3000:]}")
        return added, listed
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: $PMO_TEST_DATABASE_URL)")
    parser.add_argument("--seconds", type=float, default=10.0, help="each timed run (10)")
    parser.add_argument("--warm-up", type=float, default=2.0, help="before each (2)")
    args = parser.parse_args(argv)

    print(f"connections: {CONNECTIONS}, workers: 2 (gthread, 4 threads), {args.seconds:g} s a run")
    fake = FakeSlack(loopback_port()).start()
    failures: list[str] = []
    try:
        first = measure_noop(fake, args.warm_up, args.seconds)
        print(first.line("no-op ack (before)"))
        results = []
        with databases(args.pg, "ack") as found:
            for label, url in found:
                added, listed = measure_bot(label, url, fake, args.warm_up, args.seconds)
                print(added.line(f"{label} /risk add"))
                print(listed.line(f"{label} /risk list"))
                results.append((label, added, listed))
        last = measure_noop(fake, args.warm_up, args.seconds)
        print(last.line("no-op ack (after)"))
    finally:
        fake.stop()

    baseline = max(first.rate, last.rate)  # the faster no-op run: the stricter bar
    print(f"baseline: {baseline:,.0f} req/s (the faster no-op run)")
    for label, added, listed in results:
        for name, load, bar in (("add", added, MIN_ADD_RATIO), ("list", listed, MIN_LIST_RATIO)):
            ratio = load.rate / baseline
            print(f"ratio {label} /risk {name}/no-op: {ratio:.2f} (bar: >= {bar})")
            if ratio < bar:
                failures.append(f"{label} /risk {name} at {ratio:.2f} of the no-op")
            if load.ms(0.99) >= MAX_P99_MS:
                failures.append(f"{label} /risk {name} p99 {load.ms(0.99):.1f} ms")
            if load.failures:
                failures.append(f"{label} /risk {name}: {load.failures} failed {load.statuses}")
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
