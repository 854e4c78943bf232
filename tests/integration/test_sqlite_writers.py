"""SQLite writers queue for the file's side lock, so processes wait in the kernel, not in
SQLite's busy handler: a write transaction holds it from its BEGIN to its connection's return."""

from __future__ import annotations

import os
import sys

import pytest
from sqlalchemy import text

from bakery.db.engine import make_engine, make_session_factory, single_read, transaction

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no flock() on Windows")


def _held_elsewhere(path: str) -> bool:
    """Whether another open file (as another process would have) finds the lock taken."""
    import fcntl

    other = os.open(path + "-writer", os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(other)
    return False


def test_a_write_transaction_holds_the_files_writer_lock_until_it_ends(tmp_path):
    path = str(tmp_path / "bakery.db")
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    try:
        with single_read(factory) as connection:  # a read takes no writer lock
            connection.exec_driver_sql("SELECT 1")
        with transaction(factory) as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            assert _held_elsewhere(path)
        assert not _held_elsewhere(path)
        with pytest.raises(RuntimeError), transaction(factory):  # a failed one lets go too
            raise RuntimeError("bad input")
        assert not _held_elsewhere(path)
    finally:
        engine.dispose()

