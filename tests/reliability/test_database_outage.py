"""PostgreSQL lost in the middle of a burst of commands (a TCP proxy between the app and the
server is cut, then restored): every command gets a 200 and a "try again in a moment", nothing
is half-written, ids keep no holes, and the app recovers without a restart. A write that
cannot get its lock within the web process's 2 s budget (another writer holds it) answers
the same way, on SQLite and PostgreSQL, before Slack gives up on the answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import engine_for
from storage.db import REQUEST_BUDGET, make_engine
from storage.models import AuditEvent, Risk
from tests.scenario.conftest import SlackSide, reply_text, scenario_deps, serve_app
from tests.support.slack_api import FakeSlackWebAPI
from tests.support.tcp_proxy import TcpProxy

BUSY = "try again in a moment"
LOCK_HELD_MAX = 8.0  # seconds: longer than a request may wait, far shorter than 30


@pytest.fixture
def proxy(postgres_engine: Engine) -> Iterator[TcpProxy]:
    url = postgres_engine.url
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def engine(postgres_engine: Engine, proxy: TcpProxy) -> Iterator[Engine]:
    """The app's engine, built as in production, reaching PostgreSQL through the proxy."""
    url = postgres_engine.url.set(host="127.0.0.1", port=proxy.port)
    proxied = make_engine(url.render_as_string(hide_password=False), pool_size=5)
    yield proxied
    proxied.dispose()


@pytest.fixture
def apollo(engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Iterator[SlackSide]:
    for slack in serve_app(scenario_deps(engine, clock, fake)):
        slack.reply("/pmo", "project Apollo")
        yield slack


def add_risk(slack: SlackSide, title: str) -> str:
    """What the person reads after `/risk add <title>`; the answer must be a 200 with JSON."""
    response = slack.command("/risk", f"add {title}")
    assert response.status == 200, response.body
    answer = response.json()
    text = reply_text(answer)
    if BUSY in text.lower():
        assert answer["response_type"] == "ephemeral"
        assert "nothing was saved" in text
    return text


def stored_risks(postgres_engine: Engine) -> dict[int, str]:
    with Session(postgres_engine) as session:
        return {risk.number: risk.title for risk in session.scalars(select(Risk))}


def assert_whole(postgres_engine: Engine) -> dict[int, str]:
    """Every stored risk has exactly its one `created` audit event, and numbers have no holes."""
    risks = stored_risks(postgres_engine)
    with Session(postgres_engine) as session:
        audits = session.execute(
            select(AuditEvent.item_number, AuditEvent.verb).where(AuditEvent.item_kind == "R")
        ).all()
    assert sorted((number, verb) for number, verb in audits) == [(n, "created") for n in risks]
    assert sorted(risks) == list(range(1, len(risks) + 1))
    return risks


@pytest.mark.postgres
def test_commands_during_an_outage_ask_to_try_again_and_recover_after_it(
    apollo: SlackSide, proxy: TcpProxy, postgres_engine: Engine
) -> None:
    answers: list[str] = []
    for n in range(30):
        if n == 10:
            proxy.cut()
            assert apollo.get("/healthz").status == 503
        if n == 20:
            proxy.restore()
        answers.append(add_risk(apollo, f"burst risk {n}"))

    assert apollo.get("/healthz").status == 200
    busy = [n for n, text in enumerate(answers) if BUSY in text.lower()]
    assert busy == list(range(10, 20))
    assert proxy.refused >= 10  # each command during the outage really tried to reconnect
    risks = assert_whole(postgres_engine)
    titles = [f"burst risk {n}" for n in (*range(10), *range(20, 30))]
    assert [risks[number] for number in sorted(risks)] == titles
    logged = [text for text in answers if "logged *R-" in text or "logged R-" in text]
    assert len(logged) == 20


@pytest.mark.postgres
@pytest.mark.parametrize("moment", ["before the audit row", "at commit"])
def test_a_connection_lost_mid_transaction_leaves_nothing_half_written(
    apollo: SlackSide, proxy: TcpProxy, engine: Engine, postgres_engine: Engine, moment: str
) -> None:
    armed, audited = threading.Event(), threading.Event()
    armed.set()

    def before_audit(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed.is_set() and statement.lstrip().startswith("INSERT INTO audit_events"):
            if moment == "before the audit row":
                armed.clear()
                proxy.cut()
            audited.set()

    def at_commit(conn: Any) -> None:
        if armed.is_set() and audited.is_set():  # the risk's own transaction, all written
            armed.clear()
            proxy.cut()

    event.listen(engine, "before_cursor_execute", before_audit)
    event.listen(engine, "commit", at_commit)
    try:
        refused = add_risk(apollo, "vendor may slip")
    finally:
        event.remove(engine, "before_cursor_execute", before_audit)
        event.remove(engine, "commit", at_commit)
    proxy.restore()
    assert not armed.is_set()  # the cut happened where the test meant it to
    assert BUSY in refused.lower()
    assert assert_whole(postgres_engine) == {}
    assert "R-1" in add_risk(apollo, "vendor may slip")  # the counter was rolled back too
    assert assert_whole(postgres_engine) == {1: "vendor may slip"}


@pytest.mark.postgres
def test_a_burst_from_many_people_survives_a_cut_in_its_middle(
    apollo: SlackSide, proxy: TcpProxy, postgres_engine: Engine
) -> None:
    total, cut_after, restore_after = 48, 12, 30
    done = threading.Semaphore(0)

    def command(n: int) -> str:
        try:
            return add_risk(apollo, f"crowd risk {n}")
        finally:
            done.release()

    def cutter() -> None:
        for _ in range(cut_after):
            done.acquire()
        proxy.cut()
        for _ in range(restore_after - cut_after):
            done.acquire()
        proxy.restore()

    chaos = threading.Thread(target=cutter)
    chaos.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(command, range(total)))
    chaos.join(timeout=30)

    risks = assert_whole(postgres_engine)
    busy = {f"crowd risk {n}" for n, text in enumerate(answers) if BUSY in text.lower()}
    logged = {f"crowd risk {n}" for n, text in enumerate(answers) if BUSY not in text.lower()}
    assert busy, "the cut came mid-burst, so some commands must have met it"
    assert logged <= set(risks.values())  # nothing confirmed was lost
    # A commit whose answer the cut swallowed may be stored though the person was told to try
    # again; never anything that was not sent, and never twice.
    assert set(risks.values()) <= logged | busy
    assert len(risks) == len(set(risks.values()))
    assert "R-" in add_risk(apollo, "after the storm")


@pytest.mark.postgres
def test_a_database_that_stops_answering_gets_a_reply_in_time(
    apollo: SlackSide, proxy: TcpProxy, postgres_engine: Engine
) -> None:
    """New connections are taken and never answered: without a connect timeout the command
    would wait minutes; with it, the person is asked to try again while Slack still listens."""
    proxy.silence()
    try:
        refused = add_risk(apollo, "vendor may slip")
    finally:
        proxy.restore()

    assert BUSY in refused.lower()
    assert "R-1" in add_risk(apollo, "vendor may slip")
    assert assert_whole(postgres_engine) == {1: "vendor may slip"}


@pytest.fixture
def web_engine(any_engine: Engine) -> Iterator[Engine]:
    """The engine `pmo-bot serve` builds (engine_for, answering), on the test's database."""
    settings = Settings(database_url=any_engine.url.render_as_string(hide_password=False))
    engine = engine_for(settings, answering=True)
    yield engine
    engine.dispose()


@contextmanager
def write_lock_held(
    engine: Engine, pg_lock: str = "LOCK TABLE risks IN EXCLUSIVE MODE"
) -> Iterator[None]:
    """Another connection holds the database's write lock (SQLite) or, on PostgreSQL, the
    table lock `pg_lock` (by default the risks table's EXCLUSIVE: reads go on, writes wait),
    as a long transaction elsewhere would. Let go when the block ends, or after LOCK_HELD_MAX
    whatever happens, so a request that waits for it cannot hang the test."""
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    raw.cursor().execute("BEGIN IMMEDIATE" if sqlite else pg_lock)
    released = threading.Lock()

    def release() -> None:
        if released.acquire(blocking=False):
            raw.rollback()
            raw.close()

    timer = threading.Timer(LOCK_HELD_MAX, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        release()


def test_a_write_that_cannot_get_the_database_in_time_answers_busy_and_stores_nothing(
    any_engine: Engine, web_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    for slack in serve_app(scenario_deps(web_engine, clock, fake)):
        slack.reply("/pmo", "project Apollo")
        with write_lock_held(any_engine):
            started = time.monotonic()
            refused = add_risk(slack, "vendor may slip")
            waited = time.monotonic() - started

        assert BUSY in refused.lower()
        assert REQUEST_BUDGET - 0.5 < waited < REQUEST_BUDGET + 1  # within Slack's 3 s
        assert assert_whole(any_engine) == {}
        assert "R-1" in add_risk(slack, "vendor may slip")  # the retype: stored once
        assert assert_whole(any_engine) == {1: "vendor may slip"}


def list_risks(slack: SlackSide) -> str:
    """What the person reads after `/risk list`; the answer must be a 200 with JSON."""
    response = slack.command("/risk", "list")
    assert response.status == 200, response.body
    return reply_text(response.json())


@pytest.mark.postgres
def test_a_kept_list_during_an_outage_asks_to_try_again_and_lists_after_it(
    apollo: SlackSide, proxy: TcpProxy
) -> None:
    """A repeated list reads only its register's version, on a raw pooled connection
    (storage.db.Database.first): a cut connection is still "try again", and dropped from the
    pool, so the first list after the outage is answered."""
    add_risk(apollo, "vendor may slip")
    assert "vendor may slip" in list_risks(apollo)  # the page is kept from here on
    proxy.cut()
    try:
        refused = [list_risks(apollo) for _ in range(3)]
    finally:
        proxy.restore()

    assert all(BUSY in text.lower() for text in refused), refused
    assert "vendor may slip" in list_risks(apollo)


@pytest.mark.postgres
def test_a_list_that_cannot_read_in_time_answers_busy_within_the_budget(
    postgres_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI
) -> None:
    """The version read of a repeated list runs under the request's budget like any other
    transaction: behind a lock that blocks even reads, the person hears "try again" in time."""
    settings = Settings(database_url=postgres_engine.url.render_as_string(hide_password=False))
    engine = engine_for(settings, answering=True)
    try:
        for slack in serve_app(scenario_deps(engine, clock, fake)):
            slack.reply("/pmo", "project Apollo")
            add_risk(slack, "vendor may slip")
            assert "vendor may slip" in list_risks(slack)
            with write_lock_held(postgres_engine, "LOCK TABLE register_versions"):  # ACCESS
                started = time.monotonic()  # EXCLUSIVE: even reads wait
                refused = list_risks(slack)
                waited = time.monotonic() - started
            assert BUSY in refused.lower()
            assert waited < REQUEST_BUDGET + 1  # within Slack's 3 s
            assert "vendor may slip" in list_risks(slack)
    finally:
        engine.dispose()
