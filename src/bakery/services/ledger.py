"""The append-only stock ledger: one move row for every change of any stock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ..db.engine import Executor, rows_param
from ..db.models import StockMove, utcnow

# Rows a unit of work created that Session events cannot see (written through the Connection):
# {table: count}, counted by observability once the transaction commits.
CREATED_ROWS = "bakery.created_rows"
# The hot path writes through Core tables: the same SQL as the ORM models, less Python per call,
# and the statement is built once (building one costs about as much Python as executing it).
_INSERT_MOVES = insert(StockMove.__table__)


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
