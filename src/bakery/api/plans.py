"""Planning: what stock allows now ("what can I bake") and a shopping list for a planned bake."""

from __future__ import annotations

from pydantic import Field

from ..contract.answers import serialised
from ..contract.downloads import csv_response, wants_csv
from ..contract.schemas import Id, In, Money, Out, Quantity
from ..contract.types import UnitCost
from ..queries import plans
from ..runtime import sessions
from .registry import BAKEHOUSE, operation
from .reports import FormatQuery


class CanBakeRow(Out):
    recipe_id: int
    name: str
    product_id: int
    max_batches: int
    max_units: Quantity
    cost_per_batch: Money
    # recipes with doughs or fillings: batches allowed when those are made first
    max_batches_making_intermediates: int | None = None


class CanBakeList(Out):
    items: list[CanBakeRow]


@operation("GET", "/plans/what-can-i-bake", summary="List how many batches stock allows",
           tag="plans", roles=BAKEHOUSE, query=FormatQuery, response=CanBakeList)
def what_can_i_bake(query: FormatQuery) -> dict | object:
    with sessions()() as session:
        result = {"items": plans.what_can_i_bake(session)}
    if not wants_csv(query.format):
        return result
    data = serialised(CanBakeList, result)
    return csv_response(data["items"], ("recipe_id", "name", "product_id", "max_batches",
                                        "max_units", "cost_per_batch"), "what-can-i-bake.csv")


class PlannedBatch(In):
    recipe_id: Id
    batches: int = Field(strict=True, gt=0, le=100_000)


class ShoppingListIn(In):
    items: list[PlannedBatch] = Field(min_length=1, max_length=200)


class ShoppingItem(Out):
    material_id: int
    name: str
    unit: str
    needed: Quantity
    on_hand: Quantity
    to_buy: Quantity
    latest_cost_per_unit: UnitCost | None  # per the material's unit, up to 6 places
    estimated_cost: Money | None


class ShoppingList(Out):
    items: list[ShoppingItem]
    estimated_total: Money
    unpriced: list[int]


@operation("POST", "/plans/shopping-list", summary="Make a shopping list for planned batches",
           tag="plans", roles=BAKEHOUSE, body=ShoppingListIn, query=FormatQuery,
           response=ShoppingList, errors=(422,))
def shopping_list(body: ShoppingListIn, query: FormatQuery) -> dict | object:
    with sessions()() as session:
        result = plans.shopping_list(session, [(i.recipe_id, i.batches) for i in body.items])
    if not wants_csv(query.format):
        return result
    data = serialised(ShoppingList, result)
    return csv_response(data["items"], ("material_id", "name", "unit", "needed", "on_hand",
                                        "to_buy", "latest_cost_per_unit", "estimated_cost"),
                        "shopping-list.csv", {"material_id": "total",
                                              "estimated_cost": data["estimated_total"]})
