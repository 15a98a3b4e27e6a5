"""`pmo-bot migrate` and `pmo-bot serve` as real processes, answering signed requests over HTTP."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.models import Project, Risk
from tests.e2e.conftest import SECRET, Server, bot_env, free_port, http, run_cli
from tests.support.databases import PG_SKIP, postgres_url, scratch_postgres
from tests.support.http import HttpAnswer
from tests.support.signing import sign, slash_command_body
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.slack_specs import specs_available, validate_message_payload

pytestmark = pytest.mark.slow


def send_command(server: Server, command: str, text: str, secret: str = SECRET) -> HttpAnswer:
    body = slash_command_body(command, text).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, secret, int(time.time())),
    }
    return http(server.root + "/slack/events", body, headers)


def answer_text(answer: HttpAnswer) -> str:
    assert answer.status == 200, answer.body
    payload = answer.json()
    if specs_available():
        validate_message_payload(payload)
    blocks = [b["text"]["text"] for b in payload.get("blocks", []) if "text" in b]
    return "\n".join([payload["text"], *blocks])


def make_unmigrated(database_url: str) -> None:
    """SQLite: a file with a table of its own and no migration history (an old install).
    PostgreSQL: the empty database as created; serve never migrates PostgreSQL itself."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        with sqlite3.connect(url.database) as conn:
            conn.execute("CREATE TABLE risks (id INTEGER PRIMARY KEY, title TEXT)")
        conn.close()


def test_serve_refuses_a_database_that_needs_migrating(
    database_url: str, fake: FakeSlackWebAPI, tmp_path: Path
) -> None:
    make_unmigrated(database_url)
    env = bot_env(database_url, fake, free_port())

    refused = run_cli("serve", env=env, cwd=tmp_path, timeout=20)

    assert refused.returncode == 2, refused.stderr
    assert "pmo-bot migrate" in refused.stderr
    assert "Traceback" not in refused.stderr
    engine = make_engine(database_url)
    try:
        assert "alembic_version" not in inspect(engine).get_table_names()  # left as it was
    finally:
        engine.dispose()


def test_serve_answers_signed_slash_commands_over_http(
    database_url: str,
    fake: FakeSlackWebAPI,
    tmp_path: Path,
    start_server: Callable[[dict[str, str]], Server],
) -> None:
    env = bot_env(database_url, fake, free_port())
    migrated = run_cli("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout

    server = start_server(env)
    health = server.wait_until_healthy()
    assert health.json() == {"status": "ok", "database": "ok", "schema": "current"}

    assert "Apollo" in answer_text(send_command(server, "/pmo", "project Apollo"))
    added = send_command(
        server, "/risk", "add Vendor may slip impact:high likelihood:3 owner:<@U0BOB|bob>"
    )
    assert "R-1" in answer_text(added)
    assert added.json()["response_type"] == "in_channel"
    listed = send_command(server, "/risk", "list")
    assert "R-1" in answer_text(listed)
    assert "Vendor may slip" in answer_text(listed)
    assert listed.json()["response_type"] == "ephemeral"

    forged = send_command(server, "/risk", "add Forged risk", secret="not-the-secret")
    assert forged.status == 401

    assert server.stop() == 0
    log = server.log()
    assert "Traceback" not in log, log
    assert log.count("Booting worker") == 2, log  # WEB_CONCURRENCY
    assert stored_risk_titles(database_url) == ["Vendor may slip"]
    assert fake.calls_to("auth.test"), "Bolt should have checked the bot token"
    # Alice's zone for her commands; nothing of Bob's, named owner: serve draws no Home after a
    # change (the worker redraws opened ones).
    assert {c.params["user"] for c in fake.calls_to("users.info")} == {"U0ALICE"}
    fake.assert_no_violations()


def stored_risk_titles(database_url: str) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert len(session.scalars(select(Project)).all()) == 1
            return list(session.scalars(select(Risk.title)))
    finally:
        engine.dispose()


ADDS = 40


@pytest.fixture
def postgres_only_url() -> Iterator[str]:
    base = postgres_url()
    if base is None:
        pytest.skip(PG_SKIP)
    yield from scratch_postgres(base, f"serve2_{os.getpid()}")


@pytest.mark.postgres
def test_two_serve_processes_share_one_postgres_without_gaps_or_duplicates(
    postgres_only_url: str,
    fake: FakeSlackWebAPI,
    tmp_path: Path,
    start_server: Callable[[dict[str, str]], Server],
) -> None:
    """Two machines' worth of web tier (each WEB_CONCURRENCY=2) behind one load balancer:
    interleaved signed commands from eight senders get R-1…R-40, each once."""
    env = bot_env(postgres_only_url, fake, free_port())
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    servers = [start_server(env), start_server(env | {"PORT": str(free_port())})]
    for server in servers:
        server.wait_until_healthy()
    assert "Apollo" in answer_text(send_command(servers[0], "/pmo", "project Apollo"))

    def add(n: int) -> str:
        answer = send_command(servers[n % 2], "/risk", f"add Risk number {n} impact:high")
        found: list[str] = re.findall(r"\bR-(\d+)\b", answer_text(answer))
        return found[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(int(found) for found in pool.map(add, range(ADDS)))

    assert numbers == list(range(1, ADDS + 1))
    for server in servers:
        assert server.stop() == 0
        assert "Traceback" not in server.log()
    engine = make_engine(postgres_only_url)
    try:
        with Session(engine) as session:
            stored = sorted(session.scalars(select(Risk.number)))
    finally:
        engine.dispose()
    assert stored == list(range(1, ADDS + 1))
