"""The dashboard's figures: a day's sales and takings. Never writes."""

from __future__ import annotations

from datetime import date, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import bakery_zone, day_bounds, today
from ..db.models import Sale
from ..domain.numbers import money


def sales_on(session: Session, day: date, tz: Any = timezone.utc) -> dict:
    """How many sales a day had and what they brought in."""
    lower, upper = day_bounds(day, day, tz)
    S = Sale.__table__
    count, revenue = session.execute(
        select(func.count(S.c.id), func.coalesce(func.sum(S.c.total), 0))
        .where(S.c.created_at >= lower, S.c.created_at < upper)
    ).one()
    return {"day": day, "count": int(count), "revenue": money(Decimal(revenue))}


def sales_today(session: Session) -> dict:
    """Sales of the bakery's day so far (its local day, by BAKERY_TIMEZONE)."""
    return sales_on(session, today(), bakery_zone())
