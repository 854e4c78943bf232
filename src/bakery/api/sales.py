"""Sales at the counter, their refunds and voids."""

from __future__ import annotations

from ..clock import bakery_zone
from ..contract.schemas import (
    RefundIn,
    RefundList,
    RefundOut,
    SaleIn,
    SaleList,
    SaleOut,
    SalesQuery,
)
from ..domain.errors import ValidationFailed
from ..domain.payments import Payment
from ..queries import history
from ..queries.pages import page_request
from ..runtime import sessions, settings
from ..services import refunds, stock
from ..services.unit_of_work import Idempotency
from .registry import TILL, current_principal, operation


@operation("POST", "/sales", summary="Record a sale", tag="sales", roles=TILL, body=SaleIn,
           response=SaleOut, status=201, idempotent=True, errors=(409, 422))
def create_sale(body: SaleIn, idem: Idempotency | None) -> dict:
    if body.till_session_id is None and settings().require_till_session:
        raise ValidationFailed("open a till session first", {
            "till_session_id": "this bakery sells only within an open till session"})
    items = [(line.product_id, line.quantity) for line in body.items]
    payments = [Payment(p.method, p.amount) for p in body.payments] if body.payments else None
    outcome = stock.record_sale(sessions(), items, user_id=current_principal().id, idem=idem,
                                payments=payments, eat_in=body.eat_in,
                                till_session_id=body.till_session_id)
    if outcome.result is None:  # a replayed key: the sale the first request made
        with sessions()() as session:
            return history.get_sale(session, outcome.resource_id)
    return history.sale_dict(outcome.result, outcome.result.items, outcome.result.payments)


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


@operation("POST", "/sales/{sale_id}/refunds", summary="Refund or void a sale", tag="sales",
           roles=TILL, body=RefundIn, response=RefundOut, status=201, idempotent=True,
           errors=(403, 404, 409, 422))
def create_refund(sale_id: int, body: RefundIn, idem: Idempotency | None) -> dict:
    principal = current_principal()
    who = refunds.Refunder(principal.id, principal.role, settings().void_minutes)
    items = [(line.product_id, line.quantity) for line in body.items] if body.items else None
    outcome = refunds.refund_sale(sessions(), sale_id, who, items=items, restock=body.restock,
                                  reason=body.reason, method=body.method,
                                  till_session_id=body.till_session_id, idem=idem)
    with sessions()() as session:
        return history.get_refund(session, outcome.resource_id)


@operation("GET", "/sales/{sale_id}/refunds", summary="List the refunds of a sale", tag="sales",
           roles=TILL, response=RefundList, errors=(404,))
def list_refunds(sale_id: int) -> dict:
    with sessions()() as session:
        return {"items": history.refunds_of_sale(session, sale_id)}
