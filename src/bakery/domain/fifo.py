"""First in, first out: which batch or lot a withdrawal takes from, and at what cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import InsufficientStock, Shortfall
from .numbers import ZERO


@dataclass(frozen=True)
class StockLayer:
    """An open batch of a material or lot of a product, as FIFO sees it."""

    id: int
    item_id: int
    remaining: Decimal
    unit_cost: Decimal
    received: date | None = None  # purchase date; None sorts by id alone (product lots)


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


def fifo_order(layers: Iterable[StockLayer]) -> list[StockLayer]:
    """Oldest first: by purchase date, then by creation order (id)."""
    return sorted(layers, key=lambda layer: (layer.received or date.min, layer.id))


def available(layers: Iterable[StockLayer]) -> Decimal:
    return sum((layer.remaining for layer in layers), ZERO)


def consume_fifo(layers: Iterable[StockLayer], wanted: Decimal) -> list[Draw]:
    """Take `wanted` from the oldest layers first; the caller checked there is enough."""
    draws: list[Draw] = []
    left = wanted
    for layer in fifo_order(layers):
        if left <= 0:
            break
        if layer.remaining <= 0:
            continue
        take = min(layer.remaining, left)
        draws.append(Draw(layer.id, layer.item_id, take, layer.unit_cost))
        left -= take
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
