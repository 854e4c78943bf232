"""Traceability: one step back and one step forward, exactly as the ledger recorded it.

Forward from material batches: the production runs that drew them (production_consumptions),
the lots those runs made, and the sales that drew those lots (the ledger's sale rows on each
lot, so quantities are what each sale took from each lot). Backward from a sale: the lots it
drew, the runs that made them, the batches those runs drew.

Intermediate products: a run that draws product lots writes ledger rows on those lots with
`ref_type = "production_run"` and a negative delta. Both directions follow such rows
(`_runs_drawing_lots`, `_lots_drawn_by_runs`), so a dough made in one run and baked in another
is traced through, to any depth; without such rows the walk simply stops after one step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import (
    Material,
    MaterialBatch,
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Sale,
    StockMove,
    as_utc,
)
from ..domain.errors import NotFound
from ..domain.numbers import ZERO
from .history import get_sale
from .inventory import batch_dict

B = MaterialBatch.__table__
C = ProductionConsumption.__table__
L = ProductLot.__table__
M = StockMove.__table__
R = ProductionRun.__table__
S = Sale.__table__
MAX_DEPTH = 20  # intermediate products nest a few levels; a cycle cannot loop forever


def _runs_drawing_batches(session: Session, batch_ids: Collection[int]) -> dict[int, Decimal]:
    """Each run that drew any of these batches, and how much of them it drew."""
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if batch_ids:
        for r in session.execute(select(C.c.run_id, func.sum(C.c.quantity).label("quantity"))
                                 .where(C.c.batch_id.in_(list(batch_ids)))
                                 .group_by(C.c.run_id)):
            used[r.run_id] += Decimal(r.quantity)
    return used


def _runs_drawing_lots(session: Session, lot_ids: Collection[int]) -> dict[int, Decimal]:
    """Each run that drew any of these product lots (an intermediate product), and how much."""
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if lot_ids:
        for r in session.execute(select(M.c.ref_id, func.sum(-M.c.delta).label("quantity"))
                                 .where(M.c.lot_id.in_(list(lot_ids)),
                                        M.c.ref_type == "production_run", M.c.delta < 0)
                                 .group_by(M.c.ref_id)):
            used[int(r.ref_id)] += Decimal(r.quantity)
    return used


def _lots_of_runs(session: Session, run_ids: Collection[int]) -> list[Any]:
    if not run_ids:
        return []
    return list(session.execute(
        select(L.c.id, L.c.product_id, L.c.production_run_id, L.c.quantity, L.c.remaining,
               L.c.best_before, L.c.hold_id)
        .where(L.c.production_run_id.in_(list(run_ids))).order_by(L.c.id)))


def _lot_out(lot: Any) -> dict:
    return {"lot_id": lot.id, "product_id": lot.product_id,
            "production_run_id": lot.production_run_id, "quantity": lot.quantity,
            "remaining": lot.remaining,
            "best_before": as_utc(lot.best_before) if lot.best_before else None,
            "on_hold": lot.hold_id is not None}


def _sales_of_lots(session: Session, lot_ids: Collection[int]) -> list[dict]:
    """Every sale that drew these lots: per sale, product and lot, the quantity it took."""
    if not lot_ids:
        return []
    rows = session.execute(
        select(M.c.ref_id.label("sale_id"), M.c.product_id, M.c.lot_id,
               func.sum(-M.c.delta).label("quantity"), S.c.created_at)
        .join(S, S.c.id == M.c.ref_id)
        .where(M.c.lot_id.in_(list(lot_ids)), M.c.ref_type == "sale", M.c.delta < 0)
        .group_by(M.c.ref_id, M.c.product_id, M.c.lot_id, S.c.created_at)
        .order_by(M.c.ref_id, M.c.lot_id))
    return [{"sale_id": int(r.sale_id), "product_id": r.product_id, "lot_id": r.lot_id,
             "quantity": Decimal(r.quantity), "created_at": as_utc(r.created_at)} for r in rows]


def forward(session: Session, batch_ids: Collection[int]) -> dict:
    """Every run, lot and sale the batches reached, through intermediate products."""
    runs: dict[int, dict] = {}
    lots: dict[int, Any] = {}
    frontier = _runs_drawing_batches(session, batch_ids)
    for _ in range(MAX_DEPTH):
        new = {rid: qty for rid, qty in frontier.items() if rid not in runs}
        if not new:
            break
        made = _lots_of_runs(session, new)
        for rid, qty in new.items():
            runs[rid] = {"id": rid, "quantity_used": qty, "lot_id": None}
        for lot in made:  # a run's own lot first; a day-old lot marked down from it after
            runs[lot.production_run_id]["lot_id"] = runs[lot.production_run_id]["lot_id"] or lot.id
            lots[lot.id] = lot
        frontier = _runs_drawing_lots(session, [lot.id for lot in made])
    return {"production_runs": [runs[k] for k in sorted(runs)],
            "lots": [_lot_out(lots[k]) for k in sorted(lots)],
            "sales": _sales_of_lots(session, lots)}


def _totals(result: dict) -> dict:
    return {"batches": len(result.get("batches", ())),
            "production_runs": len(result["production_runs"]), "lots": len(result["lots"]),
            "sales": len({s["sale_id"] for s in result["sales"]}),
            "quantity_sold": sum((s["quantity"] for s in result["sales"]), ZERO),
            "quantity_in_stock": sum((lot["remaining"] for lot in result["lots"]), ZERO)}


def trace_batch(session: Session, batch_id: int) -> dict:
    """One batch forward: the runs that drew it, their lots, the sales of those lots."""
    batch = session.get(MaterialBatch, batch_id)
    if batch is None:
        raise NotFound(f"no batch with id {batch_id}")
    return {"batch": batch_dict(batch), **forward(session, [batch_id])}


def recall_batches(session: Session, material_id: int, lot: str) -> list[Any]:
    """The batches of one material received under a supplier's lot code."""
    if session.get(Material, material_id) is None:
        raise NotFound(f"no material with id {material_id}")
    return list(session.execute(select(MaterialBatch).where(
        MaterialBatch.material_id == material_id, MaterialBatch.lot == lot)
        .order_by(MaterialBatch.id)).scalars())


def recall(session: Session, material_id: int, lot: str) -> dict:
    """Everything a supplier lot reached: batches, runs, lots and sales, with totals."""
    batches = recall_batches(session, material_id, lot)
    result = {"material_id": material_id, "lot": lot,
              "batches": [_batch_out(b) for b in batches],
              **forward(session, [b.id for b in batches])}
    result["totals"] = _totals(result)
    return result


def _batch_out(batch: Any, quantity: Decimal | None = None) -> dict:
    return {"batch_id": batch.id, "material_id": batch.material_id, "supplier": batch.supplier,
            "lot": batch.lot, "quantity": batch.quantity if quantity is None else quantity,
            "remaining": batch.remaining,
            "expiry_date": batch.expiry_date, "on_hold": batch.hold_id is not None}


def _lots_drawn_by_runs(session: Session, run_ids: Collection[int]) -> list[int]:
    """Product lots (intermediate products) these runs drew."""
    if not run_ids:
        return []
    return [r.lot_id for r in session.execute(
        select(M.c.lot_id).distinct().where(M.c.ref_type == "production_run",
                                            M.c.ref_id.in_(list(run_ids)),
                                            M.c.lot_id.is_not(None), M.c.delta < 0))]


def backward(session: Session, lot_ids: Collection[int]) -> dict:
    """The runs that made these lots and the batches they drew, through intermediate products."""
    lots: dict[int, Any] = {}
    runs: dict[int, Any] = {}
    frontier = list(lot_ids)
    for _ in range(MAX_DEPTH):
        new = [lid for lid in frontier if lid not in lots]
        if not new:
            break
        for lot in session.execute(select(L).where(L.c.id.in_(new))):
            lots[lot.id] = lot
        run_ids = {lots[lid].production_run_id for lid in new
                   if lots.get(lid) is not None and lots[lid].production_run_id is not None}
        for run in session.execute(select(R).where(R.c.id.in_(list(run_ids)))):
            runs[run.id] = run
        frontier = _lots_drawn_by_runs(session, run_ids)
    drawn: Any = session.execute(
        select(C.c.run_id, C.c.batch_id, C.c.quantity, B.c.material_id, B.c.supplier, B.c.lot,
               B.c.expiry_date).join(B, B.c.id == C.c.batch_id)
        .where(C.c.run_id.in_(list(runs))).order_by(C.c.run_id, C.c.id)) if runs else []
    return {
        "lots": [_lot_out(lots[k]) for k in sorted(lots)],
        "production_runs": [{"id": r.id, "product_id": r.product_id,
                             "produced_quantity": r.produced_quantity,
                             "created_at": as_utc(r.created_at)} for _, r in sorted(runs.items())],
        "batches": [{"batch_id": d.batch_id, "material_id": d.material_id,
                     "supplier": d.supplier, "lot": d.lot, "quantity": d.quantity,
                     "production_run_id": d.run_id, "expiry_date": d.expiry_date}
                    for d in drawn],
    }


def trace_sale(session: Session, sale_id: int) -> dict:
    """One sale backward: the lots it drew (and how much of each), their runs and batches."""
    sale = get_sale(session, sale_id)
    drawn = [{"lot_id": r.lot_id, "product_id": r.product_id, "quantity": Decimal(-r.delta)}
             for r in session.execute(select(M.c.lot_id, M.c.product_id, M.c.delta)
                                      .where(M.c.ref_type == "sale", M.c.ref_id == sale_id,
                                             M.c.delta < 0).order_by(M.c.id))]
    back = backward(session, [d["lot_id"] for d in drawn])
    return {"sale": sale, "drawn": drawn, **back}


def trace_lot(session: Session, lot_id: int) -> dict:
    """One product lot both ways: where it came from and which sales took it."""
    if session.get(ProductLot, lot_id) is None:
        raise NotFound(f"no lot with id {lot_id}")
    back = backward(session, [lot_id])
    return {**back, "sales": _sales_of_lots(session, [lot_id])}

