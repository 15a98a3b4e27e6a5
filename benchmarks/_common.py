"""Shared by the benchmarks: percentiles, resident memory, the summary line, and processes
(`pmo-bot serve`, the no-op app, the lean fake Slack) started on loopback and stopped cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
STARTUP_SECONDS = 30.0
# Settings the processes read: only ours apply, whatever the shell exported.
SCRUBBED = ("DATABASE_URL", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


def count_statements(engine: Any, run: Callable[[], object]) -> int:
    """How many SQL statements one call of `run` sends through the engine."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a live process, in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for process {pid}")


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (gunicorn's workers under its master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU time (user + system) the processes have used so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def summary(failures: Sequence[str]) -> int:
    """Print the closing line every benchmark ends with; the exit status."""
    print(f"summary: FAIL ({'; '.join(failures)})" if failures else "summary: PASS")
    return 1 if failures else 0


def loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def get(url: str, timeout: float = 10) -> bytes:
    with _OPENER.open(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


def base_env(**settings: str) -> dict[str, str]:
    """This environment without Slack, PMO or proxy settings, plus `settings`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SCRUBBED
        and not name.lower().endswith("_proxy")
        and not name.startswith(("SLACK_", "PMO_"))
    }
    return env | {"PYTHONPATH": str(REPO_ROOT), "LOG_LEVEL": "INFO"} | settings


def app_env(database_url: str, slack_api_url: str, port: int) -> dict[str, str]:
    """What `pmo-bot serve` (and the no-op app) read: two workers, our secret, the fake Slack."""
    return base_env(
        DATABASE_URL=database_url,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_api_url,
    )


def run_cli(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`pmo-bot …` to its end (migrate, say); its output if it fails."""
    argv = [sys.executable, "-m", "bot.cli", *args]
    done = subprocess.run(argv, env=dict(env), cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pmo-bot {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@dataclass
class Process:
    """A process of ours whose output goes to a log file (so no pipe fills up)."""

    argv: list[str]
    env: dict[str, str]
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, url: str) -> None:
        """Until `url` answers 200; fails with the log if the process dies or takes too long."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv} exited {self.process.returncode}:\n{self.log()}")
            try:
                get(url, timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS}s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL if it hangs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log_path.unlink(missing_ok=True)


def serve(database_url: str, slack_api_url: str) -> tuple[Process, str]:
    """`pmo-bot serve` on a loopback port, healthy; with its root URL."""
    port = loopback_port()
    env = app_env(database_url, slack_api_url, port)
    server = Process([sys.executable, "-m", "bot.cli", "serve"], env).start()
    root = f"http://127.0.0.1:{port}"
    server.wait_for(root + "/healthz")
    return server, root


def postgres_base_url(given: str | None) -> str | None:
    """--pg, else PMO_TEST_DATABASE_URL, in the driver form SQLAlchemy wants; None: skip."""
    url = (given or os.environ.get("PMO_TEST_DATABASE_URL", "")).strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url or None


@contextmanager
def scratch_postgres(base: str, purpose: str) -> Iterator[str]:
    """A brand-new database beside `base` (named `<base>_<purpose>`), dropped afterwards:
    the benchmark never touches the database it was given."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_{purpose}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def databases(pg: str | None, purpose: str) -> Iterator[list[tuple[str, str]]]:
    """(label, URL) of a fresh SQLite file and, when a PostgreSQL URL is known, a scratch
    PostgreSQL database; both gone afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        found = [("sqlite", f"sqlite:///{folder}/bench.db")]
        base = postgres_base_url(pg)
        if base is None:
            print("postgresql: skipped (give --pg URL or set PMO_TEST_DATABASE_URL)")
            yield found
            return
        with scratch_postgres(base, purpose) as url:
            yield [*found, ("postgresql", url)]
