"""A small bakery built for tests that need stock to work with: through the API or the services.

`Bakery` knows the scenario (names, defaults, what a stocked bread is); a backend knows how one
step is sent. `ThroughApi` makes each step a request, as a client would, and answers with the
JSON body; `ThroughServices` calls the use cases directly and answers with their results.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from bakery.config import TESTING_PASSWORD_HASH
from bakery.services import catalog, stock
from bakery.services.users import create_user


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


class Backend(Protocol):
    def material(self, name: str, unit: str, min_quantity: str) -> int: ...
    def batch(self, material_id: int, quantity: str, cost: str, purchased: date | None,
              **options: Any) -> Any: ...
    def product(self, name: str, price: str, **options: Any) -> int: ...
    def recipe(self, name: str, product_id: int, yield_quantity: str,
               ingredients: dict[int, str]) -> int: ...
    def bake(self, recipe_id: int, batches: int, **options: Any) -> Any: ...
    def sell(self, items: dict[int, str], **options: Any) -> Any: ...


class Stocked(NamedTuple):
    flour: int
    bread: int
    recipe: int


class Bakery:
    """Materials, batches, products, recipes, bakes and sales, with defaults tests can rely on."""

    def __init__(self, through: Backend) -> None:
        self.through = through

    def material(self, name: str | None = None, unit: str = "kg", min_quantity: str = "0") -> int:
        return self.through.material(name or unique("Flour"), unit, min_quantity)

    def batch(self, material_id: int, quantity: str, cost: str,
              purchased: date | str | None = None, **options: Any) -> Any:
        day = date.fromisoformat(purchased) if isinstance(purchased, str) else purchased
        return self.through.batch(material_id, quantity, cost, day, **options)

    def product(self, name: str | None = None, price: str = "3.00", **options: Any) -> int:
        """A product; options such as tax_rate="20" or eat_in_tax_rate="20" as the API takes."""
        return self.through.product(name or unique("Bread"), price, **options)

    def recipe(self, product_id: int, ingredients: dict[int, str], yield_quantity: str = "10",
               name: str | None = None) -> int:
        return self.through.recipe(name or unique("recipe"), product_id, yield_quantity,
                                   ingredients)

    def bake(self, recipe_id: int, batches: int = 1, **options: Any) -> Any:
        return self.through.bake(recipe_id, batches, **options)

    def sell(self, items: dict[int, str], **options: Any) -> Any:
        return self.through.sell(items, **options)

    def stocked(self, loaves: int = 10, price: str = "3.00") -> Stocked:
        """Flour at 1.00/kg and a bread of 1 kg per loaf with `loaves` in stock."""
        flour = self.material()
        if loaves:
            self.batch(flour, str(loaves), "1.00", date(2026, 1, 1))
        bread = self.product(price=price)
        recipe = self.recipe(bread, {flour: "1"}, yield_quantity="1")
        if loaves:
            self.bake(recipe, loaves)
        return Stocked(flour, bread, recipe)

    def stocked_bread(self, loaves: int = 10, price: str = "3.00") -> int:
        """A product with `loaves` units in stock (see `stocked`)."""
        return self.stocked(loaves, price).bread


class ThroughApi:
    """Each step is a request by the client's user; the answer is the response's JSON body."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def material(self, name: str, unit: str, min_quantity: str) -> int:
        return int(self.api.ok("POST", "/materials", 201, json={
            "name": name, "unit": unit, "min_quantity": min_quantity})["id"])

    def batch(self, material_id: int, quantity: str, cost: str, purchased: date | None,
              **options: Any) -> Any:
        body: dict[str, Any] = {"quantity": quantity, "cost_per_unit": cost, **options}
        if purchased:
            body["purchase_date"] = purchased.isoformat()
        return self.api.ok("POST", f"/materials/{material_id}/batches", 201, json=body)

    def product(self, name: str, price: str, **options: Any) -> int:
        return int(self.api.ok("POST", "/products", 201,
                               json={"name": name, "price": price, **options})["id"])

    def recipe(self, name: str, product_id: int, yield_quantity: str,
               ingredients: dict[int, str]) -> int:
        return int(self.api.ok("POST", "/recipes", 201, json={
            "name": name, "product_id": product_id, "yield_quantity": yield_quantity,
            "ingredients": [{"material_id": m, "quantity": q} for m, q in ingredients.items()],
        })["id"])

    def bake(self, recipe_id: int, batches: int, **options: Any) -> Any:
        return self.api.ok("POST", "/production-runs", 201,
                           json={"recipe_id": recipe_id, "batches": batches, **options})

    def sell(self, items: dict[int, str], status: int = 201, **options: Any) -> Any:
        return self.api.ok("POST", "/sales", status, json={
            "items": [{"product_id": p, "quantity": q} for p, q in items.items()], **options})


class ThroughServices:
    """Each step is a use case called directly, as one admin; the answer is its result."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.user_id = create_user(factory, email=f"{unique('admin')}@bakery.test", role="admin",
                                   password="long enough bread", hash_method=TESTING_PASSWORD_HASH)

    def material(self, name: str, unit: str, min_quantity: str) -> int:
        return catalog.create_material(self.factory, name=name, unit=unit,
                                       min_quantity=Decimal(min_quantity))

    def batch(self, material_id: int, quantity: str, cost: str, purchased: date | None,
              **options: Any) -> Any:
        return stock.receive_batch(self.factory, material_id, quantity=Decimal(quantity),
                                   cost_per_unit=Decimal(cost), purchase_date=purchased,
                                   user_id=self.user_id, **options)

    def product(self, name: str, price: str, **options: Any) -> int:
        rates = {key: Decimal(value) for key, value in options.items()}
        return catalog.create_product(self.factory, name=name, price=Decimal(price), **rates)

    def recipe(self, name: str, product_id: int, yield_quantity: str,
               ingredients: dict[int, str]) -> int:
        return catalog.save_recipe(self.factory, None, {
            "name": name, "product_id": product_id, "yield_quantity": Decimal(yield_quantity),
            "ingredients": [{"material_id": m, "quantity": Decimal(q)}
                            for m, q in ingredients.items()]})

    def bake(self, recipe_id: int, batches: int, **options: Any) -> Any:
        return stock.run_production(self.factory, recipe_id=recipe_id, batches=batches,
                                    user_id=self.user_id, **options)

    def sell(self, items: dict[int, str], **options: Any) -> Any:
        return stock.record_sale(self.factory, [(p, Decimal(q)) for p, q in items.items()],
                                 user_id=self.user_id, **options)
