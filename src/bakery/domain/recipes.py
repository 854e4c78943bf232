"""Recipe arithmetic: merging lines, scaling and how many batches stock allows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

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
