"""Sales figures for owners, aggregated in SQL so they stay fast on years of history."""

from __future__ import annotations

from datetime import date, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import Product, Sale, SaleItem
from ..domain.numbers import ZERO
from .history import day_bounds

S = Sale.__table__
I = SaleItem.__table__  # noqa: E741


def _day_expression(session: Session) -> Any:
    """The UTC calendar day of a sale, as text YYYY-MM-DD, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", S.c.created_at), "YYYY-MM-DD")
    return func.substr(S.c.created_at, 1, 10)


def sales_report(session: Session, start: date, end: date, group_by: str) -> dict:
    """Quantity, revenue, cost and margin per day or per product over an inclusive date range."""
    lower, upper = day_bounds(start, end, timezone.utc)
    if group_by == "day":
        key = _day_expression(session).label("key")
        query = select(key, func.sum(I.c.quantity).label("quantity"),
                       func.sum(I.c.line_total).label("revenue"), func.sum(I.c.cost).label("cost")) \
            .select_from(I.join(S, S.c.id == I.c.sale_id)).group_by(key).order_by(key)
    else:
        key = Product.name.label("key")
        query = select(I.c.product_id, key, func.sum(I.c.quantity).label("quantity"),
                       func.sum(I.c.line_total).label("revenue"), func.sum(I.c.cost).label("cost")) \
            .select_from(I.join(S, S.c.id == I.c.sale_id).join(Product, Product.id == I.c.product_id)) \
            .group_by(I.c.product_id, Product.name).order_by(func.sum(I.c.line_total).desc(), key)
    query = query.where(S.c.created_at >= lower, S.c.created_at < upper)
    rows = []
    totals = {"quantity": ZERO, "revenue": ZERO, "cost": ZERO, "margin": ZERO}
    for r in session.execute(query):
        quantity, revenue, cost = Decimal(r.quantity), Decimal(r.revenue), Decimal(r.cost)
        row = {"key": r.key, "quantity": quantity, "revenue": revenue, "cost": cost,
               "margin": revenue - cost}
        if group_by == "product":
            row["product_id"] = r.product_id
        rows.append(row)
        for name in totals:
            totals[name] += row[name]
    return {"rows": rows, "totals": totals}
