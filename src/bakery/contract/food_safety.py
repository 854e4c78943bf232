"""Request and response bodies of food safety: write-offs, expiry alerts, waste, trace, recall."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from .schemas import In, Out, RangeQuery, SaleOut
from .types import Money, Note, Quantity, QueryId, Timestamp


class WrittenOff(Out):
    material_id: int | None = None
    batch_id: int | None = None
    product_id: int | None = None
    lot_id: int | None = None
    quantity: Quantity
    cost: Money


class WriteOffOut(Out):
    items: list[WrittenOff]
    cost: Money


class MarkDownOut(Out):
    lot_id: int
    product_id: int
    day_old_lot_id: int
    day_old_product_id: int
    quantity: Quantity
    best_before: Timestamp | None


class ExpiringQuery(In):
    days: int = Field(default=2, ge=0, le=365)


class ExpiringItem(Out):
    material_id: int | None = None
    batch_id: int | None = None
    product_id: int | None = None
    lot_id: int | None = None
    name: str
    remaining: Quantity
    expires: datetime | date
    expired: bool


class ExpiringList(Out):
    items: list[ExpiringItem]


class WasteQuery(RangeQuery):
    group_by: Literal["product", "material", "reason", "day"] = "product"


class WasteRow(Out):
    key: str
    product_id: int | None = None
    material_id: int | None = None
    quantity: Quantity
    cost: Money
    retail_value: Money
    produced: Quantity
    waste_rate: Money | None


class WasteTotals(Out):
    quantity: Quantity
    cost: Money
    retail_value: Money
    produced: Quantity
    waste_rate: Money | None


class WasteReport(Out):
    rows: list[WasteRow]
    totals: WasteTotals


WASTE_COLUMNS = ("key", "quantity", "cost", "retail_value", "produced", "waste_rate")


# --- traceability ----------------------------------------------------------------------------

class TraceQuery(In):
    format: Literal["json", "csv"] | None = None


class RecallQuery(TraceQuery):
    material_id: QueryId
    lot: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")


class RecallIn(In):
    material_id: int = Field(strict=True, gt=0, le=2**63 - 1)
    lot: str = Field(strict=True, min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")
    note: Note | None = None


class TracedRun(Out):
    id: int
    quantity_used: Quantity | None = None
    lot_id: int | None = None
    product_id: int | None = None
    produced_quantity: Quantity | None = None
    created_at: Timestamp | None = None


class TracedLot(Out):
    lot_id: int
    product_id: int
    production_run_id: int | None
    quantity: Quantity
    remaining: Quantity
    best_before: Timestamp | None
    on_hold: bool


class TracedSale(Out):
    sale_id: int
    product_id: int
    lot_id: int
    quantity: Quantity
    created_at: Timestamp


class TracedBatch(Out):
    batch_id: int
    material_id: int
    supplier: str | None
    lot: str | None
    quantity: Quantity
    remaining: Quantity | None = None
    production_run_id: int | None = None
    expiry_date: date | None = None
    on_hold: bool | None = None


class TracedDraw(Out):
    lot_id: int
    product_id: int
    quantity: Quantity


class BatchTrace(Out):
    batch: dict
    production_runs: list[TracedRun]
    lots: list[TracedLot]
    sales: list[TracedSale]


class SaleTrace(Out):
    sale: SaleOut
    drawn: list[TracedDraw]
    lots: list[TracedLot]
    production_runs: list[TracedRun]
    batches: list[TracedBatch]


class LotTrace(Out):
    lots: list[TracedLot]
    production_runs: list[TracedRun]
    batches: list[TracedBatch]
    sales: list[TracedSale]


class RecallTotals(Out):
    batches: int
    production_runs: int
    lots: int
    sales: int
    quantity_sold: Quantity
    quantity_in_stock: Quantity


class RecallOut(Out):
    material_id: int
    lot: str
    batches: list[TracedBatch]
    production_runs: list[TracedRun]
    lots: list[TracedLot]
    sales: list[TracedSale]
    totals: RecallTotals


class HoldOut(Out):
    id: int
    material_id: int
    lot: str
    note: str | None
    created_by: int | None
    created_at: Timestamp
    released_at: Timestamp | None
    batch_ids: list[int]
    lot_ids: list[int]


RECALL_COLUMNS = ("kind", "id", "material_id", "product_id", "batch_id", "lot_id",
                  "production_run_id", "sale_id", "supplier", "lot", "quantity", "created_at")


def recall_rows(result: dict) -> list[dict]:
    """A recall (already serialised) as one flat table: batches, runs, lots, then sales."""
    rows = [{"kind": "batch", "id": b["batch_id"], **b} for b in result["batches"]]
    rows += [{"kind": "production_run", "id": r["id"], "production_run_id": r["id"],
              "lot_id": r.get("lot_id"), "quantity": r.get("quantity_used")}
             for r in result["production_runs"]]
    rows += [{"kind": "lot", "id": lot["lot_id"], **lot} for lot in result["lots"]]
    rows += [{"kind": "sale", "id": s["sale_id"], **s} for s in result["sales"]]
    return rows

