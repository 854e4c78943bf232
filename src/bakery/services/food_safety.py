"""Food-safety use cases: write off expired stock, put a recalled supplier lot on hold, release it.

Each is one transaction. The write-off locks the products and materials it will touch in id
order (as a sale and a production run do), then reads the expired layers again under the lock:
a sale racing it either drew a lot first (the write-off takes what is left) or waits and finds
the lot empty or no longer sellable. Running it twice writes off nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from ..clock import now, today
from ..db.locks import lock_rows
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductLot,
    StockHold,
    StockMove,
    StockWriteOff,
    as_utc,
    utcnow,
)
from ..db.stock_layers import expired_batch, expired_lot, sellable_lot
from ..domain.errors import Conflict, NotFound
from ..domain.fifo import Draw
from ..domain.freshness import shelf_life_end, write_off_cost
from ..domain.numbers import money
from ..queries.trace import forward, recall_batches
from .ledger import Move, write_moves
from .stock import draw_down
from .unit_of_work import Idempotency, Outcome, SessionFactory, run_once

_BATCHES = MaterialBatch.__table__
_LOTS = ProductLot.__table__
_MOVES = StockMove.__table__


@dataclass
class WriteOffResult:
    batches: list[Draw] = field(default_factory=list)
    lots: list[Draw] = field(default_factory=list)
    id: int = 0  # the write-off's row; 0 when nothing had expired

    @property
    def cost(self) -> Decimal:
        return write_off_cost(self.batches + self.lots)

    def items(self) -> list[dict]:
        """The written-off layers as the API answers them."""
        return ([{"material_id": w.item_id, "batch_id": w.layer_id, "quantity": w.quantity,
                  "cost": money(w.cost)} for w in self.batches]
                + [{"product_id": w.item_id, "lot_id": w.layer_id, "quantity": w.quantity,
                    "cost": money(w.cost)} for w in self.lots])


def _expired(session: Session, table: Table, item: str, cost: str, where: object
             ) -> list[Draw]:
    """What is left of each expired layer: drawn whole, at its cost."""
    rows = session.execute(select(table.c.id, table.c[item], table.c.remaining, table.c[cost])
                           .where(where).order_by(table.c.id))  # type: ignore[arg-type]
    return [Draw(r.id, r[1], r.remaining, r[3]) for r in rows]


def expire_stock(factory: SessionFactory, *, user_id: int | None = None,
                 idem: Idempotency | None = None) -> WriteOffResult:
    """Write off every expired batch and lot, whole, at its cost (ledger reason `expired`).

    A replayed Idempotency-Key answers what the first request wrote off, from its ledger rows.
    """

    def work(session: Session) -> WriteOffResult:
        at, on = now(), today()
        lots_where, batches_where = expired_lot(at), expired_batch(on)
        material_ids = session.execute(select(_BATCHES.c.material_id).distinct()
                                       .where(batches_where)).scalars().all()
        product_ids = session.execute(select(_LOTS.c.product_id).distinct()
                                      .where(lots_where)).scalars().all()
        if not material_ids and not product_ids:
            return WriteOffResult()
        lock_rows(session, Material, material_ids)
        lock_rows(session, Product, product_ids)
        # Read again under the locks, and only the locked items' layers: a layer that expired
        # meanwhile under another item is the next run's (never written off unlocked, twice).
        result = WriteOffResult(
            _expired(session, _BATCHES, "material_id", "cost_per_unit",
                     batches_where & _BATCHES.c.material_id.in_(material_ids or [0])),
            _expired(session, _LOTS, "product_id", "unit_cost",
                     lots_where & _LOTS.c.product_id.in_(product_ids or [0])))
        if not result.batches and not result.lots:
            return result
        result.id = session.execute(insert(StockWriteOff).returning(StockWriteOff.id), {
            "cost": result.cost, "created_at": utcnow(), "created_by": user_id}).scalar_one()
        moves = []
        for table, written, kind in ((_BATCHES, result.batches, "batch"),
                                     (_LOTS, result.lots, "lot")):
            draw_down(session, table, written)
            moves += [Move(-w.quantity, w.unit_cost, "expired", "write_off", result.id,
                           **({"material_id": w.item_id, "batch_id": w.layer_id}
                              if kind == "batch" else
                              {"product_id": w.item_id, "lot_id": w.layer_id}))
                      for w in written]
        write_moves(session, moves, user_id)
        return result

    outcome = run_once(factory, idem, work, lambda r: r.id)
    if outcome.result is not None:
        return outcome.result
    with factory() as session:
        return _written_off(session, outcome.resource_id)


def _written_off(session: Session, write_off_id: int) -> WriteOffResult:
    """A past write-off, from the ledger rows that name it."""
    result = WriteOffResult(id=write_off_id)
    for m in session.execute(select(_MOVES).where(_MOVES.c.ref_type == "write_off",
                                                  _MOVES.c.ref_id == write_off_id)
                             .order_by(_MOVES.c.id)):
        if m.batch_id is not None:
            result.batches.append(Draw(m.batch_id, m.material_id, -m.delta, m.unit_cost))
        else:
            result.lots.append(Draw(m.lot_id, m.product_id, -m.delta, m.unit_cost))
    return result


@dataclass
class HoldResult:
    hold: StockHold
    batch_ids: list[int]
    lot_ids: list[int]


def hold_recall(factory: SessionFactory, *, material_id: int, lot: str, note: str | None = None,
                user_id: int | None = None, idem: Idempotency | None = None
                ) -> Outcome[HoldResult]:
    """Put every open batch and lot a supplier lot reached on hold: never sold or used."""

    def work(session: Session) -> HoldResult:
        batches = recall_batches(session, material_id, lot)
        if not batches:
            raise NotFound(f"no batch of material {material_id} has the lot code {lot!r}")
        reached = forward(session, [b.id for b in batches])
        lot_ids = [x["lot_id"] for x in reached["lots"]]
        lock_rows(session, Material, [material_id])
        lock_rows(session, Product, {x["product_id"] for x in reached["lots"]})
        hold = StockHold(material_id=material_id, lot=lot, note=note, created_at=utcnow(),
                         created_by=user_id)
        session.add(hold)
        session.flush()
        held_batches = _put_on_hold(session, _BATCHES, [b.id for b in batches], hold.id)
        held_lots = _put_on_hold(session, _LOTS, lot_ids, hold.id)
        return HoldResult(hold, held_batches, held_lots)

    return run_once(factory, idem, work, lambda r: r.hold.id)


def _put_on_hold(session: Session, table: Table, ids: list[int], hold_id: int) -> list[int]:
    """Hold the open, not yet held layers among `ids`; the ids held."""
    if not ids:
        return []
    return list(session.execute(
        update(table).where(table.c.id.in_(ids), table.c.remaining > 0, table.c.hold_id.is_(None))
        .values(hold_id=hold_id).returning(table.c.id)).scalars())


def release_hold(factory: SessionFactory, hold_id: int, *, user_id: int | None = None
                 ) -> StockHold:
    """Release a hold: its layers may be sold and used again (an expired one stays expired)."""

    def work(session: Session) -> StockHold:
        hold = session.get(StockHold, hold_id, with_for_update=True)
        if hold is None:
            raise NotFound(f"no hold with id {hold_id}")
        if hold.released_at is not None:
            raise Conflict(f"hold {hold_id} was released already")
        for table in (_BATCHES, _LOTS):
            session.execute(update(table).where(table.c.hold_id == hold_id).values(hold_id=None))
        hold.released_at, hold.released_by = utcnow(), user_id
        return hold

    outcome = run_once(factory, None, work, lambda h: h.id)
    assert outcome.result is not None
    return outcome.result


def hold_dict(hold: StockHold, batch_ids: list[int] | None = None,
              lot_ids: list[int] | None = None) -> dict:
    """A hold as the API answers it."""
    return {"id": hold.id, "material_id": hold.material_id, "lot": hold.lot, "note": hold.note,
            "created_by": hold.created_by, "created_at": as_utc(hold.created_at),
            "released_at": as_utc(hold.released_at) if hold.released_at else None,
            "batch_ids": batch_ids or [], "lot_ids": lot_ids or []}


@dataclass
class MarkDown:
    lot_id: int
    product_id: int
    day_old_lot_id: int
    day_old_product_id: int
    quantity: Decimal
    best_before: datetime | None


def mark_down(factory: SessionFactory, lot_id: int, *, user_id: int | None = None,
              idem: Idempotency | None = None) -> MarkDown:
    """Move what is left of a sellable lot to the product's day-old product, at its cost.

    The owner allows it by giving the product a day-old product (with its own, lower price and
    shelf life). The new lot keeps the production run it came from, so a trace follows it.
    """

    def work(session: Session) -> MarkDown:
        found = session.execute(select(_LOTS.c.product_id).where(_LOTS.c.id == lot_id)).first()
        if found is None:
            raise NotFound(f"no lot with id {lot_id}")
        product = session.get(Product, found.product_id)
        assert product is not None
        if product.day_old_product_id is None:
            raise Conflict(f"{product.name} may not be marked down: give it a day-old product")
        lock_rows(session, Product, [product.id, product.day_old_product_id])
        lot = session.execute(select(_LOTS).where(_LOTS.c.id == lot_id,
                                                  sellable_lot(now()))).first()
        if lot is None:
            raise Conflict(f"lot {lot_id} has nothing left to sell (sold out, expired or held)")
        day_old = session.get(Product, product.day_old_product_id)
        assert day_old is not None
        made = utcnow()
        keeps = shelf_life_end(made, day_old.shelf_life_hours)
        new_id = session.execute(insert(ProductLot).returning(ProductLot.id), {
            "product_id": day_old.id, "production_run_id": lot.production_run_id,
            "quantity": lot.remaining, "remaining": lot.remaining, "unit_cost": lot.unit_cost,
            "created_at": made, "best_before": keeps}).scalar_one()
        draw_down(session, _LOTS, [Draw(lot_id, product.id, lot.remaining, lot.unit_cost)])
        write_moves(session, [
            Move(-lot.remaining, lot.unit_cost, "markdown", "markdown", new_id,
                 product_id=product.id, lot_id=lot_id),
            Move(lot.remaining, lot.unit_cost, "markdown", "markdown", new_id,
                 product_id=day_old.id, lot_id=new_id)], user_id)
        return MarkDown(lot_id, product.id, new_id, day_old.id, lot.remaining, keeps)

    outcome = run_once(factory, idem, work, lambda m: m.day_old_lot_id)
    if outcome.result is not None:
        return outcome.result
    with factory() as session:  # a replayed key: the mark-down the first request made
        moved = {m.delta > 0: m for m in session.execute(select(_MOVES).where(
            _MOVES.c.ref_type == "markdown", _MOVES.c.ref_id == outcome.resource_id))}
        made = session.get(ProductLot, outcome.resource_id)
        assert made is not None
        return MarkDown(moved[False].lot_id, moved[False].product_id, made.id, made.product_id,
                        moved[True].delta, as_utc(made.best_before) if made.best_before else None)
