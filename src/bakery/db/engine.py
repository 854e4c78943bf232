"""Engine and session setup for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


# Execution option marking a connection that will write (SQLite then begins IMMEDIATE).
WRITE_OPTION = "bakery_writes"


def normalize_url(url: str) -> str:
    """Accept the legacy `postgres://` spelling and pick psycopg 3 for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10,
                pool_recycle: int = 1800, pool_timeout: float = 30.0, pool_pre_ping: bool = True,
                sqlite_busy_timeout: float = 30.0) -> Engine:
    """An engine with the project's rules applied for its database."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": sqlite_busy_timeout, "check_same_thread": False},
        )
        _make_sqlite_safe(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=pool_recycle,
        pool_timeout=pool_timeout,
        pool_pre_ping=pool_pre_ping,
    )


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
        cursor.execute(f"PRAGMA busy_timeout={int(30_000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any error."""
    with factory() as session, session.begin():
        session.connection(execution_options={WRITE_OPTION: True})
        yield session
