"""Slow or stalled clients cannot hold `pmo-bot serve`: with four times as many of them as the
server has threads, Slack's genuine requests are still answered within a second, and each
stalled body is dropped at its deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest

from bot.asgi import APP_THREADS, BODY_DEADLINE_SECONDS
from tests.e2e.conftest import Server, bot_env, free_port, run_cli
from tests.e2e.test_serve import answer_text, send_command
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.stalled import hold_stalled

pytestmark = pytest.mark.slow

WORKERS = 2  # bot_env's WEB_CONCURRENCY
SLOW = 4 * WORKERS * APP_THREADS
GENUINE = 12


def test_genuine_requests_are_answered_while_slow_clients_hold_connections(
    sqlite_url: str,
    fake: FakeSlackWebAPI,
    tmp_path: Path,
    start_server: Callable[[dict[str, str]], Server],
) -> None:
    env = bot_env(sqlite_url, fake, free_port())
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    server = start_server(env)
    server.wait_until_healthy()
    send_command(server, "/pmo", "project Apollo")
    port = int(server.root.rsplit(":", 1)[1])

    with ExitStack() as stack:
        held = hold_stalled(stack, port, SLOW)
        time.sleep(0.3)  # let the server accept them all before the genuine traffic
        durations = []
        for n in range(GENUINE):
            started = time.monotonic()
            answer = send_command(server, "/risk", f"add Risk number {n}")
            durations.append(time.monotonic() - started)
            assert f"R-{n + 1}" in answer_text(answer)
        assert max(durations) < 1.0, durations

        # A stalled body is dropped at its deadline with a 408, not held for ever.
        first = held[0]
        first.settimeout(BODY_DEADLINE_SECONDS + 5)
        assert first.recv(64).startswith(b"HTTP/1.1 408")

    assert server.stop() == 0
    assert "Traceback" not in server.log()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pmo.db'}"
