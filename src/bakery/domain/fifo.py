"""Drawing stock: which batch or lot a withdrawal takes from, and at what cost.

Layers arrive in their issue order, decided by the loader (db.stock_layers: FIFO by purchase
date today); these functions draw them in the order given and never sort them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import InsufficientStock, Shortfall
from .numbers import ZERO


@dataclass(frozen=True)
class StockLayer:
    """An open batch of a material or lot of a product, as a withdrawal sees it."""

    id: int
    item_id: int
    remaining: Decimal
    unit_cost: Decimal
    received: date | None = None  # purchase date; None for product lots


@dataclass(frozen=True)
class Draw:
    """A quantity taken from one layer, with the cost per unit it carries."""

    layer_id: int
    item_id: int
    quantity: Decimal
    unit_cost: Decimal

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.unit_cost


def available(layers: Iterable[StockLayer]) -> Decimal:
    return sum((layer.remaining for layer in layers), ZERO)


def draw_up_to(layers: Iterable[StockLayer], wanted: Decimal) -> tuple[list[Draw], Decimal]:
    """Take up to `wanted` from the layers in the order given; the draws and what is left over."""
    draws: list[Draw] = []
    left = wanted
    for layer in layers:
        if left <= 0:
            break
        if layer.remaining <= 0:
            continue
        take = min(layer.remaining, left)
        draws.append(Draw(layer.id, layer.item_id, take, layer.unit_cost))
        left -= take
    return draws, max(left, ZERO)


def consume_fifo(layers: Iterable[StockLayer], wanted: Decimal) -> list[Draw]:
    """Take `wanted` from the layers in issue order; the caller checked there is enough."""
    draws, left = draw_up_to(layers, wanted)
    if left > 0:
        raise ValueError("consume_fifo called without enough stock")
    return draws


def shortfalls(
    kind: str,
    wanted: Mapping[int, Decimal],
    layers_by_item: Mapping[int, list[StockLayer]],
    names: Mapping[int, str] | None = None,
) -> list[Shortfall]:
    """Every item whose open layers hold less than wanted, in item order."""
    result = []
    for item_id in sorted(wanted):
        have = available(layers_by_item.get(item_id, []))
        if have < wanted[item_id]:
            result.append(
                Shortfall(kind, item_id, wanted[item_id], have, (names or {}).get(item_id, ""))
            )
    return result


def withdraw(
    kind: str,
    wanted: Mapping[int, Decimal],
    layers_by_item: Mapping[int, list[StockLayer]],
    names: Mapping[int, str] | None = None,
) -> dict[int, list[Draw]]:
    """Draw every wanted item FIFO, or raise InsufficientStock naming every shortfall."""
    missing = shortfalls(kind, wanted, layers_by_item, names)
    if missing:
        raise InsufficientStock(missing)
    return {
        item_id: consume_fifo(layers_by_item.get(item_id, []), wanted[item_id])
        for item_id in sorted(wanted)
    }
