"""Recipe arithmetic: scaling, costing and how many batches stock allows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from .fifo import StockLayer, fifo_order
from .numbers import ZERO


@dataclass(frozen=True)
class Ingredient:
    material_id: int
    quantity: Decimal  # per batch


def merge_ingredients(lines: Iterable[Ingredient]) -> list[Ingredient]:
    """Sum duplicate lines of the same material, keeping first-seen order."""
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.material_id] = totals.get(line.material_id, ZERO) + line.quantity
    return [Ingredient(material_id, qty) for material_id, qty in totals.items()]


def scale(ingredients: Iterable[Ingredient], batches: Decimal | int) -> dict[int, Decimal]:
    """Material needs for a number of batches."""
    factor = Decimal(batches)
    needs: dict[int, Decimal] = {}
    for line in ingredients:
        needs[line.material_id] = needs.get(line.material_id, ZERO) + line.quantity * factor
    return needs


def max_batches(ingredients: Iterable[Ingredient], on_hand: Mapping[int, Decimal]) -> int:
    """Whole batches that current stock allows; 0 when any ingredient is short."""
    limits = [
        (on_hand.get(line.material_id, ZERO) / line.quantity).to_integral_value(ROUND_FLOOR)
        for line in merge_ingredients(ingredients)
        if line.quantity > 0
    ]
    return int(min(limits)) if limits else 0


def fifo_cost(layers: Iterable[StockLayer], wanted: Decimal) -> Decimal | None:
    """What `wanted` would cost drawn FIFO from these layers; None when stock is short.

    Unlike consume_fifo this never raises: it prices what stock there is.
    """
    left, cost = wanted, ZERO
    for layer in fifo_order(layers):
        if left <= 0:
            break
        take = min(layer.remaining, left)
        cost += take * layer.unit_cost
        left -= take
    return cost if left <= 0 else None


def batch_cost(
    ingredients: Iterable[Ingredient],
    layers_by_material: Mapping[int, list[StockLayer]],
    last_cost: Mapping[int, Decimal],
) -> Decimal:
    """Cost of one batch at current FIFO costs.

    Where stock is short, the part not covered is priced at the material's latest known cost
    per unit, so an owner still sees a sensible figure before the next delivery.
    """
    total = ZERO
    for line in merge_ingredients(ingredients):
        layers = fifo_order(layers_by_material.get(line.material_id, []))
        left = line.quantity
        for layer in layers:
            if left <= 0:
                break
            take = min(layer.remaining, left)
            total += take * layer.unit_cost
            left -= take
        if left > 0:
            total += left * last_cost.get(line.material_id, ZERO)
    return total
