"""Stock adjustments, the ledger and low-stock alerts."""

from __future__ import annotations

from ..contract.schemas import AdjustmentIn, AdjustmentOut, LowStockList, MoveList, MovesQuery
from ..db.models import as_utc
from ..queries import inventory
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import stock
from .registry import BAKEHOUSE, current_principal, operation


@operation("POST", "/stock-adjustments", summary="Adjust stock", tag="stock", roles=BAKEHOUSE,
           body=AdjustmentIn, response=AdjustmentOut, status=201, errors=(409, 422))
def create_adjustment(body: AdjustmentIn) -> dict:
    outcome = stock.adjust_stock(sessions(), **body.model_dump(), user_id=current_principal().id)
    adjustment = outcome.result
    assert adjustment is not None
    return {"id": adjustment.id, "material_id": adjustment.material_id,
            "product_id": adjustment.product_id, "quantity_delta": adjustment.quantity_delta,
            "reason": adjustment.reason, "note": adjustment.note,
            "created_by": adjustment.created_by, "created_at": as_utc(adjustment.created_at)}


@operation("GET", "/stock-moves", summary="Read the stock ledger", tag="stock", roles=BAKEHOUSE,
           query=MovesQuery, response=MoveList)
def list_moves(query: MovesQuery) -> dict:
    with sessions()() as session:
        items, cursor = inventory.list_moves(session, page_request(query.limit, query.cursor),
                                             query.material_id, query.product_id)
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/alerts/low-stock", summary="List low-stock alerts", tag="stock",
           roles=BAKEHOUSE, response=LowStockList)
def low_stock() -> dict:
    with sessions()() as session:
        return {"items": inventory.low_stock(session)}
