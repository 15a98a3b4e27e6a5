"""A load generator in the standard library: N keep-alive HTTP/1.1 connections on one asyncio
loop, each sending its next prepared request as soon as the last answer is read."""

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
) -> tuple[int, bool]:
    """Send one request, read its answer; (status, whether the server keeps the connection)."""
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
    await reader.readexactly(length)
    return status, keep


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
                status, keep = await _exchange(reader, writer, request)
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
