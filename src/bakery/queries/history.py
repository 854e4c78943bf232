"""What happened: production runs and sales, as lists and details.

`run_dict` and `sale_dict` are the one shape of each: a fresh run or sale is answered from what
its service returns, a replay and a read from the stored rows, through the same function.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import day_bounds
from ..db.models import ProductionConsumption, ProductionRun, ProductLot, Sale, SaleItem, as_utc
from ..domain.errors import NotFound
from ..domain.fifo import Draw
from .pages import PageRequest, paged, split_page

C = ProductionConsumption.__table__
L = ProductLot.__table__
S = Sale.__table__
I = SaleItem.__table__  # noqa: E741


def run_dict(run: Any, consumed: list[Draw], best_before: datetime | None = None) -> dict:
    """A production run, the batches it drew (in the order it drew them), its lot's best-before."""
    return {
        "id": run.id, "recipe_id": run.recipe_id, "product_id": run.product_id,
        "batches": run.batches, "produced_quantity": run.produced_quantity,
        "total_cost": run.total_cost,
        "consumed": [{"material_id": d.item_id, "batch_id": d.layer_id, "quantity": d.quantity,
                      "cost_per_unit": d.unit_cost} for d in consumed],
        "created_by": run.created_by, "created_at": as_utc(run.created_at),
        "best_before": as_utc(best_before) if best_before else None,
    }


def _runs_with_consumption(session: Session, runs: list[Any]) -> list[dict]:
    consumed: dict[int, list[Draw]] = defaultdict(list)
    if runs:
        for c in session.execute(select(C).where(C.c.run_id.in_([r.id for r in runs]))
                                 .order_by(C.c.id)):
            consumed[c.run_id].append(Draw(c.batch_id, c.material_id, c.quantity, c.cost_per_unit))
    keeps = dict(session.execute(select(L.c.production_run_id, L.c.best_before).where(
        L.c.production_run_id.in_([r.id for r in runs]))).all()) if runs else {}
    return [run_dict(r, consumed[r.id], keeps.get(r.id)) for r in runs]


def list_runs(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    query = paged(select(ProductionRun), ProductionRun.id, page, newest_first=True)
    rows, cursor = split_page(list(session.execute(query).scalars()), page)
    return _runs_with_consumption(session, rows), cursor


def get_run(session: Session, run_id: int) -> dict:
    run = session.get(ProductionRun, run_id)
    if run is None:
        raise NotFound(f"no production run with id {run_id}")
    return _runs_with_consumption(session, [run])[0]


def sale_dict(sale: Any, items: list[Any]) -> dict:
    """A sale and its lines (product, quantity, unit price, line total, FIFO cost)."""
    return {"id": sale.id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity,
                       "unit_price": i.unit_price, "line_total": i.line_total, "cost": i.cost}
                      for i in items],
            "total": sale.total, "cost": sale.cost,
            "created_by": sale.created_by, "created_at": as_utc(sale.created_at)}


def _sales_with_items(session: Session, sales: list[Any]) -> list[dict]:
    items: dict[int, list[Any]] = defaultdict(list)
    if sales:
        for item in session.execute(select(I).where(I.c.sale_id.in_([s.id for s in sales]))
                                    .order_by(I.c.id)):
            items[item.sale_id].append(item)
    return [sale_dict(s, items[s.id]) for s in sales]


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
