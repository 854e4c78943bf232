"""Customer and standing orders as the API and the pages show them, and what a day has ordered."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import (
    CustomerOrder,
    CustomerOrderItem,
    Product,
    StandingOrder,
    StandingOrderItem,
)
from ..domain.errors import NotFound
from ..domain.numbers import ZERO, money
from ..domain.orders import standing_due_on, weekdays_list
from .pages import PageRequest, paged, split_page


def _items(session: Session, model: Any, key: Any, ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    rows = session.execute(
        select(key.label("owner"), model.product_id, Product.name, Product.price, model.quantity)
        .join(Product, Product.id == model.product_id)
        .where(key.in_(ids)).order_by(model.id))
    for r in rows:
        found[r.owner].append({"product_id": r.product_id, "name": r.name,
                               "quantity": r.quantity, "unit_price": r.price,
                               "line_total": money(r.quantity * r.price)})
    return found


def order_dict(order: Any, items: list[dict]) -> dict:
    total = sum((i["line_total"] for i in items), ZERO)
    return {"id": order.id, "customer": order.customer, "due_date": order.due_date,
            "status": order.status, "deposit": order.deposit, "note": order.note,
            "items": items, "total": total, "balance": max(total - order.deposit, ZERO),
            "standing_order_id": order.standing_order_id, "sale_id": order.sale_id,
            "created_at": order.created_at, "closed_at": order.closed_at}


def _orders_with_items(session: Session, orders: list[Any]) -> list[dict]:
    items = _items(session, CustomerOrderItem, CustomerOrderItem.order_id, [o.id for o in orders])
    return [order_dict(o, items.get(o.id, [])) for o in orders]


def list_orders(session: Session, page: PageRequest, due: date | None = None,
                status: str | None = None) -> tuple[list[dict], str | None]:
    query = select(CustomerOrder)
    if due is not None:
        query = query.where(CustomerOrder.due_date == due)
    if status is not None:
        query = query.where(CustomerOrder.status == status)
    rows = list(session.scalars(paged(query, CustomerOrder.id, page)))
    shown, cursor = split_page(rows, page)
    return _orders_with_items(session, shown), cursor


def get_order(session: Session, order_id: int) -> dict:
    order = session.get(CustomerOrder, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}")
    return _orders_with_items(session, [order])[0]


def standing_dict(order: Any, items: list[dict]) -> dict:
    return {"id": order.id, "customer": order.customer, "weekdays": weekdays_list(order.weekdays),
            "starts_on": order.starts_on, "ends_on": order.ends_on, "note": order.note,
            "items": items, "created_at": order.created_at}


def _standing_with_items(session: Session, orders: list[Any]) -> list[dict]:
    items = _items(session, StandingOrderItem, StandingOrderItem.standing_order_id,
                   [o.id for o in orders])
    return [standing_dict(o, items.get(o.id, [])) for o in orders]


def list_standing_orders(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    rows = list(session.scalars(paged(select(StandingOrder), StandingOrder.id, page)))
    shown, cursor = split_page(rows, page)
    return _standing_with_items(session, shown), cursor


def get_standing_order(session: Session, standing_id: int) -> dict:
    order = session.get(StandingOrder, standing_id)
    if order is None:
        raise NotFound(f"no standing order with id {standing_id}")
    return _standing_with_items(session, [order])[0]


def standing_due(session: Session, day: date) -> list[dict]:
    """Standing orders delivering on `day` and not yet delivered or skipped for it."""
    recorded = select(CustomerOrder.standing_order_id).where(
        CustomerOrder.due_date == day, CustomerOrder.standing_order_id.is_not(None))
    candidates = list(session.scalars(
        select(StandingOrder).where(StandingOrder.starts_on <= day,
                                    (StandingOrder.ends_on.is_(None)) | (StandingOrder.ends_on >= day),
                                    StandingOrder.id.not_in(recorded))
        .order_by(StandingOrder.id)))
    due = [o for o in candidates if standing_due_on(o.weekdays, o.starts_on, o.ends_on, day)]
    return _standing_with_items(session, due)


def ordered_on(session: Session, day: date) -> dict[int, Decimal]:
    """Per product, what open orders and undelivered standing orders want on `day`."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for r in session.execute(
            select(CustomerOrderItem.product_id, CustomerOrderItem.quantity)
            .join(CustomerOrder, CustomerOrder.id == CustomerOrderItem.order_id)
            .where(CustomerOrder.due_date == day, CustomerOrder.status == "open")):
        totals[r.product_id] += r.quantity
    for order in standing_due(session, day):
        for item in order["items"]:
            totals[item["product_id"]] += item["quantity"]
    return dict(totals)
