"""Slow clients as an attacker plays them: connections that send part of a request to
`pmo-bot serve` and then nothing, half stopped 10 bytes into a 1,000-byte body, half inside
their headers. Shared by tests/e2e/test_slow_clients.py and benchmarks/slow_clients.py."""

from __future__ import annotations

import socket
from contextlib import ExitStack

HEADS = (
    b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n0123456789",
    b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Sig",
)


def hold_stalled(stack: ExitStack, port: int, count: int) -> list[socket.socket]:
    """`count` stalled connections to the server on `port`, closed when `stack` closes; the
    first stops inside a body (so it is the one dropped at the body deadline)."""
    held = []
    for n in range(count):
        conn = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
        conn.sendall(HEADS[n % len(HEADS)])
        held.append(conn)
    return held
