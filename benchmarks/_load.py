"""Load generators in the standard library, on one asyncio loop. The closed loop (run_load): N
keep-alive HTTP/1.1 connections, each sending its next prepared request as soon as the last
answer is read. The open loop (run_open_loop): requests sent on a fixed schedule over a pool of
keep-alive connections whether or not earlier ones were answered, timed from when each was due."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks._common import percentile


@dataclass
class Load:
    """What one timed run measured: latencies (s) of the answered requests, failures, seconds."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    cpu: float = 0.0  # the server's CPU seconds over the run, when measured (0: not)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    @property
    def cpu_ms(self) -> float:
        """The server's CPU a request (ms), warm-up included in neither."""
        answered = len(self.latencies) + self.failures
        return self.cpu * 1000 / answered if answered else 0.0

    def line(self, name: str) -> str:
        cpu = f", server CPU {self.cpu_ms:.2f} ms a request" if self.cpu else ""
        return (
            f"{name}: {self.rate:,.0f} req/s, p50 {self.ms(0.50):.1f} ms, "
            f"p99 {self.ms(0.99):.1f} ms{cpu} ({len(self.latencies):,} requests, "
            f"{self.failures} failed)"
        )


def merged(loads: Sequence[Load]) -> Load:
    """Several timed runs as one: their requests, failures and seconds added up."""
    total = Load()
    for load in loads:
        total.latencies += load.latencies
        total.failures += load.failures
        total.seconds += load.seconds
        total.cpu += load.cpu
        for status, count in load.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + count
    return total


def http_request(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of one keep-alive POST."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool, bytes]:
    """Send one request, read its answer; (status, whether the server keeps the connection,
    the answer's body)."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed by the server")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    body = await reader.readexactly(length)
    return status, keep, body


async def _client(
    port: int,
    requests: Sequence[bytes],
    warm_until: float,
    stop_at: float,
    load: Load,
    total: int | None,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while (started := time.perf_counter()) < stop_at and (
            total is None or len(load.latencies) + load.failures < total
        ):
            request = requests[n % len(requests)]
            n += 1
            try:
                status, keep, _ = await _exchange(reader, writer, request)
            except (ConnectionError, asyncio.IncompleteReadError):
                status, keep = 0, False
            took = time.perf_counter() - started
            if started >= warm_until:
                load.statuses[status] = load.statuses.get(status, 0) + 1
                if status == 200:
                    load.latencies.append(took)
                else:
                    load.failures += 1
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def _run(
    port: int,
    per_connection: Sequence[Sequence[bytes]],
    warm_up: float,
    seconds: float,
    total: int | None,
    cpu: Callable[[], float] | None,
) -> Load:
    load = Load()
    warm_until = time.perf_counter() + warm_up
    stop_at = warm_until + seconds
    started: list[float] = []

    async def sample_after_warm_up() -> None:
        await asyncio.sleep(warm_up)
        if cpu is not None:
            started.append(cpu())

    await asyncio.gather(
        sample_after_warm_up(),
        *(_client(port, requests, warm_until, stop_at, load, total) for requests in per_connection),
    )
    load.seconds = time.perf_counter() - warm_until  # to the last answer
    if cpu is not None and started:
        load.cpu = cpu() - started[0]
    return load


def run_load(
    port: int,
    per_connection: Sequence[Sequence[bytes]],
    *,
    warm_up: float,
    seconds: float,
    total: int | None = None,
    cpu: Callable[[], float] | None = None,
) -> Load:
    """One connection per entry of `per_connection`, cycling through its requests; only the
    requests started after `warm_up` seconds count; it stops after `seconds`, or once `total`
    requests were answered. `cpu`: the server's CPU seconds so far, sampled after the warm-up
    and at the end (Load.cpu_ms)."""
    return asyncio.run(_run(port, per_connection, warm_up, seconds, total, cpu))


@dataclass(frozen=True)
class Answer:
    """One request of an open-loop run, on the monotonic clock (which every process on the
    machine shares, so it compares with what the fake Slack records): when it was due to be
    sent, when it went out (after waiting for a free connection), when its answer was read."""

    planned: float
    sent: float
    answered: float
    status: int
    body: bytes

    @property
    def latency(self) -> float:
        """From the planned send, not the actual one: a stall the server causes delays the
        requests queued behind it, and they count it (no coordinated omission)."""
        return self.answered - self.planned


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(port: int) -> Connection:
    return await asyncio.open_connection("127.0.0.1", port)


async def _run_open(
    port: int,
    schedule: Sequence[tuple[float, bytes]],
    connections: int,
    timeout: float,
    lead: float,
) -> list[Answer]:
    pool: asyncio.Queue[Connection | None] = asyncio.Queue()
    for connection in await asyncio.gather(*(_open(port) for _ in range(connections))):
        pool.put_nowait(connection)
    start = time.monotonic() + lead
    answers: list[Answer | None] = [None] * len(schedule)

    async def one(index: int, planned: float, request: bytes) -> None:
        connection = await pool.get()
        sent = time.monotonic()
        status, keep, body = 0, False, b""
        for attempt in range(2):
            reused = connection is not None
            try:
                if connection is None:
                    connection = await _open(port)
                status, keep, body = await asyncio.wait_for(
                    _exchange(*connection, request), timeout
                )
                break
            except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as error:
                if connection is not None:
                    connection[1].close()
                connection = None
                # An idle keep-alive connection the server had closed: the request never
                # reached it, so it is sent once more on a new connection.
                if not (reused and attempt == 0 and isinstance(error, ConnectionError)):
                    break
        answered = time.monotonic()
        if not keep and connection is not None:
            connection[1].close()
            connection = None
        pool.put_nowait(connection)
        answers[index] = Answer(planned, sent, answered, status, body)

    tasks = []
    for index, (offset, request) in enumerate(schedule):
        planned = start + offset
        delay = planned - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, planned, request)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        left = pool.get_nowait()
        if left is not None:
            left[1].close()
    return [answer for answer in answers if answer is not None]


def run_open_loop(
    port: int,
    schedule: Sequence[tuple[float, bytes]],
    *,
    connections: int = 32,
    timeout: float = 30.0,
    lead: float = 0.2,
) -> list[Answer]:
    """An open loop: each (offset, request) of `schedule` is sent `offset` seconds after the
    start (`lead` seconds from now, once the keep-alive connections are open) whether or not
    earlier ones were answered, on the first free connection of the pool; the answers in
    schedule order. A request that waits for a connection counts the wait."""
    return asyncio.run(_run_open(port, schedule, connections, timeout, lead))


def fixed_rate(requests: Sequence[bytes], rate: float) -> list[tuple[float, bytes]]:
    """A schedule sending `requests` evenly at `rate` a second (0: all at once)."""
    return [(n / rate if rate else 0.0, request) for n, request in enumerate(requests)]
