"""Sales at the counter."""

from __future__ import annotations

from ..clock import bakery_zone
from ..contract.schemas import SaleIn, SaleList, SaleOut, SalesQuery
from ..queries import history
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import stock
from ..services.unit_of_work import Idempotency
from .registry import TILL, current_principal, operation


@operation("POST", "/sales", summary="Record a sale", tag="sales", roles=TILL, body=SaleIn,
           response=SaleOut, status=201, idempotent=True, errors=(409, 422))
def create_sale(body: SaleIn, idem: Idempotency | None) -> dict:
    items = [(line.product_id, line.quantity) for line in body.items]
    outcome = stock.record_sale(sessions(), items, user_id=current_principal().id, idem=idem)
    if outcome.result is None:  # a replayed key: the sale the first request made
        with sessions()() as session:
            return history.get_sale(session, outcome.resource_id)
    return history.sale_dict(outcome.result, outcome.result.items)


@operation("GET", "/sales", summary="List sales", tag="sales", roles=TILL, query=SalesQuery,
           response=SaleList)
def list_sales(query: SalesQuery) -> dict:
    with sessions()() as session:
        items, cursor = history.list_sales(session, page_request(query.limit, query.cursor),
                                           query.from_, query.to, bakery_zone())
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/sales/{sale_id}", summary="Show a sale", tag="sales", roles=TILL,
           response=SaleOut, errors=(404,))
def get_sale(sale_id: int) -> dict:
    with sessions()() as session:
        return history.get_sale(session, sale_id)
