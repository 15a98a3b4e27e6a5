"""Engines and transactions: SQLite tuned for concurrent writers, PostgreSQL pooled."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Hashable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from contextvars import ContextVar
from typing import Any

try:  # POSIX; elsewhere only SQLite's own lock orders the processes' writers
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, configure_mappers, sessionmaker
from sqlalchemy.sql.base import Executable

DEFAULT_URL = "sqlite:///pmo-bot.db"
# Seconds to reach PostgreSQL before giving up: Slack wants its answer within three, and a
# server that does not answer at all (a network partition) would otherwise hold a request
# for the operating system's TCP timeout, minutes. A `connect_timeout` in the URL wins.
CONNECT_TIMEOUT = 2
# Seconds a request's database work may wait (for a lock, a pooled connection) or, on
# PostgreSQL, run (one statement) before it gives up and the person is asked to try again.
# Slack stops waiting for an answer after 3 s and the person retypes: work that finished
# later would be stored twice. See make_engine's `budget`.
REQUEST_BUDGET = 2.0
# Seconds the worker, the tick and the CLI wait for SQLite's write lock: nobody is waiting
# on their answer, so they queue behind a long writer rather than fail.
BACKGROUND_WAIT = 30.0
# Seconds queued in the WriteQueue past which SQLite's busy timeout is cut to what is left of
# the wait (a shorter queue is not worth a PRAGMA each time).
QUEUED_LONG = 0.1
_WRITE = "pmo_write"
_BUSY_MS = "pmo_busy_ms"  # this transaction's SQLite busy timeout, when not the engine's own
_QUEUE = "pmo_write_queue"  # the engine's WriteQueue (SQLite), in its execution options
_BUDGET = "pmo_budget"  # PostgreSQL's per-transaction limits, as _limit_postgres sets them
_PG_BUDGET = (
    "SELECT set_config('lock_timeout', %(limit)s, true),"
    " set_config('statement_timeout', %(limit)s, true)"
)
_writes_first: ContextVar[bool] = ContextVar("pmo_writes_first", default=False)
# Facts that never change once stored (a workspace's row id for its team), kept per Database
# so a request need not read them again: a session reads them under _KNOWN and notes what it
# read under _LEARNED, which joins _KNOWN only once its transaction has committed (a row it
# inserted and then rolled back is never remembered).
_KNOWN = "pmo_known"
_LEARNED = "pmo_learned"
MAX_KNOWN = 100_000  # a bound on memory: past it the process starts afresh


def recall(session: Session, key: Hashable) -> Any | None:
    """A fact committed earlier in this process (see _KNOWN), else None."""
    known = session.info.get(_KNOWN)
    return None if known is None else known.get(key)


def learn(session: Session, key: Hashable, value: Any) -> None:
    """Note a fact that never changes once committed; the process remembers it after this
    session's transaction commits."""
    session.info.setdefault(_LEARNED, {})[key] = value


class DatabaseUnavailable(Exception):
    """The database could not be reached or was busy for too long; retrying later may work."""


class _FileTurn:
    """The write turn between processes: an exclusive flock on `<database>-pmo-write.lock`,
    taken by whichever of this process's writers holds the in-process turn. SQLite's own lock
    stays the authority (a process without this lock, the sqlite3 shell say, still meets it);
    this one only spares the writers of our processes its busy handler's sleeps. The file is
    opened afresh in each process: a descriptor inherited across fork would share its lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0  # nesting of the in-process turn's holder (its lock is re-entrant)

    @contextmanager
    def held(self, deadline: float, wait: float) -> Iterator[None]:
        """The turn, for the holder of the in-process one: taken at its outermost write only;
        DatabaseUnavailable when another process holds it past `deadline`."""
        if self._depth == 0 and not self._acquire(deadline):
            raise DatabaseUnavailable(
                f"database is locked: queued {wait:g} s for another process's write"
            )
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._release()

    def _acquire(self, deadline: float) -> bool:
        fd = self._open()
        pause = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                time.sleep(min(pause, left))  # the head of one queue a process polls
                pause = min(pause * 2, 0.002)

    def _release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _open(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


# A SQLite file's path → its WriteQueue's lock and its turn between processes (one each per
# process, shared by every engine on the file).
_FILE_LOCKS: dict[str, tuple[threading.RLock, _FileTurn | None]] = {}
_FILE_LOCKS_GUARD = threading.Lock()
LOCK_SUFFIX = "-pmo-write.lock"


class WriteQueue:
    """SQLite's writers take turns here, in order, before BEGIN IMMEDIATE.

    SQLite lets one writer in at a time and makes the others retry in its busy handler, which
    sleeps between tries in steps of up to 100 ms: under a burst a writer wakes long after the
    lock came free, and a request's p99 grew to seconds. Queued on a Python lock, the next
    writer of this process starts the moment the last one commits; the head of each process's
    queue then takes the turn between processes (_FileTurn: the worker, the other serve
    workers), polled every 2 ms at most. One lock per database file, shared by every engine on
    it in the process. Re-entrant, so a thread nesting a write waits where it did.
    """

    def __init__(self, database: str | None, wait: float) -> None:
        self.wait = wait  # seconds a writer queues here and at SQLite's lock, in all
        if not database or database == ":memory:":
            self.lock, self.files = threading.RLock(), None  # a private database: its alone
            return
        path = os.path.realpath(database)
        with _FILE_LOCKS_GUARD:
            found = _FILE_LOCKS.get(path)
            if found is None:
                turn = _FileTurn(path + LOCK_SUFFIX) if fcntl is not None else None
                found = _FILE_LOCKS[path] = (threading.RLock(), turn)
        self.lock, self.files = found

    @contextmanager
    def turn(self) -> Iterator[dict[str, Any]]:
        """Hold the turn for a transaction; yields its connection's execution options: after a
        long queue, a busy timeout cut to what is left of `wait`, so the waits together stay
        within it. DatabaseUnavailable, nothing begun, when no turn comes within `wait`."""
        started = time.monotonic()
        if not self.lock.acquire(timeout=self.wait):
            raise DatabaseUnavailable(f"database is locked: queued {self.wait:g} s for a write")
        try:
            between = (
                nullcontext()
                if self.files is None
                else self.files.held(started + self.wait, self.wait)
            )
            with between:
                queued = time.monotonic() - started
                left = {_BUSY_MS: max(1, round((self.wait - queued) * 1000))}
                yield left if queued > QUEUED_LONG else {}
        finally:
            self.lock.release()


def make_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 10, budget: float | None = None
) -> Engine:
    """An engine for `url`; nothing connects until first use.

    `budget` (seconds; the web process's engine: REQUEST_BUDGET) bounds what a request waits
    for: SQLite's busy timeout (the write lock), PostgreSQL's `lock_timeout` and
    `statement_timeout` (set for each transaction, so they hold behind PgBouncer too), and the
    wait for a pooled connection. Past it the transaction is rolled back whole and
    DatabaseUnavailable raised. None (the worker, the tick, the CLI, migrations): SQLite waits
    BACKGROUND_WAIT for its lock, PostgreSQL has the server's settings."""
    parsed = make_url(url)
    pool_timeout = {} if budget is None else {"pool_timeout": budget}
    if parsed.get_backend_name() == "sqlite":
        wait = BACKGROUND_WAIT if budget is None else budget
        sqlite_args = {"timeout": wait, "check_same_thread": False}
        engine = create_engine(
            parsed, connect_args=sqlite_args, pool_size=pool_size, **pool_timeout
        )
        _tune_sqlite(engine, wait)
        engine.update_execution_options(**{_QUEUE: WriteQueue(parsed.database, wait)})
        return engine
    timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(
        parsed,
        connect_args=timeout,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        pool_size=pool_size,
        max_overflow=max_overflow,
        **pool_timeout,
    )
    if budget is not None and parsed.get_backend_name() == "postgresql":
        _limit_postgres(engine, budget)
    return engine


def _limit_postgres(engine: Engine, budget: float) -> None:
    """Every transaction on `engine` waits for a lock, and runs a statement, at most `budget`.

    Per transaction (`set_config(…, true)` is SET LOCAL) rather than per connection, so the
    limits hold behind a transaction-pooling PgBouncer and never leak to other clients."""
    limit = f"{round(budget * 1000)}ms"
    engine.update_execution_options(**{_BUDGET: limit})  # for Database.first's raw reads

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(_PG_BUDGET, {"limit": limit})


@contextmanager
def writes_first() -> Iterator[None]:
    """Inside it, a transaction this thread begins on SQLite takes the write lock at BEGIN,
    whatever runs it: for code with its own transactions that read before they write
    (slack-sdk's installation store), which would otherwise fail at once with "database is
    locked" when another writer commits between their read and their write."""
    token = _writes_first.set(True)
    try:
        yield
    finally:
        _writes_first.reset(token)


def _tune_sqlite(engine: Engine, wait: float) -> None:
    """WAL for concurrent readers; writers take the lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes can fail with "database is locked" at
    the upgrade instead of waiting, so write transactions ask for the write lock at BEGIN,
    where SQLite's busy timeout makes them queue (after their turn in the WriteQueue, for
    what that left of `wait`).
    """
    full_ms = round(wait * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        write = options.get(_WRITE, False) or _writes_first.get()
        if write:
            busy_ms = options.get(_BUSY_MS, full_ms)
            info = connection.connection.info  # the pooled connection's, kept across checkouts
            if info.get(_BUSY_MS, full_ms) != busy_ms:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")
                info[_BUSY_MS] = busy_ms
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """The session factory; each use-case runs in one `write()` or `read()` transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._known: dict[Hashable, Any] = {}
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={_KNOWN: self._known})
        queue = engine.get_execution_options().get(_QUEUE)
        self._queue: WriteQueue | None = queue if isinstance(queue, WriteQueue) else None
        budget = engine.get_execution_options().get(_BUDGET)
        self._budget: str | None = budget if isinstance(budget, str) else None
        self._statements: dict[Executable, tuple[str, list[str] | None, dict[str, Any]]] = {}

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on any error."""
        with self._transaction(write=True) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._transaction(write=False) as session:
            yield session

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Session]:
        queued: AbstractContextManager[dict[str, Any]] = (
            self._queue.turn() if write and self._queue else nullcontext({})
        )
        with _unavailable_when_transient():
            with queued as options, self._sessions() as session, session.begin():
                session.connection(execution_options={_WRITE: write, **options})
                yield session
            self._remember(session.info.get(_LEARNED))

    def first(self, statement: Executable, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of one read-only Core statement, or None: compiled once for this
        engine and run on a pooled DBAPI connection with none of SQLAlchemy's execution
        around it, a fifth of a Core execute's cost, for what a repeated `/risk list` reads
        (storage.repositories.versions). No BEGIN on SQLite (the one statement is its own
        read); on PostgreSQL a transaction with the request's budget, rolled back as the
        connection goes back to the pool. Fails as read() does. The engine's
        `before_cursor_execute` listeners see the statement too, with no Connection (there is
        none), so statement counts and injected faults cover this read like any other."""
        sql, order, fixed = self._compiled(statement)
        bound = {**fixed, **params}
        args: Any = [bound[name] for name in order] if order is not None else bound
        error = self.engine.dialect.loaded_dbapi.Error
        with _unavailable_when_transient():
            try:
                raw = self.engine.raw_connection()
            except error as orig:  # the pool could not connect: as engine.connect() says it
                raise self._wrapped(orig, None, sql, args) from orig
            try:
                cursor = raw.cursor()
                try:
                    if self._budget is not None:
                        cursor.execute(_PG_BUDGET, {"limit": self._budget})
                    for listener in self.engine.dispatch.before_cursor_execute:
                        listener(None, cursor, sql, args, None, False)
                    cursor.execute(sql, args)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except error as orig:
                raise self._wrapped(orig, raw, sql, args) from orig
            finally:
                raw.close()
        return None if row is None else tuple(row)

    def _compiled(self, statement: Executable) -> tuple[str, list[str] | None, dict[str, Any]]:
        """(SQL, the names of its positional parameters in order or None, their fixed values)."""
        found = self._statements.get(statement)
        if found is None:
            compiled = statement.compile(dialect=self.engine.dialect)  # type: ignore[attr-defined]
            order = list(compiled.positiontup) if compiled.positional else None
            found = (compiled.string, order, dict(compiled.params))
            self._statements[statement] = found
        return found

    def _wrapped(self, orig: Any, raw: Any, sql: str, args: Any) -> DBAPIError:
        """A driver's error as SQLAlchemy would have raised it; a lost connection is dropped
        (`raw` None: none was made)."""
        lost = raw is None or self.engine.dialect.is_disconnect(orig, raw.dbapi_connection, None)
        if lost and raw is not None:
            raw.invalidate(orig)
        wrapped = DBAPIError.instance(
            sql, args, orig, self.engine.dialect.loaded_dbapi.Error, connection_invalidated=lost
        )
        assert isinstance(wrapped, DBAPIError)
        return wrapped

    def _remember(self, learned: dict[Hashable, Any] | None) -> None:
        if not learned:
            return
        if len(self._known) + len(learned) > MAX_KNOWN:
            self._known.clear()
        self._known.update(learned)

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction that sees one moment throughout (a backup's many queries):
        REPEATABLE READ on PostgreSQL; a SQLite read transaction already is one."""
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with Session(conn) as session, session.begin():
                if self.engine.dialect.name == "postgresql":
                    session.execute(text("SET TRANSACTION READ ONLY"))
                yield session

    def warm_up(self) -> None:
        """What the first request would pay for otherwise: the ORM's mappers configured (a tenth
        of a second, once a process) and the pool's first connection opened (PostgreSQL's
        handshake, SQLite's PRAGMAs). A database that cannot be reached yet is left to the
        first request, which answers "try again" as any other would."""
        configure_mappers()
        with suppress(DatabaseUnavailable):
            self.ping()

    def ping(self) -> None:
        with self.read() as session:
            session.connection().exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _unavailable_when_transient() -> Iterator[None]:
    """A database that cannot be reached, or was busy past the budget, as DatabaseUnavailable."""
    try:
        yield
    except DBAPIError as exc:
        if _is_transient(exc):
            raise DatabaseUnavailable(str(exc.orig)) from exc
        raise
    except PoolTimeout as exc:  # every pooled connection busy for the whole budget
        raise DatabaseUnavailable(str(exc)) from exc


# PostgreSQL's lock_timeout and statement_timeout: the budget ran out, nothing was stored.
_GAVE_UP = frozenset({"55P03", "57014"})


def _is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    if getattr(exc.orig, "sqlstate", None) in _GAVE_UP:
        return True
    text = str(exc.orig).lower()
    markers = ("database is locked", "connection", "server closed", "could not connect", "timeout")
    return any(marker in text for marker in markers)
