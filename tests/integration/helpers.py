"""Shared by the service tests: a small bakery built through the services, and row counts."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bakery.db.models import Base, MaterialBatch, ProductLot, StockMove
from bakery.queries.inventory import ledger_mismatches
from bakery.services import catalog, stock
from bakery.services.users import create_user


def snapshot(factory: Any) -> dict[str, Any]:
    """Row counts of every table and the stock held, to prove a failure wrote nothing."""
    with factory() as session:
        counts: dict[str, Any] = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        counts["batches.remaining"] = session.scalar(select(func.sum(MaterialBatch.remaining)))
        counts["lots.remaining"] = session.scalar(select(func.sum(ProductLot.remaining)))
        counts["moves.delta"] = session.scalar(select(func.sum(StockMove.delta)))
    return counts


def mismatches(factory: Any) -> list[dict]:
    with factory() as session:
        return ledger_mismatches(session)


class Shop:
    """A bakery built through the service layer (no HTTP)."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.user_id = create_user(factory, email=f"u-{uuid.uuid4().hex[:8]}@bakery.test",
                                   role="admin", password="long enough")

    def material(self, name: str | None = None, min_quantity: str = "0") -> int:
        return catalog.create_material(self.factory, name=name or f"m-{uuid.uuid4().hex[:8]}",
                                       unit="kg", min_quantity=Decimal(min_quantity))

    def batch(self, material_id: int, quantity: str, cost: str, day: date | None = None,
              **kwargs: Any) -> Any:
        return stock.receive_batch(self.factory, material_id, quantity=Decimal(quantity),
                                   cost_per_unit=Decimal(cost), purchase_date=day,
                                   user_id=self.user_id, **kwargs)

    def product(self, price: str = "3.00", name: str | None = None) -> int:
        return catalog.create_product(self.factory, name=name or f"p-{uuid.uuid4().hex[:8]}",
                                      price=Decimal(price))

    def recipe(self, product_id: int, ingredients: dict[int, str], yield_quantity: str = "1") -> int:
        return catalog.save_recipe(self.factory, None, {
            "name": f"r-{uuid.uuid4().hex[:8]}", "product_id": product_id,
            "yield_quantity": Decimal(yield_quantity),
            "ingredients": [{"material_id": m, "quantity": Decimal(q)}
                            for m, q in ingredients.items()]})

    def bake(self, recipe_id: int, batches: int = 1, **kwargs: Any) -> Any:
        return stock.run_production(self.factory, recipe_id=recipe_id, batches=batches,
                                    user_id=self.user_id, **kwargs)

    def sell(self, items: dict[int, str], **kwargs: Any) -> Any:
        return stock.record_sale(self.factory, [(p, Decimal(q)) for p, q in items.items()],
                                 user_id=self.user_id, **kwargs)

    def stocked(self, loaves: int, price: str = "3.00") -> tuple[int, int, int]:
        """Flour at 1.00/kg and a bread of 1 kg per loaf with `loaves` in stock."""
        flour = self.material()
        if loaves:
            self.batch(flour, str(loaves), "1.00", date(2026, 1, 1))
        bread = self.product(price)
        recipe = self.recipe(bread, {flour: "1"})
        if loaves:
            self.bake(recipe, loaves)
        return flour, bread, recipe
