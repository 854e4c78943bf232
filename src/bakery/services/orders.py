"""Customer orders and standing orders: take them, fulfil them as a sale, cancel or end them.

Fulfilling is a sale (services.stock.record_sale: FIFO cost, all or nothing) whose transaction
also checks the order is still open and marks it fulfilled, so an order is sold once whatever
the concurrency: the order row is locked before the products, and a second fulfilment finds it
fulfilled and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..clock import today
from ..db.engine import Executor, transaction
from ..db.locks import lock_rows
from ..db.models import (
    CustomerOrder,
    CustomerOrderItem,
    Material,
    MaterialSupplier,
    Product,
    StandingOrder,
    StandingOrderItem,
    utcnow,
)
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.numbers import ZERO
from ..domain.orders import check_due_date, standing_due_on, weekdays_code
from .stock import SaleResult, record_sale
from .unit_of_work import Idempotency, Outcome, SessionFactory, run_once

Lines = Sequence[tuple[int, Decimal]]


def _check_products(session: Session, items: Lines) -> None:
    ids = {product_id for product_id, _ in items}
    known = set(session.scalars(select(Product.id).where(Product.id.in_(ids))))
    missing = {f"items.{i}.product_id": f"no product with id {pid}"
               for i, (pid, _) in enumerate(items) if pid not in known}
    if missing:
        raise ValidationFailed("unknown product", missing)


def create_order(factory: SessionFactory, *, customer: str, due_date: date, items: Lines,
                 note: str | None = None, deposit: Decimal = ZERO, user_id: int | None = None,
                 idem: Idempotency | None = None) -> Outcome[int]:
    """Take a pre-order due on a day (today or later)."""
    check_due_date(due_date, today())

    def work(session: Session) -> int:
        _check_products(session, items)
        order_id = session.execute(insert(CustomerOrder).returning(CustomerOrder.id), {
            "customer": customer, "due_date": due_date, "deposit": deposit, "note": note,
            "status": "open", "created_at": utcnow(), "created_by": user_id}).scalar_one()
        session.execute(insert(CustomerOrderItem), [
            {"order_id": order_id, "product_id": pid, "quantity": qty} for pid, qty in items])
        return int(order_id)

    return run_once(factory, idem, work, lambda order_id: order_id)


def _lock_open_order(session: Executor, order_id: int) -> None:
    row = lock_rows(session, CustomerOrder, [order_id], CustomerOrder.status).get(order_id)
    if row is None:
        raise NotFound(f"no order with id {order_id}")
    if row.status != "open":
        raise Conflict(f"the order is {row.status}", {"status": row.status})


def _close(session: Executor, order_id: int, status: str, sale_id: int | None = None) -> None:
    session.execute(update(CustomerOrder).where(CustomerOrder.id == order_id).values(
        status=status, sale_id=sale_id, closed_at=utcnow()))


def _order_lines(factory: SessionFactory, order_id: int) -> list[tuple[int, Decimal]]:
    with factory() as session:
        if session.get(CustomerOrder, order_id) is None:
            raise NotFound(f"no order with id {order_id}")
        return [(r.product_id, r.quantity) for r in session.execute(
            select(CustomerOrderItem.product_id, CustomerOrderItem.quantity)
            .where(CustomerOrderItem.order_id == order_id).order_by(CustomerOrderItem.id))]


def fulfil_order(factory: SessionFactory, order_id: int, *, user_id: int | None = None,
                 idem: Idempotency | None = None) -> Outcome[SaleResult]:
    """Sell an open order's items (all or nothing) and mark it fulfilled with that sale."""
    items = _order_lines(factory, order_id)  # an order's lines never change once taken
    return record_sale(
        factory, items, user_id=user_id, idem=idem,
        before=lambda session: _lock_open_order(session, order_id),
        after=lambda session, sale: _close(session, order_id, "fulfilled", sale.id))


def cancel_order(factory: SessionFactory, order_id: int) -> None:
    """Cancel an open order; a fulfilled or cancelled one stays as it is (409)."""
    with transaction(factory) as session:
        _lock_open_order(session, order_id)
        _close(session, order_id, "cancelled")


# --- standing orders -------------------------------------------------------------------------

def create_standing_order(factory: SessionFactory, *, customer: str, weekdays: Sequence[int],
                          starts_on: date, items: Lines, ends_on: date | None = None,
                          note: str | None = None, user_id: int | None = None) -> int:
    """Take a repeating order: these items on these weekdays from `starts_on`."""
    code = weekdays_code(weekdays)
    check_due_date(starts_on, today(), "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed("the order ends before it starts",
                               {"ends_on": "must not be before starts_on"})
    with transaction(factory) as session:
        _check_products(session, items)
        standing_id = session.execute(insert(StandingOrder).returning(StandingOrder.id), {
            "customer": customer, "weekdays": code, "starts_on": starts_on, "ends_on": ends_on,
            "note": note, "created_at": utcnow(), "created_by": user_id}).scalar_one()
        session.execute(insert(StandingOrderItem), [
            {"standing_order_id": standing_id, "product_id": pid, "quantity": qty}
            for pid, qty in items])
        return int(standing_id)


def end_standing_order(factory: SessionFactory, standing_id: int, ends_on: date) -> None:
    """Stop a standing order after `ends_on` (today or later; never before it started)."""
    check_due_date(ends_on, today(), "ends_on")
    with transaction(factory) as session:
        row = lock_rows(session, StandingOrder, [standing_id], StandingOrder.starts_on,
                        StandingOrder.ends_on).get(standing_id)
        if row is None:
            raise NotFound(f"no standing order with id {standing_id}")
        if row.ends_on is not None and row.ends_on < today():
            raise Conflict("the standing order has already ended", {"ends_on": str(row.ends_on)})
        if ends_on < row.starts_on:
            raise ValidationFailed("the order ends before it starts",
                                   {"ends_on": "must not be before starts_on"})
        session.execute(update(StandingOrder).where(StandingOrder.id == standing_id)
                        .values(ends_on=ends_on))


def _standing(factory: SessionFactory, standing_id: int, day: date) -> tuple[str, Lines]:
    with factory() as session:
        order = session.get(StandingOrder, standing_id)
        if order is None:
            raise NotFound(f"no standing order with id {standing_id}")
        if not standing_due_on(order.weekdays, order.starts_on, order.ends_on, day):
            raise ValidationFailed("the standing order is not due that day",
                                   {"date": f"not a delivery day of standing order {standing_id}"})
        lines = [(r.product_id, r.quantity) for r in session.execute(
            select(StandingOrderItem.product_id, StandingOrderItem.quantity)
            .where(StandingOrderItem.standing_order_id == standing_id)
            .order_by(StandingOrderItem.id))]
        return order.customer, lines


def _not_delivered(session: Executor, standing_id: int, day: date) -> None:
    lock_rows(session, StandingOrder, [standing_id])
    done = session.scalar(select(CustomerOrder.id).where(
        CustomerOrder.standing_order_id == standing_id, CustomerOrder.due_date == day))
    if done is not None:
        raise Conflict(f"the delivery of {day.isoformat()} is already recorded (order {done})",
                       {"order_id": done})


def _record_delivery(session: Executor, standing_id: int, customer: str, day: date,
                     lines: Lines, sale: SaleResult | None, user_id: int | None) -> int:
    order_id = session.execute(insert(CustomerOrder).returning(CustomerOrder.id), {
        "customer": customer, "due_date": day, "deposit": ZERO, "note": None,
        "status": "fulfilled" if sale else "cancelled", "standing_order_id": standing_id,
        "sale_id": sale.id if sale else None, "created_at": utcnow(), "created_by": user_id,
        "closed_at": utcnow()}).scalar_one()
    session.execute(insert(CustomerOrderItem), [
        {"order_id": order_id, "product_id": pid, "quantity": qty} for pid, qty in lines])
    return int(order_id)


def deliver_standing_order(factory: SessionFactory, standing_id: int, day: date, *,
                           user_id: int | None = None, idem: Idempotency | None = None) -> int:
    """Sell a standing order's delivery for a day, recorded as a fulfilled order: its id (the
    first one's, for a repeated Idempotency-Key)."""
    customer, lines = _standing(factory, standing_id, day)
    made: list[int] = []
    outcome = record_sale(
        factory, list(lines), user_id=user_id, idem=idem,
        before=lambda session: _not_delivered(session, standing_id, day),
        after=lambda session, sale: made.append(
            _record_delivery(session, standing_id, customer, day, lines, sale, user_id)))
    if made:
        return made[0]
    with factory() as session:  # a replayed key: the order its sale fulfilled
        return int(session.scalars(select(CustomerOrder.id).where(
            CustomerOrder.sale_id == outcome.resource_id)).one())


def skip_standing_order(factory: SessionFactory, standing_id: int, day: date, *,
                        user_id: int | None = None) -> int:
    """Skip one day's delivery (the cafe is closed): recorded as a cancelled order."""
    customer, lines = _standing(factory, standing_id, day)
    check_due_date(day, today(), "date")
    with transaction(factory) as session:
        _not_delivered(session, standing_id, day)
        return _record_delivery(session, standing_id, customer, day, lines, None, user_id)


# --- suppliers -------------------------------------------------------------------------------

def set_supplier(factory: SessionFactory, material_id: int, *, supplier: str,
                 lead_time_days: int) -> None:
    """Say who a material is bought from and how many days an order takes to arrive."""
    with transaction(factory) as session:
        if not lock_rows(session, Material, [material_id]):
            raise NotFound(f"no material with id {material_id}")
        row = session.get(MaterialSupplier, material_id)
        if row is None:
            session.add(MaterialSupplier(material_id=material_id, supplier=supplier,
                                         lead_time_days=lead_time_days))
        else:
            row.supplier, row.lead_time_days = supplier, lead_time_days
