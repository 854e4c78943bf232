"""The bake plan's arithmetic: how many whole batches of each recipe a day needs.

For each product: need = forecast + ordered + what the day's other batches use of it (an
intermediate such as a dough or a filling); to make = max(0, need - sellable stock); batches =
to make / yield, rounded up. Finished products are planned first and intermediates after every
recipe that uses them, so an intermediate's need includes the batches planned above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from .errors import ValidationFailed
from .numbers import ZERO
from .recipes import Ingredient


@dataclass(frozen=True)
class Component:
    """A recipe line that is itself a product (an intermediate), per batch."""

    product_id: int
    quantity: Decimal


@dataclass(frozen=True)
class PlanRecipe:
    """The recipe that makes a product, as the plan needs it."""

    recipe_id: int
    product_id: int
    yield_quantity: Decimal
    materials: list[Ingredient] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)


@dataclass(frozen=True)
class PlanLine:
    recipe_id: int
    product_id: int
    forecast: Decimal
    ordered: Decimal
    for_recipes: Decimal  # what other planned batches use of this product
    in_stock: Decimal
    to_make: Decimal
    batches: int


def stock_left_on(on_hand: Mapping[int, Decimal], expected: Mapping[int, Decimal]
                  ) -> dict[int, Decimal]:
    """What will still be in stock on the planned day: what is sellable now less what the days
    before it are expected to sell (their forecast and their orders), never below zero."""
    return {pid: max(qty - expected.get(pid, ZERO), ZERO) for pid, qty in on_hand.items()}


def batches_needed(to_make: Decimal, yield_quantity: Decimal) -> int:
    """Whole batches that make at least `to_make` units: ceil(to_make / yield)."""
    if to_make <= 0:
        return 0
    return int((to_make / yield_quantity).to_integral_value(ROUND_CEILING))


def _planning_order(recipes: Mapping[int, PlanRecipe]) -> list[int]:
    """Product ids, each after every product whose recipe uses it (finished goods first)."""
    users: dict[int, int] = dict.fromkeys(recipes, 0)  # how many recipes use each product
    for recipe in recipes.values():
        for component in recipe.components:
            if component.product_id in users:
                users[component.product_id] += 1
    ready = sorted(pid for pid, count in users.items() if count == 0)
    order: list[int] = []
    while ready:
        product_id = ready.pop(0)
        order.append(product_id)
        for component in recipes[product_id].components:
            if component.product_id in users:
                users[component.product_id] -= 1
                if users[component.product_id] == 0:
                    ready.append(component.product_id)
    if len(order) != len(recipes):
        stuck = sorted(set(recipes) - set(order))
        raise ValidationFailed("the recipes use each other in a circle",
                               {"product_ids": ", ".join(map(str, stuck))})
    return order


def plan_bake(recipes: Mapping[int, PlanRecipe], forecast: Mapping[int, Decimal],
              ordered: Mapping[int, Decimal], in_stock: Mapping[int, Decimal]) -> list[PlanLine]:
    """One line per product with a recipe (keyed by product id), in planning order."""
    for_recipes: dict[int, Decimal] = {}
    lines = []
    for product_id in _planning_order(recipes):
        recipe = recipes[product_id]
        need = (forecast.get(product_id, ZERO) + ordered.get(product_id, ZERO)
                + for_recipes.get(product_id, ZERO))
        stock = max(in_stock.get(product_id, ZERO), ZERO)
        to_make = max(need - stock, ZERO)
        batches = batches_needed(to_make, recipe.yield_quantity)
        for component in recipe.components:
            for_recipes[component.product_id] = (for_recipes.get(component.product_id, ZERO)
                                                 + component.quantity * batches)
        lines.append(PlanLine(recipe.recipe_id, product_id, forecast.get(product_id, ZERO),
                              ordered.get(product_id, ZERO), for_recipes.get(product_id, ZERO),
                              stock, to_make, batches))
    return lines
