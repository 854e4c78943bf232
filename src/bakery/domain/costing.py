"""What stock costs: draws at their layers' costs, a recipe batch, a lot's unit cost, margins.

Every cost the bakery shows or stores comes from here. Layers are priced in the order given,
which is their issue order (see domain.fifo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .fifo import Draw, StockLayer, draw_up_to
from .numbers import ZERO, money, unit_cost
from .recipes import Ingredient, merge_ingredients


def cost_of(draws: Iterable[Draw]) -> Decimal:
    """The exact cost of some draws, each at its layer's cost per unit."""
    return sum((draw.cost for draw in draws), ZERO)


@dataclass(frozen=True)
class NeedPrice:
    """What the layers cover of a need, at their costs, and the quantity they leave short."""

    covered_cost: Decimal
    short: Decimal


def price_need(layers: Iterable[StockLayer], wanted: Decimal) -> NeedPrice:
    """Price `wanted` as it would be drawn from these layers; never raises when stock is short."""
    draws, short = draw_up_to(layers, wanted)
    return NeedPrice(cost_of(draws), short)


def latest_cost(latest_costs: Mapping[int, Decimal], item_id: int) -> Decimal:
    """An item's latest cost per unit (its newest layer's); 0 for an item never stocked."""
    return latest_costs.get(item_id, ZERO)


def batch_cost(
    ingredients: Iterable[Ingredient],
    layers_by_material: Mapping[int, list[StockLayer]],
    latest_costs: Mapping[int, Decimal],
) -> Decimal:
    """Cost of one batch at current FIFO costs.

    Where stock is short, the part not covered is priced at the material's latest cost per
    unit, so an owner still sees a sensible figure before the next delivery.
    """
    total = ZERO
    for line in merge_ingredients(ingredients):
        price = price_need(layers_by_material.get(line.material_id, []), line.quantity)
        total += price.covered_cost + price.short * latest_cost(latest_costs, line.material_id)
    return total


def intermediates_cost(
    product_lines: Iterable[Ingredient],
    lots_by_product: Mapping[int, list[StockLayer]],
    fallback_costs: Mapping[int, Decimal],
) -> Decimal:
    """Cost of the intermediate products (a dough) in one batch, at their lots' FIFO costs.

    Item ids are product ids. The part the lots do not cover is priced at `fallback_costs`:
    the product's latest lot cost, or what its own recipe costs per unit when it was never made.
    """
    total = ZERO
    for line in merge_ingredients(product_lines):
        price = price_need(lots_by_product.get(line.material_id, []), line.quantity)
        total += price.covered_cost + price.short * latest_cost(fallback_costs, line.material_id)
    return total


def lot_unit_cost(cost: Decimal, produced: Decimal) -> Decimal:
    """The cost per unit of a lot that cost `cost` to make `produced` units."""
    return unit_cost(cost / produced)


def purchase_cost(quantity: Decimal, latest: Decimal | None) -> Decimal | None:
    """What buying `quantity` would cost at the latest price; None when there is no price."""
    return money(quantity * latest) if latest is not None else None


def margin_percent(margin: Decimal, revenue: Decimal) -> Decimal | None:
    """Margin as a percentage of revenue, 2 places; None when there was no revenue."""
    return money(margin * 100 / revenue) if revenue else None
