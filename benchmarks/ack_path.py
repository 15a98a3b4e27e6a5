"""The ack path: `pmo-bot serve` (2 asyncio workers, 8 app threads each) answering signed
`/risk add` and `/risk list` over 16 keep-alive connections, against a no-op Bolt app served the
same way in the same run.

Run from the repository root: `python -m benchmarks.ack_path [--pg URL] [--seconds N]`. SQLite
always; PostgreSQL too when --pg or PMO_TEST_DATABASE_URL names a server (the benchmark works
in a scratch database beside it). Exits 0 when, on every database, `/risk add` reaches 0.3 and
`/risk list` 0.5 of the no-op's requests a second, every p99 is under 50 ms and nothing failed.
Each line reports the serving workers' CPU a request beside the throughput.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks._common import (
    SECRET,
    Process,
    app_env,
    children,
    cpu_seconds,
    databases,
    loopback_port,
    run_cli,
    serve,
    summary,
)
from benchmarks._fake_slack import FakeSlack
from benchmarks._load import Load, http_request, merged, run_load
from tests.support.signing import sign, slash_command_body

CONNECTIONS = 16
MIN_ADD_RATIO = 0.3
MIN_LIST_RATIO = 0.5
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


def start_noop(fake: FakeSlack) -> tuple[Process, int]:
    port = loopback_port()
    env = app_env("sqlite://", fake.base_url, port)
    noop = Process([sys.executable, "-m", "benchmarks._noop_app"], env).start()
    noop.wait_for(f"http://127.0.0.1:{port}/healthz")
    return noop, port


def workers_cpu(master: int) -> Callable[[], float]:
    """The CPU seconds of gunicorn's workers under `master` so far (the load generator and
    the fake Slack are other processes)."""
    return lambda: cpu_seconds(children(master))


def measure(
    url: str, fake: FakeSlack, noop: Process, noop_port: int, args: argparse.Namespace
) -> list[Load]:
    """(no-op, /risk list, /risk add) on this database, in interleaved rounds so that all
    three see the same machine load (absolute rates on a shared machine are noise)."""
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
        rounds: list[list[Load]] = [[], [], []]
        noop_cpu = workers_cpu(noop.pid)
        served_cpu = workers_cpu(server.pid)
        for _ in range(args.rounds):
            for runs, target, requests, cpu in (
                (rounds[0], noop_port, adds(noop_port), noop_cpu),
                (rounds[1], port, lists(port), served_cpu),
                (rounds[2], port, adds(port), served_cpu),
            ):
                load = run_load(
                    target, requests, warm_up=args.warm_up, seconds=args.seconds, cpu=cpu
                )
                runs.append(load)
        if "Traceback" in server.log():
            raise RuntimeError(f"serve logged a traceback:\n{server.log()[-3000:]}")
        return [merged(runs) for runs in rounds]
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: $PMO_TEST_DATABASE_URL)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three runs (3)")
    parser.add_argument("--seconds", type=float, default=4.0, help="each timed run (4)")
    parser.add_argument("--warm-up", type=float, default=1.0, help="before each (1)")
    args = parser.parse_args(argv)

    print(
        f"connections: {CONNECTIONS}, 2 asyncio workers (8 app threads) each, {args.rounds} rounds "
        f"of no-op / list / add, {args.seconds:g} s a run"
    )
    fake = FakeSlack(loopback_port()).start()
    noop, noop_port = start_noop(fake)
    failures: list[str] = []
    try:
        with databases(args.pg, "ack") as found:
            for label, url in found:
                baseline, listed, added = measure(url, fake, noop, noop_port, args)
                print(baseline.line(f"{label} round: no-op ack"))
                for name, load, bar in (
                    ("list", listed, MIN_LIST_RATIO),
                    ("add", added, MIN_ADD_RATIO),
                ):
                    ratio = load.rate / baseline.rate
                    print(load.line(f"{label} /risk {name}"))
                    print(f"{label} ratio /risk {name}/no-op: {ratio:.2f} (bar: >= {bar})")
                    failures += bars(f"{label} /risk {name}", load, ratio, bar)
    finally:
        noop.stop()
        fake.stop()
    return summary(failures)


def bars(name: str, load: Load, ratio: float, bar: float) -> list[str]:
    failures = []
    if ratio < bar:
        failures.append(f"{name} at {ratio:.2f} of the no-op")
    if load.ms(0.99) >= MAX_P99_MS:
        failures.append(f"{name} p99 {load.ms(0.99):.0f} ms")
    if load.failures:
        failures.append(f"{name}: {load.failures} failed {load.statuses}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
