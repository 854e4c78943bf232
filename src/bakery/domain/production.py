"""Planning a production run: what it draws, what it costs and what is short.

The run and its preview both call plan_production on the same open layers, so what the
preview shows is what the run does, as long as stock does not change in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .costing import cost_of, lot_unit_cost
from .errors import Shortfall
from .fifo import Draw, StockLayer, consume_fifo, shortfalls
from .recipes import Ingredient, scale


@dataclass(frozen=True)
class ProductionPlan:
    """Needs per material (in recipe order), the draws stock covers, and every shortfall."""

    needs: dict[int, Decimal]
    draws: dict[int, list[Draw]]  # only materials with enough stock
    shortfalls: list[Shortfall]
    produced: Decimal

    @property
    def consumed(self) -> list[Draw]:
        """Every draw, by material id."""
        return [draw for material_id in sorted(self.draws) for draw in self.draws[material_id]]

    @property
    def cost(self) -> Decimal:
        """The exact cost of every draw (of the covered materials only, when some are short)."""
        return cost_of(self.consumed)

    @property
    def unit_cost(self) -> Decimal:
        """What one unit of the lot the run makes costs."""
        return lot_unit_cost(self.cost, self.produced)


def plan_production(
    lines: Iterable[Ingredient],
    batches: int,
    yield_quantity: Decimal,
    layers_by_material: Mapping[int, list[StockLayer]],
    names: Mapping[int, str] | None = None,
) -> ProductionPlan:
    """Draw every ingredient of `batches` batches from its layers, naming what is short."""
    needs = scale(lines, batches)
    missing = shortfalls("material", needs, layers_by_material, names)
    short = {s.item_id for s in missing}
    draws = {material_id: consume_fifo(layers_by_material.get(material_id, []), quantity)
             for material_id, quantity in needs.items() if material_id not in short}
    return ProductionPlan(needs, draws, missing, yield_quantity * batches)
