"""End-to-end fixtures: `pmo-bot` as a real process, its database, and a way to stop it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.databases import PG_SKIP, postgres_url, scratch_postgres
from tests.support.http import HttpAnswer
from tests.support.slack_api import FakeSlackWebAPI, serve_fake_slack

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-signing-secret"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
# Settings the server reads, and proxies (everything here is on loopback): scrubbed from the
# inherited environment so only ours apply.
SCRUBBED = ("DATABASE_URL", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL")
PROXIES = ("http_proxy", "https_proxy", "all_proxy")
# Straight to the loopback server, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def http(
    url: str, data: bytes | None = None, headers: Mapping[str, str] | None = None
) -> HttpAnswer:
    """One HTTP exchange; error statuses are answers too, not exceptions."""
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=10) as response:
            return HttpAnswer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(error.code, dict(error.headers.items()), error.read())


def bot_env(database_url: str, fake: FakeSlackWebAPI, port: int) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED
        and name.lower() not in PROXIES
        and not name.startswith(("SLACK_", "PMO_"))
    }
    return inherited | {
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "LOG_LEVEL": "INFO",
    }


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """A short-lived `pmo-bot` command, its output captured (and its pipes closed)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Server:
    """A running `pmo-bot serve`; its output goes to a log file so no pipe can fill up."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_healthy(self) -> HttpAnswer:
        """Poll GET /healthz (bounded) until it answers 200; fail early if the process dies."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                answer = http(self.root + "/healthz")
            except OSError as error:  # not listening yet
                last = error
            else:
                if answer.status == 200:
                    return answer
                last = answer
            time.sleep(0.1)
        pytest.fail(
            f"no healthy /healthz within {STARTUP_TIMEOUT}s (last: {last!r}):\n{self.log()}"
        )

    def stop(self) -> int:
        """SIGTERM (gunicorn's graceful stop), wait, and SIGKILL only if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        return self.process.returncode


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    yield from serve_fake_slack()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Server]]:
    """start_server(env) -> Server; every server started is stopped at teardown."""
    started: list[Server] = []

    def start(env: dict[str, str]) -> Server:
        log_path = tmp_path / f"serve-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"],
                env=env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, int(env["PORT"]), log_path)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database: a SQLite file, or a PostgreSQL database of our own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pmo-e2e.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip(PG_SKIP)
    yield from scratch_postgres(base, f"e2e_{os.getpid()}")


def offline_cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`pmo-bot …` with no Slack settings on `tmp_path/pmo.db`, fed `stdin`, output captured."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED and name.lower() not in PROXIES and not name.startswith("SLACK_")
    }
    env |= {"PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'pmo.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
