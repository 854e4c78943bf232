"""Food safety: write off expired stock, expiry alerts, the waste report, trace and recall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from ..clock import bakery_zone, now, today
from ..contract.downloads import csv_response, report_csv, wants_csv
from ..contract.food_safety import (
    RECALL_COLUMNS,
    WASTE_COLUMNS,
    BatchTrace,
    ExpiringList,
    ExpiringQuery,
    HoldOut,
    LotTrace,
    MarkDownOut,
    RecallIn,
    RecallOut,
    RecallQuery,
    SaleTrace,
    TraceQuery,
    WasteQuery,
    WasteReport,
    WriteOffOut,
    recall_rows,
)
from ..queries import food_safety as reads
from ..queries import trace
from ..runtime import sessions
from ..services import food_safety
from ..services.unit_of_work import Idempotency
from .registry import BAKEHOUSE, MANAGERS, current_principal, operation


@operation("POST", "/stock/expire", summary="Write off expired stock", tag="food safety",
           roles=BAKEHOUSE, response=WriteOffOut, idempotent=True, errors=(409, 422))
def expire_stock(idem: Idempotency | None) -> dict:
    result = food_safety.expire_stock(sessions(), user_id=current_principal().id, idem=idem)
    return {"items": result.items(), "cost": result.cost}


@operation("POST", "/stock/lots/{lot_id}/mark-down",
           summary="Mark a lot down to its product's day-old product", tag="food safety",
           roles=BAKEHOUSE, response=MarkDownOut, status=201, idempotent=True,
           errors=(404, 409, 422))
def mark_down(lot_id: int, idem: Idempotency | None) -> dict:
    return vars(food_safety.mark_down(sessions(), lot_id, user_id=current_principal().id,
                                      idem=idem))


@operation("GET", "/alerts/expiring", summary="List stock expiring soon or expired",
           tag="food safety", roles=BAKEHOUSE, query=ExpiringQuery, response=ExpiringList)
def expiring(query: ExpiringQuery) -> dict:
    with sessions()() as session:
        return {"items": reads.expiring(session, query.days, now(), today())}


@operation("GET", "/reports/waste", summary="Report waste by product, material, reason or day",
           tag="reports", roles=MANAGERS, query=WasteQuery, response=WasteReport)
def waste_report(query: WasteQuery) -> dict | Response:
    with sessions()() as session:
        result = reads.waste_report(session, query.from_, query.to, query.group_by,
                                    bakery_zone())
    if wants_csv(query.format):
        return report_csv(WasteReport, result,
                          f"waste-by-{query.group_by}-{query.from_}-{query.to}.csv",
                          WASTE_COLUMNS)
    return result


def _csv(model: type[RecallOut] | type[BatchTrace] | type[LotTrace], result: dict,
         filename: str) -> Response:
    data = model.model_validate(result).model_dump(mode="json")
    data.setdefault("batches", [])
    data.setdefault("production_runs", [])
    return csv_response(recall_rows(data), RECALL_COLUMNS, filename)


def _traced(query_fn: Callable[[Any, int], dict], item_id: int,
            model: type[BatchTrace] | type[LotTrace], query: TraceQuery,
            filename: str) -> dict | Response:
    """One trace as JSON, or as the recall CSV's flat table."""
    with sessions()() as session:
        result = query_fn(session, item_id)
    return _csv(model, result, filename) if wants_csv(query.format) else result


@operation("GET", "/trace/batches/{batch_id}", summary="Trace a batch forward",
           tag="food safety", roles=MANAGERS, query=TraceQuery, response=BatchTrace,
           errors=(404,))
def trace_batch(batch_id: int, query: TraceQuery) -> dict | Response:
    return _traced(trace.trace_batch, batch_id, BatchTrace, query, f"trace-batch-{batch_id}.csv")


@operation("GET", "/trace/lots/{lot_id}", summary="Trace a product lot back and forward",
           tag="food safety", roles=MANAGERS, query=TraceQuery, response=LotTrace,
           errors=(404,))
def trace_lot(lot_id: int, query: TraceQuery) -> dict | Response:
    return _traced(trace.trace_lot, lot_id, LotTrace, query, f"trace-lot-{lot_id}.csv")


@operation("GET", "/trace/sales/{sale_id}", summary="Trace a sale back to its batches",
           tag="food safety", roles=MANAGERS, query=TraceQuery, response=SaleTrace,
           errors=(404,))
def trace_sale(sale_id: int, query: TraceQuery) -> dict | Response:
    with sessions()() as session:
        result = trace.trace_sale(session, sale_id)
    if wants_csv(query.format):
        data = SaleTrace.model_validate(result).model_dump(mode="json")
        data["sales"] = [{"sale_id": sale_id, **d} for d in data["drawn"]]
        return csv_response(recall_rows(data), RECALL_COLUMNS, f"trace-sale-{sale_id}.csv")
    return result


@operation("GET", "/trace/recall", summary="Find everything a supplier lot reached",
           tag="food safety", roles=MANAGERS, query=RecallQuery, response=RecallOut,
           errors=(404,))
def recall(query: RecallQuery) -> dict | Response:
    with sessions()() as session:
        result = trace.recall(session, query.material_id, query.lot)
    if wants_csv(query.format):
        return _csv(RecallOut, result, f"recall-{query.material_id}-{query.lot}.csv")
    return result


@operation("POST", "/trace/recall/hold", summary="Put what a supplier lot reached on hold",
           tag="food safety", roles=MANAGERS, body=RecallIn, response=HoldOut, status=201,
           idempotent=True, errors=(404, 409, 422))
def hold(body: RecallIn, idem: Idempotency | None) -> dict:
    outcome = food_safety.hold_recall(sessions(), material_id=body.material_id, lot=body.lot,
                                      note=body.note, user_id=current_principal().id, idem=idem)
    if outcome.result is None:
        with sessions()() as session:
            return food_safety.hold_dict(reads.get_hold(session, outcome.resource_id))
    return food_safety.hold_dict(outcome.result.hold, outcome.result.batch_ids,
                                 outcome.result.lot_ids)


@operation("POST", "/trace/holds/{hold_id}/release", summary="Release a recall hold",
           tag="food safety", roles=MANAGERS, response=HoldOut, errors=(404, 409))
def release(hold_id: int) -> dict:
    return food_safety.hold_dict(food_safety.release_hold(sessions(), hold_id,
                                                          user_id=current_principal().id))
