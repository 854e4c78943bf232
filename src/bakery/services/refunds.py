"""Refunds and voids: money and units given back, as rows and ledger moves of their own.

Nothing sold is edited. Restocked units go back onto the lots the sale drew them from, at the
cost those lots carried on the sale (the sale's ledger rows say which); units not restocked are
booked as waste on the same lots (a refund move and a waste move that cancel out). A refund
locks its sale first, so two refunds of one sale never give back more than was sold, and then
its products in id order, as a sale does, so refunds and sales never deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from ..db.engine import rows_param
from ..db.locks import lock_rows
from ..db.models import (
    Product,
    ProductLot,
    Quantity,
    Refund,
    RefundItem,
    Sale,
    SaleItem,
    SalePayment,
    StockMove,
    as_utc,
    utcnow,
)
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..domain.fifo import Draw
from ..domain.numbers import QUANTITY_PLACES, ZERO
from ..domain.payments import CASH
from ..domain.refunds import RefundLine, SoldLine, lots_to_return, refund_line
from ..domain.roles import MANAGERS
from .ledger import Move, write_moves
from .till import lock_open_session
from .unit_of_work import Idempotency, Outcome, SessionFactory, run_once

L = ProductLot.__table__
M = StockMove.__table__
R = Refund.__table__
RI = RefundItem.__table__
I = SaleItem.__table__  # noqa: E741
P = SalePayment.__table__
_RESTOCK = update(L).where(L.c.id == bindparam("layer_id")).values(
    remaining=func.round(L.c.remaining + bindparam("back", type_=Quantity), QUANTITY_PLACES))


@dataclass(frozen=True)
class Refunder:
    """Who asks for the refund, and how long a cashier may void their own sale."""

    user_id: int | None
    role: str
    void_minutes: int


@dataclass
class RefundResult:
    id: int
    sale_id: int
    items: list[RefundLine]
    amount: Decimal
    tax: Decimal
    cost: Decimal
    restock: bool
    method: str
    reason: str | None
    till_session_id: int | None
    created_at: datetime
    created_by: int | None


def _sold_lines(session: Session, sale_id: int) -> dict[int, SoldLine]:
    refunded: dict[int, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
    for row in session.execute(
            select(RI.c.product_id, func.sum(RI.c.quantity), func.sum(RI.c.amount),
                   func.sum(RI.c.tax), func.sum(RI.c.cost))
            .join(R, R.c.id == RI.c.refund_id).where(R.c.sale_id == sale_id)
            .group_by(RI.c.product_id)):
        refunded[row[0]] = tuple(Decimal(v) for v in row[1:])  # type: ignore[assignment]
    lines = {}
    for item in session.execute(select(I).where(I.c.sale_id == sale_id).order_by(I.c.id)):
        done = refunded.get(item.product_id, (ZERO, ZERO, ZERO, ZERO))
        lines[item.product_id] = SoldLine(
            item.product_id, Decimal(item.quantity), item.unit_price, item.line_total,
            Decimal(item.tax_rate), item.tax, item.cost, *done)
    return lines


def _drawn_and_returned(session: Session, sale_id: int
                        ) -> tuple[dict[int, list[Draw]], dict[int, Decimal]]:
    """The lots the sale drew (from its ledger rows) and what refunds put back on each."""
    drawn: dict[int, list[Draw]] = defaultdict(list)
    for move in session.execute(select(M.c.lot_id, M.c.product_id, M.c.delta, M.c.unit_cost)
                                .where(M.c.ref_type == "sale", M.c.ref_id == sale_id)
                                .order_by(M.c.id)):
        drawn[move.product_id].append(Draw(move.lot_id, move.product_id, -Decimal(move.delta),
                                           Decimal(move.unit_cost)))
    refund_ids = select(R.c.id).where(R.c.sale_id == sale_id).scalar_subquery()
    returned = {lot: Decimal(back) for lot, back in session.execute(
        select(M.c.lot_id, func.sum(M.c.delta))
        .where(M.c.ref_type == "refund", M.c.reason == "refund", M.c.ref_id.in_(refund_ids))
        .group_by(M.c.lot_id))}
    return drawn, returned


def _wanted(items: list[tuple[int, Decimal]] | None,
            lines: dict[int, SoldLine]) -> dict[int, Decimal]:
    if items is None:
        wanted = {pid: line.refundable for pid, line in lines.items() if line.refundable > 0}
        if not wanted:
            raise Conflict("everything on this sale was refunded already")
        return wanted
    wanted = {}
    for i, (pid, qty) in enumerate(items):
        if pid not in lines:
            raise ValidationFailed("a product not on this sale",
                                   {f"items.{i}.product_id": f"product {pid} is not on this sale"})
        wanted[pid] = wanted.get(pid, ZERO) + qty
    return wanted


def _may_refund(who: Refunder, sale: Any, lines: dict[int, SoldLine],
                wanted: dict[int, Decimal], now: datetime) -> None:
    """Managers refund any sale; a cashier voids a whole sale of their own, soon after it."""
    if who.role in MANAGERS:
        return
    if sale.created_by != who.user_id:
        raise Forbidden("a cashier may only void their own sales")
    whole = all(line.refunded_quantity == 0 and wanted.get(pid) == line.quantity
                for pid, line in lines.items()) and set(wanted) == set(lines)
    if not whole:
        raise Forbidden("a cashier may only void a whole sale; ask a manager for a partial refund")
    made = as_utc(sale.created_at)
    if now - made > timedelta(minutes=who.void_minutes):
        raise Forbidden(f"a sale can be voided for {who.void_minutes} minutes; ask a manager")


def refund_sale(factory: SessionFactory, sale_id: int, who: Refunder, *,
                items: list[tuple[int, Decimal]] | None = None, restock: bool = True,
                reason: str | None = None, method: str | None = None,
                till_session_id: int | None = None,
                idem: Idempotency | None = None) -> Outcome[RefundResult]:
    """Give back (part of) a sale: never more than was sold and not yet refunded."""

    def work(session: Session) -> RefundResult:
        connection = session.connection()
        if till_session_id is not None:
            lock_open_session(connection, till_session_id)
        sale = lock_rows(connection, Sale, [sale_id], Sale.created_by,
                         Sale.created_at).get(sale_id)
        if sale is None:
            raise NotFound(f"no sale with id {sale_id}")
        lines = _sold_lines(session, sale_id)
        wanted = _wanted(items, lines)
        now = utcnow()
        _may_refund(who, sale, lines, wanted, now)
        lock_rows(connection, Product, wanted)
        drawn, returned = _drawn_and_returned(session, sale_id)
        refunded = []
        for pid, qty in wanted.items():
            line = lines[pid]
            if qty > line.refundable:
                raise Conflict("more than was sold and not yet refunded", {
                    "product_id": pid, "requested": str(qty), "refundable": str(line.refundable)})
            refunded.append(refund_line(line, qty, lots_to_return(drawn[pid], returned, qty)))
        paid_by = method or session.scalar(
            select(P.c.method).where(P.c.sale_id == sale_id).order_by(P.c.id).limit(1)) or CASH
        amount = sum((r.amount for r in refunded), ZERO)
        tax = sum((r.tax for r in refunded), ZERO)
        cost = sum((r.cost for r in refunded), ZERO)
        refund_id = int(connection.execute(insert(R).returning(R.c.id), {
            "sale_id": sale_id, "till_session_id": till_session_id, "method": paid_by,
            "restock": restock, "reason": reason, "amount": amount, "tax": tax, "cost": cost,
            "created_at": now, "created_by": who.user_id}).scalar_one())
        connection.execute(insert(RI), rows_param([
            {"refund_id": refund_id, "product_id": r.product_id, "quantity": r.quantity,
             "amount": r.amount, "tax_rate": r.tax_rate, "tax": r.tax, "cost": r.cost}
            for r in refunded]))
        draws = [d for r in refunded for d in r.draws]
        moves = [Move(d.quantity, d.unit_cost, "refund", "refund", refund_id,
                      product_id=d.item_id, lot_id=d.layer_id) for d in draws]
        if restock:
            connection.execute(_RESTOCK, rows_param(
                [{"layer_id": d.layer_id, "back": d.quantity} for d in draws]))
        else:  # back across the counter and straight into the bin
            moves += [Move(-d.quantity, d.unit_cost, "waste", "refund", refund_id,
                           product_id=d.item_id, lot_id=d.layer_id) for d in draws]
        write_moves(connection, moves, who.user_id)
        return RefundResult(refund_id, sale_id, refunded, amount, tax, cost, restock, paid_by,
                            reason, till_session_id, now, who.user_id)

    return run_once(factory, idem, work, lambda r: r.id)
