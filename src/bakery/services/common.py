"""What every use case shares: the unit of work, row locks, idempotency and the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..db.engine import transaction
from ..db.models import IdempotencyKey, StockMove, utcnow
from ..domain.errors import Conflict

T = TypeVar("T")
SessionFactory = sessionmaker[Session]
# Where statements go: a Session, or, on the hot path, its Connection (less Python per call).
Executor = Session | Connection
# Rows a unit of work created that Session events cannot see (written through the Connection):
# {table: count}, counted by observability once the transaction commits.
CREATED_ROWS = "bakery.created_rows"
# The hot path writes through Core tables: the same SQL as the ORM models, less Python per call.
# Statements used on every sale are built once: building one costs about as much Python as
# executing it, and a reused statement also skips computing its cache key.
_MOVES = StockMove.__table__
_KEYS = IdempotencyKey.__table__
_INSERT_MOVES = insert(_MOVES)


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and a fingerprint of the request it came with."""

    user_id: int
    scope: str
    key: str
    request_hash: str

    @staticmethod
    def fingerprint(body: Any) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a use case made, or, for a replayed Idempotency-Key, the id it made before."""

    result: T | None
    resource_id: int
    replayed: bool = False


_PREVIOUS = select(_KEYS.c.request_hash, _KEYS.c.resource_id).where(
    _KEYS.c.user_id == bindparam("user_id"), _KEYS.c.scope == bindparam("scope"),
    _KEYS.c.key == bindparam("key"))
# The claim of a key: a new row and its id, or no row when the key is taken. A key being
# claimed by a request still in flight makes this wait for that request's end.
_CLAIM = {
    "postgresql": postgresql.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.id),
    "sqlite": sqlite.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.id),
}
_SET_RESOURCE = (update(_KEYS).where(_KEYS.c.id == bindparam("claim_id"))
                 .values(resource_id=bindparam("made_id")))


def _previous(session: Session, idem: Idempotency) -> int | None:
    row = session.execute(_PREVIOUS, {"user_id": idem.user_id, "scope": idem.scope,
                                      "key": idem.key}).first()
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        raise Conflict(
            "this Idempotency-Key was already used with a different request",
            {"idempotency_key": idem.key},
        )
    return int(row.resource_id)


def run_once(
    factory: SessionFactory,
    idem: Idempotency | None,
    work: Callable[[Session], T],
    resource_id: Callable[[T], int],
) -> Outcome[T]:
    """Run `work` in one transaction; with a key, at most once per key.

    The key is claimed (inserted) before the work, in the same transaction, so a concurrent
    repeat waits on the unique index until the first request ends, then finds its resource
    and replays it, instead of doing the work again against the stock the first one left.
    """
    with transaction(factory) as session:
        if idem is None:
            result = work(session)
            return Outcome(result, resource_id(result))
        claim = session.execute(_CLAIM[session.connection().dialect.name], {
            "user_id": idem.user_id, "scope": idem.scope, "key": idem.key,
            "request_hash": idem.request_hash,
            "resource_id": 0,  # set below, before anyone else can see the row
            "created_at": utcnow(),
        }).scalar()
        if claim is None:  # taken, by a request that has committed: replay what it made
            earlier = _previous(session, idem)
            if earlier is None:  # pragma: no cover - keys are never deleted
                raise Conflict("a request with this Idempotency-Key is in progress; retry")
            return Outcome(None, earlier, replayed=True)
        result = work(session)
        session.execute(_SET_RESOURCE, {"claim_id": claim, "made_id": resource_id(result)})
    return Outcome(result, resource_id(result))


@dataclass(frozen=True)
class Move:
    """One ledger row to write."""

    delta: Decimal
    unit_cost: Decimal
    reason: str
    ref_type: str
    ref_id: int | None
    material_id: int | None = None
    batch_id: int | None = None
    product_id: int | None = None
    lot_id: int | None = None


def rows_param(rows: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """One row as plain parameters, several as an executemany: a one-row executemany costs
    psycopg a pipeline set up and torn down for nothing."""
    return rows[0] if len(rows) == 1 else rows


def note_created(session: Session, table: Table, count: int = 1) -> None:
    """Record rows written past the Session's events, for the metrics counted at commit."""
    created = session.info.setdefault(CREATED_ROWS, {})
    created[table] = created.get(table, 0) + count


def write_moves(session: Executor, moves: Sequence[Move], user_id: int | None) -> None:
    """Append ledger rows in one statement (executemany)."""
    if not moves:
        return
    now = utcnow()
    session.execute(
        _INSERT_MOVES,
        rows_param([
            {
                "material_id": m.material_id,
                "batch_id": m.batch_id,
                "product_id": m.product_id,
                "lot_id": m.lot_id,
                "delta": m.delta,
                "unit_cost": m.unit_cost,
                "reason": m.reason,
                "ref_type": m.ref_type,
                "ref_id": m.ref_id,
                "created_at": now,
                "created_by": user_id,
            }
            for m in moves
        ]),
    )


def lock_rows(session: Executor, model: Any, ids: Iterable[int], *columns: Any) -> dict[int, Any]:
    """Lock parent rows in id order (FOR UPDATE on PostgreSQL) so writers never deadlock.

    On SQLite the whole database is already locked by BEGIN IMMEDIATE.
    """
    statement = _lock_statement(model.__table__, tuple(column.key for column in columns))
    rows = session.execute(statement, {"ids": sorted(set(ids))}).all()
    return {row.id: row for row in rows}


@lru_cache(maxsize=None)
def _lock_statement(table: Table, columns: tuple[str, ...]) -> Select:
    return (select(table.c.id, *(table.c[name] for name in columns))
            .where(table.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(table.c.id).with_for_update())
