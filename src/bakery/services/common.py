"""What every use case shares: the unit of work, row locks, idempotency and the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db.engine import transaction
from ..db.models import IdempotencyKey, StockMove, utcnow
from ..domain.errors import Conflict

T = TypeVar("T")
SessionFactory = sessionmaker[Session]
# The hot path writes through Core tables: the same SQL as the ORM models, less Python per call.
_MOVES = StockMove.__table__
_KEYS = IdempotencyKey.__table__


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


def _previous(session: Session, idem: Idempotency) -> int | None:
    row = session.execute(
        select(_KEYS.c.request_hash, _KEYS.c.resource_id).where(
            _KEYS.c.user_id == idem.user_id,
            _KEYS.c.scope == idem.scope,
            _KEYS.c.key == idem.key,
        )
    ).first()
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
    repeat blocks on the unique index until the first request ends, then finds its resource
    and replays it, instead of doing the work again against the stock the first one left.
    """
    if idem is None:
        with transaction(factory) as session:
            result = work(session)
        return Outcome(result, resource_id(result))
    try:
        with transaction(factory) as session:
            earlier = _previous(session, idem)
            if earlier is not None:
                return Outcome(None, earlier, replayed=True)
            claim = session.execute(
                insert(_KEYS).returning(_KEYS.c.id),
                {
                    "user_id": idem.user_id,
                    "scope": idem.scope,
                    "key": idem.key,
                    "request_hash": idem.request_hash,
                    "resource_id": 0,  # set below, before anyone else can see the row
                    "created_at": utcnow(),
                },
            ).scalar_one()
            result = work(session)
            session.execute(
                update(_KEYS).where(_KEYS.c.id == claim)
                .values(resource_id=resource_id(result))
            )
        return Outcome(result, resource_id(result))
    except IntegrityError as exc:
        if "idempotency" not in str(exc.orig).lower():
            raise
        with factory() as session:
            earlier = _previous(session, idem)
        if earlier is None:  # pragma: no cover - the other request rolled back meanwhile
            raise Conflict("a request with this Idempotency-Key is in progress; retry") from exc
        return Outcome(None, earlier, replayed=True)


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


def write_moves(session: Session, moves: Sequence[Move], user_id: int | None) -> None:
    """Append ledger rows in one statement (executemany)."""
    if not moves:
        return
    now = utcnow()
    session.execute(
        insert(_MOVES),
        [
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
        ],
    )


def lock_rows(session: Session, model: Any, ids: Iterable[int], *columns: Any) -> dict[int, Any]:
    """Lock parent rows in id order (FOR UPDATE on PostgreSQL) so writers never deadlock.

    On SQLite the whole database is already locked by BEGIN IMMEDIATE.
    """
    wanted = sorted(set(ids))
    table = model.__table__
    rows = session.execute(
        select(table.c.id, *(table.c[column.key] for column in columns))
        .where(table.c.id.in_(wanted)).order_by(table.c.id).with_for_update()
    ).all()
    return {row.id: row for row in rows}
