"""What happened: production runs and sales, as lists and details.

`run_dict` and `sale_dict` are the one shape of each: a fresh run or sale is answered from what
its service returns, a replay and a read from the stored rows, through the same function.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import day_bounds
from ..db.models import (
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Refund,
    RefundItem,
    Sale,
    SaleItem,
    SalePayment,
    StockMove,
    as_utc,
)
from ..domain.errors import NotFound
from ..domain.fifo import Draw
from .pages import PageRequest, paged, split_page

C = ProductionConsumption.__table__
M = StockMove.__table__
L = ProductLot.__table__
S = Sale.__table__
I = SaleItem.__table__  # noqa: E741
P = SalePayment.__table__
R = Refund.__table__
RI = RefundItem.__table__


def run_dict(run: Any, consumed: list[Draw], consumed_lots: list[Draw] | None = None,
             best_before: datetime | None = None) -> dict:
    """A production run and the batches it drew, in the order it drew them; the lots of
    intermediate products (a dough) it drew, when it used any; its lot's best-before."""
    return {
        "id": run.id, "recipe_id": run.recipe_id, "product_id": run.product_id,
        "batches": run.batches, "produced_quantity": run.produced_quantity,
        "total_cost": run.total_cost,
        "consumed": [{"material_id": d.item_id, "batch_id": d.layer_id, "quantity": d.quantity,
                      "cost_per_unit": d.unit_cost} for d in consumed],
        "created_by": run.created_by, "created_at": as_utc(run.created_at),
        "consumed_products": [
            {"product_id": d.item_id, "lot_id": d.layer_id, "quantity": d.quantity,
             "unit_cost": d.unit_cost} for d in consumed_lots or []],
        "best_before": as_utc(best_before) if best_before else None,
    }


def _runs_with_consumption(session: Session, runs: list[Any]) -> list[dict]:
    consumed: dict[int, list[Draw]] = defaultdict(list)
    lots: dict[int, list[Draw]] = defaultdict(list)
    if runs:
        ids = [r.id for r in runs]
        for c in session.execute(select(C).where(C.c.run_id.in_(ids)).order_by(C.c.id)):
            consumed[c.run_id].append(Draw(c.batch_id, c.material_id, c.quantity, c.cost_per_unit))
        # the lots of intermediates a run drew are in the ledger, the one record of lot draws
        for m in session.execute(select(M.c.ref_id, M.c.lot_id, M.c.product_id, M.c.delta,
                                        M.c.unit_cost)
                                 .where(M.c.ref_type == "production_run", M.c.ref_id.in_(ids),
                                        M.c.lot_id.is_not(None), M.c.delta < 0)
                                 .order_by(M.c.id)):
            lots[m.ref_id].append(Draw(m.lot_id, m.product_id, -m.delta, m.unit_cost))
    keeps = dict(session.execute(select(L.c.production_run_id, L.c.best_before).where(
        L.c.production_run_id.in_([r.id for r in runs]))).all()) if runs else {}
    return [run_dict(r, consumed[r.id], lots[r.id], keeps.get(r.id)) for r in runs]


def list_runs(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    query = paged(select(ProductionRun), ProductionRun.id, page, newest_first=True)
    rows, cursor = split_page(list(session.execute(query).scalars()), page)
    return _runs_with_consumption(session, rows), cursor


def get_run(session: Session, run_id: int) -> dict:
    run = session.get(ProductionRun, run_id)
    if run is None:
        raise NotFound(f"no production run with id {run_id}")
    return _runs_with_consumption(session, [run])[0]


def sale_dict(sale: Any, items: list[Any], payments: list[Any] | None = None,
              refunded: Any = 0) -> dict:
    """A sale and its lines (product, quantity, unit price, line total, tax, FIFO cost), its
    payments (none stored: one cash payment of the total) and change."""
    paid = payments or [{"method": "cash", "amount": sale.total}]
    return {"id": sale.id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity,
                       "unit_price": i.unit_price, "line_total": i.line_total, "cost": i.cost,
                       "tax_rate": i.tax_rate, "tax": i.tax}
                      for i in items],
            "total": sale.total, "cost": sale.cost, "tax": sale.tax,
            "payments": [{"method": _field(p, "method"), "amount": _field(p, "amount")}
                         for p in paid],
            "change": sale.change, "eat_in": bool(sale.eat_in),
            "till_session_id": sale.till_session_id, "refunded": refunded,
            "created_by": sale.created_by, "created_at": as_utc(sale.created_at)}


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _sales_with_items(session: Session, sales: list[Any]) -> list[dict]:
    items: dict[int, list[Any]] = defaultdict(list)
    payments: dict[int, list[Any]] = defaultdict(list)
    refunded: dict[int, Any] = {}
    if sales:
        ids = [s.id for s in sales]
        for item in session.execute(select(I).where(I.c.sale_id.in_(ids)).order_by(I.c.id)):
            items[item.sale_id].append(item)
        for payment in session.execute(select(P).where(P.c.sale_id.in_(ids)).order_by(P.c.id)):
            payments[payment.sale_id].append(payment)
        refunded = dict(session.execute(select(R.c.sale_id, func.sum(R.c.amount))
                                        .where(R.c.sale_id.in_(ids)).group_by(R.c.sale_id)).all())
    return [sale_dict(s, items[s.id], payments[s.id], refunded.get(s.id, 0)) for s in sales]


def refund_dict(refund: Any, items: list[Any]) -> dict:
    """A refund and its lines: quantity, amount (at the sale's price), tax and the sale's cost."""
    return {"id": refund.id, "sale_id": refund.sale_id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity, "amount": i.amount,
                       "tax_rate": i.tax_rate, "tax": i.tax, "cost": i.cost} for i in items],
            "amount": refund.amount, "tax": refund.tax, "cost": refund.cost,
            "restock": refund.restock, "method": refund.method, "reason": refund.reason,
            "till_session_id": refund.till_session_id, "created_by": refund.created_by,
            "created_at": as_utc(refund.created_at)}


def get_refund(session: Session, refund_id: int) -> dict:
    refund = session.execute(select(R).where(R.c.id == refund_id)).first()
    if refund is None:
        raise NotFound(f"no refund with id {refund_id}")
    lines = session.execute(select(RI).where(RI.c.refund_id == refund_id).order_by(RI.c.id)).all()
    return refund_dict(refund, list(lines))


def refunds_of_sale(session: Session, sale_id: int) -> list[dict]:
    """Every refund of a sale, oldest first (404 for an unknown sale)."""
    if session.execute(select(S.c.id).where(S.c.id == sale_id)).first() is None:
        raise NotFound(f"no sale with id {sale_id}")
    refunds = session.execute(select(R).where(R.c.sale_id == sale_id).order_by(R.c.id)).all()
    lines: dict[int, list[Any]] = defaultdict(list)
    if refunds:
        for line in session.execute(select(RI).where(RI.c.refund_id.in_([r.id for r in refunds]))
                                    .order_by(RI.c.id)):
            lines[line.refund_id].append(line)
    return [refund_dict(r, lines[r.id]) for r in refunds]


def list_sales(session: Session, page: PageRequest, start: date | None = None,
               end: date | None = None, tz: Any = timezone.utc) -> tuple[list[dict], str | None]:
    query = select(S)
    lower, upper = day_bounds(start, end, tz)
    if lower is not None:
        query = query.where(S.c.created_at >= lower)
    if upper is not None:
        query = query.where(S.c.created_at < upper)
    rows, cursor = split_page(session.execute(paged(query, S.c.id, page, newest_first=True)).all(),
                              page)
    return _sales_with_items(session, rows), cursor


def get_sale(session: Session, sale_id: int) -> dict:
    sale = session.execute(select(S).where(S.c.id == sale_id)).first()
    if sale is None:
        raise NotFound(f"no sale with id {sale_id}")
    return _sales_with_items(session, [sale])[0]


def refundable_lines(session: Session, sale_id: int) -> list[dict]:
    """Each line of a sale with what was refunded of it and what may still be."""
    sale = get_sale(session, sale_id)
    refunded = dict(session.execute(
        select(RI.c.product_id, func.sum(RI.c.quantity)).join(R, R.c.id == RI.c.refund_id)
        .where(R.c.sale_id == sale_id).group_by(RI.c.product_id)).all())
    return [{**item, "refunded": refunded.get(item["product_id"], 0),
             "refundable": item["quantity"] - refunded.get(item["product_id"], 0)}
            for item in sale["items"]]
