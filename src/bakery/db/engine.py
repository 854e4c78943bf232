"""Engine and session setup for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# Where statements go: a Session, or, on the hot path, its Connection (less Python per call).
Executor = Session | Connection
# Execution option marking a connection that will write (SQLite then begins IMMEDIATE).
WRITE_OPTION = "bakery_writes"
# A pooled connection idle longer than this is pinged before use.
PING_AFTER_IDLE = 1.0


def normalize_url(url: str) -> str:
    """Accept the legacy `postgres://` spelling and pick psycopg 3 for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def private_sqlite_file(url: str) -> None:
    """Create an SQLite database file readable by its owner only (it holds password hashes).

    SQLite would create it with the process's umask (usually 0644, readable by every user of
    the machine); its -wal and -shm files copy the database file's mode. An existing file is
    left as its owner set it.
    """
    parsed = make_url(normalize_url(url))
    name = parsed.database
    if not parsed.drivername.startswith("sqlite") or not name or name == ":memory:" \
            or name.startswith("file:") or parsed.query.get("mode") == "memory":
        return
    path = os.path.abspath(name)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10,
                pool_recycle: int = 1800, sqlite_busy_timeout: float = 30.0,
                connect_timeout: int = 5, pool_timeout: float = 10,
                pool_pre_ping: bool = True) -> Engine:
    """An engine with the project's rules applied for its database."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"timeout": sqlite_busy_timeout, "check_same_thread": False},
        )
        _make_sqlite_safe(engine)
        return engine
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=pool_recycle,
        pool_timeout=pool_timeout,
        # Fail fast while the server is unreachable: the app answers 503 instead of hanging.
        connect_args={"connect_timeout": connect_timeout},
    )
    if pool_pre_ping:  # DB_POOL_PRE_PING: check connections that sat idle before reuse
        _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine, idle_seconds: float = PING_AFTER_IDLE) -> None:
    """Check a pooled connection is alive before use, but only when it sat idle a while.

    SQLAlchemy's pool_pre_ping costs a round trip on every checkout (two per API request);
    a connection used a moment ago is as good as the ping would say. A connection that dies
    while busy fails its statement instead: the error is a disconnect, SQLAlchemy drops the
    whole pool, that request gets a 503 and the next one connects afresh.
    """

    engine.info_pings_idle = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["bakery_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.pop("bakery_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: let the pool replace this connection
            raise DisconnectionError(str(exc)) from exc


def _make_sqlite_safe(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and the write lock taken when a writer begins.

    pysqlite would otherwise begin lazily (a deferred transaction that fails with
    "database is locked" when two writers upgrade at once); SQLAlchemy's documented recipe
    hands transaction control to us. Units of work (`transaction`) begin IMMEDIATE, taking the
    write lock up front; plain reads begin DEFERRED and, in WAL mode, never wait for writers.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={30_000}")
        cursor.close()

    writer = WriterQueue(_sqlite_file(engine))

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        record = connection.connection._connection_record
        if record is not None and writer.acquire(timeout=30):
            # record_info, unlike info, survives an invalidated connection: always released.
            record.record_info["bakery_writer"] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        if record is not None and record.record_info.pop("bakery_writer", False):
            writer.release()


def _sqlite_file(engine: Engine) -> str | None:
    """The path of the engine's SQLite file, or None for a database in memory or a URI."""
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:") \
            or engine.url.query.get("mode") == "memory":
        return None
    return os.path.abspath(name)


class WriterQueue:
    """The writers of one SQLite file, in line: this process's threads, then the processes.

    Without it writers meet in SQLite's busy handler, which sleeps in growing steps (up to
    100 ms) and so turns a queue of a few writers into seconds of tail latency, and lets a
    process's next writer overtake a sleeping one again and again. Threads queue on a lock;
    one thread per process then waits in flock() on `<database>-writer`, which the kernel
    wakes the moment the holder lets go (a process that dies lets go with it). The lock is
    held from BEGIN IMMEDIATE to the connection's return to the pool, that is while the
    holder's transaction runs; SQLite's own lock, which it only precedes, still guarantees
    one writer at a time. Where flock() is missing (Windows) processes meet at the busy
    handler as before.
    """

    def __init__(self, path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = path + "-writer" if path is not None and fcntl is not None else None
        self._file: int | None = None
        self._opened_by = 0

    def acquire(self, timeout: float) -> bool:
        """Wait for this process's turn (at most `timeout` s), then for the file's; False if
        the process's turn never came (the write then waits in SQLite's busy handler)."""
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._path is not None and fcntl is not None:
            try:
                fcntl.flock(self._open(), fcntl.LOCK_EX)
            except OSError:  # the folder is read-only, say: SQLite still serialises
                pass
        return True

    def release(self) -> None:
        if self._file is not None and self._opened_by == os.getpid() and fcntl is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_UN)
            except OSError:
                pass
        self._threads.release()

    def _open(self) -> int:
        # A forked worker opens the file afresh: flock() locks belong to an open file, and a
        # descriptor inherited from the parent would share the parent's lock.
        if self._file is None or self._opened_by != os.getpid():
            assert self._path is not None
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._opened_by = os.getpid()
        return self._file


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any error."""
    with factory() as session, session.begin():
        session.connection(execution_options={WRITE_OPTION: True})
        yield session


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[tuple[Connection, Session]]:
    """One unit of work on a Core connection: commits when the block ends, rolls back on error.

    The statements go through the Connection, which skips the Session's transaction and
    execute machinery (SQLite begins IMMEDIATE, as for `transaction`). The Session sends no
    statement and holds no connection: it only keeps the unit's notes in `info` and runs the
    factory's commit and rollback events once the Connection's transaction has ended.
    """
    engine: Engine = factory.kw["bind"]
    with factory() as session, session.begin(), engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection, session


@contextmanager
def single_read(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection for a read that needs no transaction around it: one statement, or a few
    whose answers need not come from one snapshot (each sees what was committed when it began,
    as at READ COMMITTED).

    A Core connection, not a Session: this serves the token check, a page's sign-in check, the
    user read and the till's product reads. On PostgreSQL it runs in autocommit, which saves the
    BEGIN and ROLLBACK round trips (and keeps psycopg's prepared statements, which a ROLLBACK
    would discard). SQLite reads begin deferred anyway; its autocommit setting is left alone
    (the engine owns BEGIN).
    """
    engine: Engine = factory.kw["bind"]
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def rows_param(rows: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """One row as plain parameters, several as an executemany: a one-row executemany costs
    psycopg a pipeline set up and torn down for nothing."""
    return rows[0] if len(rows) == 1 else rows
