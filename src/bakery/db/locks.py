"""Row locks taken before a use case reads the stock it will change."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, select

from .engine import Executor


def lock_rows(session: Executor, model: Any, ids: Iterable[int], *columns: Any) -> dict[int, Any]:
    """Lock parent rows in id order (FOR UPDATE on PostgreSQL) so writers never deadlock.

    On SQLite the whole database is already locked by BEGIN IMMEDIATE.
    """
    statement = _lock_statement(model.__table__, tuple(column.key for column in columns))
    rows = session.execute(statement, {"ids": sorted(set(ids))}).all()
    return {row.id: row for row in rows}


@cache
def _lock_statement(table: Table, columns: tuple[str, ...]) -> Select:
    return (select(table.c.id, *(table.c[name] for name in columns))
            .where(table.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(table.c.id).with_for_update())
