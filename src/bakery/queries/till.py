"""Till sessions as reports: the running X report of an open session, the Z report of a closed one.

The figures of an open session are summed from its sales, refunds and cash moves; a closed
session answers with the figures frozen when it was closed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, exists, func, select
from sqlalchemy.orm import Session

from ..db.models import (
    Refund,
    RefundItem,
    Sale,
    SaleItem,
    SalePayment,
    TillCashMove,
    TillSession,
    as_utc,
)
from ..domain.errors import NotFound
from ..domain.numbers import ZERO, money
from ..domain.payments import CASH, METHODS
from ..domain.tax import tax_by_rate
from ..domain.till import expected_cash, variance
from .pages import PageRequest, paged, split_page

T = TillSession.__table__
S = Sale.__table__
I = SaleItem.__table__  # noqa: E741
P = SalePayment.__table__
R = Refund.__table__
RI = RefundItem.__table__
CM = TillCashMove.__table__

def _dec(value: Any) -> Decimal:
    return money(Decimal(value or 0))


def figures(session: Session | Connection, session_id: int, opening_float: Decimal) -> dict:
    """Sales, revenue, tax by rate, refunds, payments by method and expected cash of a session."""
    sales = session.execute(
        select(func.count(), func.sum(S.c.total), func.sum(S.c.tax), func.sum(S.c.change))
        .where(S.c.till_session_id == session_id)).one()
    paid = dict.fromkeys(METHODS, ZERO)
    for method, amount in session.execute(
            select(P.c.method, func.sum(P.c.amount)).join(S, S.c.id == P.c.sale_id)
            .where(S.c.till_session_id == session_id).group_by(P.c.method)):
        paid[method] += _dec(amount)
    # A sale without payment rows was paid in cash, exactly.
    paid[CASH] += _dec(session.scalar(
        select(func.sum(S.c.total)).where(S.c.till_session_id == session_id,
                                          ~exists().where(P.c.sale_id == S.c.id))))
    change = _dec(sales[3])
    paid[CASH] -= change
    refunded = dict.fromkeys(METHODS, ZERO)
    refunds_count, refund_tax = 0, ZERO
    for method, count, amount, tax in session.execute(
            select(R.c.method, func.count(), func.sum(R.c.amount), func.sum(R.c.tax))
            .where(R.c.till_session_id == session_id).group_by(R.c.method)):
        refunded[method] += _dec(amount)
        refunds_count += count
        refund_tax += _dec(tax)
    rates = [(Decimal(rate), _dec(tax)) for rate, tax in session.execute(
        select(I.c.tax_rate, func.sum(I.c.tax)).join(S, S.c.id == I.c.sale_id)
        .where(S.c.till_session_id == session_id).group_by(I.c.tax_rate))]
    rates += [(Decimal(rate), -_dec(tax)) for rate, tax in session.execute(
        select(RI.c.tax_rate, func.sum(RI.c.tax)).join(R, R.c.id == RI.c.refund_id)
        .where(R.c.till_session_id == session_id).group_by(RI.c.tax_rate))]
    moves = _dec(session.scalar(select(func.sum(CM.c.amount))
                                .where(CM.c.till_session_id == session_id)))
    gross, refunds = _dec(sales[1]), sum(refunded.values(), ZERO)
    return {
        "sales_count": int(sales[0]), "gross_sales": gross, "revenue": gross - refunds,
        "tax": _dec(sales[2]) - refund_tax,
        "tax_by_rate": [{"rate": rate, "tax": tax} for rate, tax in tax_by_rate(rates).items()],
        "refunds": refunds, "refunds_count": refunds_count,
        "refunds_by_method": refunded, "payments": paid, "change": change, "cash_moves": moves,
        "expected_cash": expected_cash(opening_float, paid[CASH], refunded[CASH], moves),
    }


def session_dict(row: Any, report: dict) -> dict:
    """A till session with its report (X while open, Z once closed)."""
    return {"id": row.id, "till": row.till, "status": row.status, "number": row.number,
            "opening_float": row.opening_float, "opened_by": row.opened_by,
            "opened_at": as_utc(row.opened_at), "closed_by": row.closed_by,
            "closed_at": as_utc(row.closed_at) if row.closed_at else None,
            "counted_cash": row.counted_cash, "variance": row.variance, **report}


def frozen_report(report: dict) -> str:
    """The Z figures as stored at closing (decimals as strings)."""
    return json.dumps(report, default=str, sort_keys=True)


def _read_report(text: str) -> dict:
    report = json.loads(text)
    for name in ("expected_cash", "gross_sales", "revenue", "tax", "refunds", "change",
                 "cash_moves", "counted_cash", "variance"):
        report[name] = Decimal(report[name])
    for name in ("payments", "refunds_by_method"):
        report[name] = {k: Decimal(v) for k, v in report[name].items()}
    report["tax_by_rate"] = [{"rate": Decimal(r["rate"]), "tax": Decimal(r["tax"])}
                             for r in report["tax_by_rate"]]
    return report


def report_of(session: Session | Connection, row: Any) -> dict:
    """The session and its figures: frozen for a closed one, summed now for an open one."""
    if row.status == "closed" and row.z_report:
        return session_dict(row, _read_report(row.z_report))
    return session_dict(row, figures(session, row.id, row.opening_float))


def get_session(session: Session, session_id: int) -> dict:
    row = session.execute(select(T).where(T.c.id == session_id)).first()
    if row is None:
        raise NotFound(f"no till session with id {session_id}")
    return report_of(session, row)


def list_sessions(session: Session, page: PageRequest, status: str | None = None,
                  till: str | None = None) -> tuple[list[dict], str | None]:
    query = select(T)
    if status is not None:
        query = query.where(T.c.status == status)
    if till is not None:
        query = query.where(T.c.till == till)
    rows, cursor = split_page(session.execute(paged(query, T.c.id, page, newest_first=True)).all(),
                              page)
    return [report_of(session, row) for row in rows], cursor


def open_session_of(session: Session, till: str) -> dict | None:
    """The open session of a till, with its X report, or None."""
    row = session.execute(select(T).where(T.c.till == till, T.c.status == "open")).first()
    return report_of(session, row) if row is not None else None


def closing_figures(session: Session | Connection, row: Any, counted: Decimal) -> dict:
    """The figures a session closes with, counted cash and variance included."""
    report = figures(session, row.id, row.opening_float)
    report["counted_cash"] = counted
    report["variance"] = variance(counted, report["expected_cash"])
    return report


def get_cash_move(session: Session, move_id: int) -> dict:
    row = session.execute(select(CM).where(CM.c.id == move_id)).one()
    return {"id": row.id, "till_session_id": row.till_session_id, "amount": row.amount,
            "note": row.note}
