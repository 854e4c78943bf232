"""The figures on the dashboard and the names pages show next to ids. Never writes."""

from __future__ import annotations

from datetime import date, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import bakery_zone, day_bounds, today
from ..db.models import Material, Product, Recipe, Sale, User
from ..domain.numbers import money

NAMED = {"material": Material, "product": Product, "recipe": Recipe}


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


def names(session: Session, kind: str) -> dict[int, str]:
    """id -> name of every material, product or recipe (a bakery has hundreds at most)."""
    model = NAMED[kind]
    return {row.id: row.name for row in session.execute(select(model.id, model.name))}


def units(session: Session) -> dict[int, str]:
    return {row.id: row.unit for row in session.execute(select(Material.id, Material.unit))}


def user_emails(session: Session) -> dict[int, str]:
    return {row.id: row.email for row in session.execute(select(User.id, User.email))}


def holds_data(session: Session) -> dict[str, int]:
    """How many materials, products, recipes and sales exist (zero everywhere: an empty bakery)."""
    return {model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Material, Product, Recipe, Sale)}
