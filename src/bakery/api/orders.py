"""Customer orders (pre-orders due on a day) and standing orders (repeating on weekdays)."""

from __future__ import annotations

from ..contract.schemas import (
    OrderIn,
    OrderList,
    OrderOut,
    OrdersQuery,
    PageQuery,
    StandingDayIn,
    StandingEndIn,
    StandingOrderIn,
    StandingOrderList,
    StandingOrderOut,
)
from ..queries import orders
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import orders as ordering
from ..services.unit_of_work import Idempotency
from .registry import ALL_ROLES, MANAGERS, TILL, current_principal, operation


def _order(order_id: int) -> dict:
    with sessions()() as session:
        return orders.get_order(session, order_id)


@operation("POST", "/orders", summary="Take a customer order", tag="orders", roles=TILL,
           body=OrderIn, response=OrderOut, status=201, idempotent=True, errors=(409, 422))
def create_order(body: OrderIn, idem: Idempotency | None) -> dict:
    outcome = ordering.create_order(
        sessions(), customer=body.customer, due_date=body.due_date, note=body.note,
        deposit=body.deposit, items=[(i.product_id, i.quantity) for i in body.items],
        user_id=current_principal().id, idem=idem)
    return _order(outcome.resource_id)


@operation("GET", "/orders", summary="List customer orders", tag="orders", roles=ALL_ROLES,
           query=OrdersQuery, response=OrderList)
def list_orders(query: OrdersQuery) -> dict:
    with sessions()() as session:
        items, cursor = orders.list_orders(session, page_request(query.limit, query.cursor),
                                           query.due, query.status)
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/orders/{order_id}", summary="Show a customer order", tag="orders",
           roles=ALL_ROLES, response=OrderOut, errors=(404,))
def get_order(order_id: int) -> dict:
    return _order(order_id)


@operation("POST", "/orders/{order_id}/fulfil", summary="Fulfil a customer order as a sale",
           tag="orders", roles=TILL, response=OrderOut, idempotent=True, errors=(404, 409, 422))
def fulfil_order(order_id: int, idem: Idempotency | None) -> dict:
    ordering.fulfil_order(sessions(), order_id, user_id=current_principal().id, idem=idem)
    return _order(order_id)


@operation("POST", "/orders/{order_id}/cancel", summary="Cancel a customer order",
           tag="orders", roles=TILL, response=OrderOut, errors=(404, 409))
def cancel_order(order_id: int) -> dict:
    ordering.cancel_order(sessions(), order_id)
    return _order(order_id)


@operation("POST", "/standing-orders", summary="Take a standing order", tag="orders",
           roles=MANAGERS, body=StandingOrderIn, response=StandingOrderOut, status=201,
           errors=(422,))
def create_standing_order(body: StandingOrderIn) -> dict:
    standing_id = ordering.create_standing_order(
        sessions(), customer=body.customer, weekdays=body.weekdays, starts_on=body.starts_on,
        ends_on=body.ends_on, note=body.note,
        items=[(i.product_id, i.quantity) for i in body.items], user_id=current_principal().id)
    with sessions()() as session:
        return orders.get_standing_order(session, standing_id)


@operation("GET", "/standing-orders", summary="List standing orders", tag="orders",
           roles=ALL_ROLES, query=PageQuery, response=StandingOrderList)
def list_standing_orders(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = orders.list_standing_orders(session,
                                                    page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/standing-orders/{so_id}", summary="Show a standing order",
           tag="orders", roles=ALL_ROLES, response=StandingOrderOut, errors=(404,))
def get_standing_order(so_id: int) -> dict:
    with sessions()() as session:
        return orders.get_standing_order(session, so_id)


@operation("POST", "/standing-orders/{so_id}/end", summary="End a standing order",
           tag="orders", roles=MANAGERS, body=StandingEndIn, response=StandingOrderOut,
           errors=(404, 409, 422))
def end_standing_order(so_id: int, body: StandingEndIn) -> dict:
    ordering.end_standing_order(sessions(), so_id, body.ends_on)
    with sessions()() as session:
        return orders.get_standing_order(session, so_id)


@operation("POST", "/standing-orders/{so_id}/deliveries",
           summary="Deliver a standing order for a day as a sale", tag="orders", roles=TILL,
           body=StandingDayIn, response=OrderOut, status=201, idempotent=True,
           errors=(404, 409, 422))
def deliver_standing_order(so_id: int, body: StandingDayIn, idem: Idempotency | None) -> dict:
    return _order(ordering.deliver_standing_order(sessions(), so_id, body.date,
                                                  user_id=current_principal().id, idem=idem))


@operation("POST", "/standing-orders/{so_id}/skips",
           summary="Skip a standing order's delivery for a day", tag="orders", roles=TILL,
           body=StandingDayIn, response=OrderOut, status=201, errors=(404, 409, 422))
def skip_standing_order(so_id: int, body: StandingDayIn) -> dict:
    return _order(ordering.skip_standing_order(sessions(), so_id, body.date,
                                               user_id=current_principal().id))


