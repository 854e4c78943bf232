"""Planning a production run: what it draws, what it costs and what is short.

The run and its preview both call plan_production on the same open layers, so what the
preview shows is what the run does, as long as stock does not change in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .costing import cost_of, lot_unit_cost
from .errors import Shortfall
from .fifo import Draw, StockLayer, consume_fifo, shortfalls
from .recipes import Ingredient, scale


@dataclass(frozen=True)
class ProductionPlan:
    """Needs per material (in recipe order), the draws stock covers, and every shortfall;
    the same for intermediate products (a dough), drawn from their lots."""

    needs: dict[int, Decimal]
    draws: dict[int, list[Draw]]  # only materials with enough stock
    shortfalls: list[Shortfall]
    produced: Decimal
    product_needs: dict[int, Decimal] = field(default_factory=dict)
    product_draws: dict[int, list[Draw]] = field(default_factory=dict)  # lots of intermediates

    @property
    def consumed(self) -> list[Draw]:
        """Every draw of a material batch, by material id."""
        return [draw for material_id in sorted(self.draws) for draw in self.draws[material_id]]

    @property
    def consumed_lots(self) -> list[Draw]:
        """Every draw of an intermediate product's lot, by product id."""
        return [draw for pid in sorted(self.product_draws) for draw in self.product_draws[pid]]

    @property
    def cost(self) -> Decimal:
        """The exact cost of every draw, batches and lots (of the covered items only, when
        some are short): the lots carry the FIFO cost of what made them, so the cost rolls up
        through every level."""
        return cost_of(self.consumed) + cost_of(self.consumed_lots)

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
    product_lines: Iterable[Ingredient] = (),
    lots_by_product: Mapping[int, list[StockLayer]] | None = None,
    product_names: Mapping[int, str] | None = None,
) -> ProductionPlan:
    """Draw every ingredient of `batches` batches from its layers, naming what is short.

    `product_lines` are intermediate products (item ids are product ids), drawn from their
    lots in the order given, as materials are from their batches.
    """
    needs = scale(lines, batches)
    missing = shortfalls("material", needs, layers_by_material, names)
    short = {s.item_id for s in missing}
    draws = {material_id: consume_fifo(layers_by_material.get(material_id, []), quantity)
             for material_id, quantity in needs.items() if material_id not in short}
    lots = lots_by_product or {}
    product_needs = scale(product_lines, batches)
    missing_products = shortfalls("product", product_needs, lots, product_names)
    short_products = {s.item_id for s in missing_products}
    product_draws = {pid: consume_fifo(lots.get(pid, []), quantity)
                     for pid, quantity in product_needs.items() if pid not in short_products}
    return ProductionPlan(needs, draws, missing + missing_products, yield_quantity * batches,
                          product_needs, product_draws)
