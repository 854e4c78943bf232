"""Keeping PostgreSQL id sequences ahead of rows inserted with explicit ids (import, restore)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def reset_sequences(session: Session, tables: Iterable[Table]) -> None:
    """Point each table's id sequence past its largest id, so the next insert gets a new one.

    SQLite needs nothing: an INTEGER PRIMARY KEY continues after the largest id by itself.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        # Table names come from our own metadata, never from input.
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        ))
