"""Stock layers and recipe lines as every use case and read loads them: the one place that
decides which layers a withdrawal may draw and in what order.

The sale, production, adjustments, the production preview, recipe costs, what-can-I-bake,
the shopping list, the legacy import and a material's page all load layers here, and the
domain draws them in the order they come (domain.fifo never sorts). So a rule about drawing
is one change in this module:

- which layers may be drawn: `_BATCH_DRAWABLE` and `_LOT_DRAWABLE` (today: every open layer;
  "not expired" and "not on hold" narrow them here);
- in what order: `_BATCH_ISSUE_ORDER` and `_LOT_ISSUE_ORDER` (today FIFO: batches by purchase
  date then id, lots by id; FEFO puts the expiry date first here).

A layer that may not be drawn still holds stock: on-hand figures, stock value and low-stock
alerts (queries.inventory, queries.reports) count every open layer. The latest cost of an item
follows the order of receipt (`_BATCH_RECEIPT_ORDER`), which a change of issue order leaves
alone. The statements are built once, at import: the sale and production run use them on
every call, and building a statement costs about as much Python as executing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from ..domain.fifo import StockLayer
from ..domain.recipes import Ingredient
from .engine import Executor
from .models import MaterialBatch, ProductLot, RecipeIngredient

_BATCHES = MaterialBatch.__table__
_LOTS = ProductLot.__table__
_LINES = RecipeIngredient.__table__

# A layer is open while it holds stock (the partial indexes ix_*_in_stock cover exactly this).
_BATCH_OPEN = _BATCHES.c.remaining > 0
_LOT_OPEN = _LOTS.c.remaining > 0
# Which open layers a withdrawal may draw.
_BATCH_DRAWABLE = _BATCH_OPEN
_LOT_DRAWABLE = _LOT_OPEN
# The issue order: which drawable layer goes first.
_BATCH_ISSUE_ORDER = (_BATCHES.c.purchase_date, _BATCHES.c.id)
_LOT_ISSUE_ORDER = (_LOTS.c.id,)
# The order of receipt, oldest first: the newest layer carries an item's latest cost.
_BATCH_RECEIPT_ORDER = (_BATCHES.c.purchase_date, _BATCHES.c.id)
_LOT_RECEIPT_ORDER = (_LOTS.c.id,)


def _ids() -> Any:
    return bindparam("ids", expanding=True)


_DRAWABLE_BATCHES = (
    select(_BATCHES.c.id, _BATCHES.c.material_id, _BATCHES.c.remaining,
           _BATCHES.c.cost_per_unit, _BATCHES.c.purchase_date)
    .where(_BATCHES.c.material_id.in_(_ids()), _BATCH_DRAWABLE)
    .order_by(_BATCHES.c.material_id, *_BATCH_ISSUE_ORDER)
)
_DRAWABLE_LOTS = (
    select(_LOTS.c.id, _LOTS.c.product_id, _LOTS.c.remaining, _LOTS.c.unit_cost)
    .where(_LOTS.c.product_id.in_(_ids()), _LOT_DRAWABLE)
    .order_by(_LOTS.c.product_id, *_LOT_ISSUE_ORDER)
)
_OPEN_BATCH_RECORDS = (
    select(MaterialBatch)
    .where(_BATCHES.c.material_id == bindparam("material_id"), _BATCH_OPEN)
    .order_by(*_BATCH_ISSUE_ORDER)
)
_OPEN_LOT_ROWS = (
    select(_LOTS.c.id, _LOTS.c.quantity, _LOTS.c.remaining, _LOTS.c.unit_cost,
           _LOTS.c.production_run_id, _LOTS.c.created_at)
    .where(_LOTS.c.product_id == bindparam("product_id"), _LOT_OPEN)
    .order_by(*_LOT_ISSUE_ORDER)
)
_RECIPE_LINES = (
    select(_LINES.c.recipe_id, _LINES.c.material_id, _LINES.c.quantity)
    .where(_LINES.c.recipe_id.in_(_ids())).order_by(_LINES.c.id)
)


def _newest_costs(item: Any, cost: Any, receipt_order: tuple[Any, ...]) -> Select:
    """The cost of each item's newest layer, open or used up, in one statement."""
    newest_first = func.row_number().over(
        partition_by=item, order_by=[column.desc() for column in receipt_order])
    ranked = (select(item.label("item_id"), cost.label("cost"), newest_first.label("rank"))
              .where(item.in_(_ids())).subquery())
    return select(ranked.c.item_id, ranked.c.cost).where(ranked.c.rank == 1)


_LATEST_BATCH_COSTS = _newest_costs(_BATCHES.c.material_id, _BATCHES.c.cost_per_unit,
                                    _BATCH_RECEIPT_ORDER)
_LATEST_LOT_COSTS = _newest_costs(_LOTS.c.product_id, _LOTS.c.unit_cost, _LOT_RECEIPT_ORDER)


def drawable_batches(db: Executor, material_ids: Collection[int]) -> dict[int, list[StockLayer]]:
    """The batches each material may be drawn from, in issue order."""
    layers: dict[int, list[StockLayer]] = defaultdict(list)
    for r in db.execute(_DRAWABLE_BATCHES, {"ids": list(material_ids)}):
        layers[r.material_id].append(
            StockLayer(r.id, r.material_id, r.remaining, r.cost_per_unit, r.purchase_date))
    return layers


def drawable_lots(db: Executor, product_ids: Collection[int]) -> dict[int, list[StockLayer]]:
    """The lots each product may be sold or written off from, in issue order."""
    layers: dict[int, list[StockLayer]] = defaultdict(list)
    for r in db.execute(_DRAWABLE_LOTS, {"ids": list(product_ids)}):
        layers[r.product_id].append(StockLayer(r.id, r.product_id, r.remaining, r.unit_cost))
    return layers


def open_batch_records(session: Session, material_id: int) -> list[MaterialBatch]:
    """A material's batches that hold stock, as records, in issue order."""
    return list(session.execute(_OPEN_BATCH_RECORDS, {"material_id": material_id}).scalars())


def open_lot_rows(db: Executor, product_id: int) -> list[Row]:
    """A product's lots that hold stock, in issue order."""
    return list(db.execute(_OPEN_LOT_ROWS, {"product_id": product_id}))


def latest_batch_costs(db: Executor, material_ids: Collection[int]) -> dict[int, Decimal]:
    """Each material's latest cost per unit: that of its newest batch, open or used up."""
    return {r.item_id: r.cost for r in db.execute(_LATEST_BATCH_COSTS,
                                                  {"ids": list(material_ids)})}


def latest_lot_costs(db: Executor, product_ids: Collection[int]) -> dict[int, Decimal]:
    """Each product's latest cost per unit: that of its newest lot, open or sold out."""
    return {r.item_id: r.cost for r in db.execute(_LATEST_LOT_COSTS, {"ids": list(product_ids)})}


def recipe_lines(db: Executor, recipe_ids: Collection[int]) -> dict[int, list[Ingredient]]:
    """Each recipe's ingredient lines per batch, in the order they were written."""
    lines: dict[int, list[Ingredient]] = defaultdict(list)
    for r in db.execute(_RECIPE_LINES, {"ids": list(recipe_ids)}):
        lines[r.recipe_id].append(Ingredient(r.material_id, r.quantity))
    return lines


def sellable_on(db: Executor, product_ids: Collection[int], day: Any) -> dict[int, Decimal]:
    """What of each product will still be sellable on `day`: today every drawable lot (a lot's
    best-before, once lots carry one, narrows this here and nowhere else)."""
    return {pid: sum((layer.remaining for layer in layers), Decimal(0))
            for pid, layers in drawable_lots(db, product_ids).items()}
