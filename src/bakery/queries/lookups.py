"""Look-ups: the names pages show beside ids, and whether the bakery holds any data yet."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import Material, Product, Recipe, Sale

NAMED: dict[str, type[Material] | type[Product] | type[Recipe]] = {
    "material": Material, "product": Product, "recipe": Recipe}


def names(session: Session, kind: str) -> dict[int, str]:
    """id -> name of every material, product or recipe (a bakery has hundreds at most)."""
    model = NAMED[kind]
    return {row.id: row.name for row in session.execute(select(model.id, model.name))}


def holds_data(session: Session) -> dict[str, int]:
    """How many materials, products, recipes and sales exist (zero everywhere: an empty bakery)."""
    return {model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Material, Product, Recipe, Sale)}
