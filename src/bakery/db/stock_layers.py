"""Stock layers and recipe lines as every use case and read loads them: the one place that
decides which layers a withdrawal may draw and in what order.

The sale, production, adjustments, the production preview, recipe costs, what-can-I-bake,
the shopping list, the legacy import and a material's page all load layers here, and the
domain draws them in the order they come (domain.fifo never sorts). So a rule about drawing
is one change in this module:

- which layers may be drawn: `_BATCH_DRAWABLE` and `_LOT_DRAWABLE`: open, not on a recall's
  hold, and not expired. A batch keeps through its `expiry_date` (a date on the bakery's
  calendar: usable that day, not the next); a lot is sellable until its `best_before` (an
  instant). "Now" and "today" come from bakery.clock on each call;
- in what order: `_BATCH_ISSUE_ORDER` and `_LOT_ISSUE_ORDER`: batches by purchase date then id
  for a material whose `issue_order` is "fifo" (the default), by expiry date (batches without
  one last) then purchase date then id for "fefo"; lots by id.

A material's layer that may not be drawn still holds stock: its on-hand figure, stock value and
low-stock alert count every open batch. A product's `on_hand` is what may be sold
(`sellable_lot`), and `expired` what is past its best-before and awaits write-off
(`expired_lot`); `expired_batch` and `expired_lot` are also what a write-off takes. The latest cost of an item
follows the order of receipt (`_BATCH_RECEIPT_ORDER`), which a change of issue order leaves
alone. The statements are built once, at import: the sale and production run use them on
every call, and building a statement costs about as much Python as executing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..clock import now, today
from ..domain.fifo import StockLayer
from ..domain.recipes import Ingredient
from .engine import Executor
from .models import Material, MaterialBatch, ProductLot, RecipeIngredient, RecipeProduct

_BATCHES = MaterialBatch.__table__
_LOTS = ProductLot.__table__
_LINES = RecipeIngredient.__table__
_PRODUCT_LINES = RecipeProduct.__table__
_MATERIALS = Material.__table__

# A layer is open while it holds stock (the partial indexes ix_*_in_stock cover exactly this).
_BATCH_OPEN = _BATCHES.c.remaining > 0
_LOT_OPEN = _LOTS.c.remaining > 0
# "Today" and "now" of the call: bound on each execution, so the statements are still built once.
_TODAY = bindparam("today", type_=Date())
_NOW = bindparam("now", type_=DateTime(timezone=True))


def _batch_fresh(on: Any) -> ColumnElement[bool]:
    return or_(_BATCHES.c.expiry_date.is_(None), _BATCHES.c.expiry_date >= on)


def _lot_fresh(at: Any) -> ColumnElement[bool]:
    return or_(_LOTS.c.best_before.is_(None), _LOTS.c.best_before > at)


# Which open layers a withdrawal may draw: not on hold, not expired.
_BATCH_DRAWABLE = and_(_BATCH_OPEN, _BATCHES.c.hold_id.is_(None), _batch_fresh(_TODAY))
_LOT_DRAWABLE = and_(_LOT_OPEN, _LOTS.c.hold_id.is_(None), _lot_fresh(_NOW))
# The issue order: which drawable layer goes first (FEFO for the materials that ask for it).
_FEFO = _MATERIALS.c.issue_order == "fefo"
_BATCH_ISSUE_ORDER = (
    case((and_(_FEFO, _BATCHES.c.expiry_date.is_(None)), 1), else_=0),
    case((_FEFO, _BATCHES.c.expiry_date), else_=None),
    _BATCHES.c.purchase_date, _BATCHES.c.id,
)
_BATCH_WITH_MATERIAL = _BATCHES.join(_MATERIALS, _MATERIALS.c.id == _BATCHES.c.material_id)
_LOT_ISSUE_ORDER = (_LOTS.c.id,)
# The order of receipt, oldest first: the newest layer carries an item's latest cost.
_BATCH_RECEIPT_ORDER = (_BATCHES.c.purchase_date, _BATCHES.c.id)
_LOT_RECEIPT_ORDER = (_LOTS.c.id,)


def _ids() -> Any:
    return bindparam("ids", expanding=True)


_DRAWABLE_BATCHES = (
    select(_BATCHES.c.id, _BATCHES.c.material_id, _BATCHES.c.remaining,
           _BATCHES.c.cost_per_unit, _BATCHES.c.purchase_date)
    .select_from(_BATCH_WITH_MATERIAL)
    .where(_BATCHES.c.material_id.in_(_ids()), _BATCH_DRAWABLE)
    .order_by(_BATCHES.c.material_id, *_BATCH_ISSUE_ORDER)
)
_DRAWABLE_LOTS = (
    select(_LOTS.c.id, _LOTS.c.product_id, _LOTS.c.remaining, _LOTS.c.unit_cost)
    .where(_LOTS.c.product_id.in_(_ids()), _LOT_DRAWABLE)
    .order_by(_LOTS.c.product_id, *_LOT_ISSUE_ORDER)
)
_OPEN_BATCH_RECORDS = (
    select(MaterialBatch).select_from(_BATCH_WITH_MATERIAL)
    .where(_BATCHES.c.material_id == bindparam("material_id"), _BATCH_OPEN)
    .order_by(*_BATCH_ISSUE_ORDER)
)
_OPEN_LOT_ROWS = (
    select(_LOTS.c.id, _LOTS.c.quantity, _LOTS.c.remaining, _LOTS.c.unit_cost,
           _LOTS.c.production_run_id, _LOTS.c.created_at, _LOTS.c.best_before,
           _LOTS.c.hold_id)
    .where(_LOTS.c.product_id == bindparam("product_id"), _LOT_OPEN)
    .order_by(*_LOT_ISSUE_ORDER)
)
_RECIPE_LINES = (
    select(_LINES.c.recipe_id, _LINES.c.material_id, _LINES.c.quantity)
    .where(_LINES.c.recipe_id.in_(_ids())).order_by(_LINES.c.id)
)

_RECIPE_PRODUCT_LINES = (
    select(_PRODUCT_LINES.c.recipe_id, _PRODUCT_LINES.c.product_id, _PRODUCT_LINES.c.quantity)
    .where(_PRODUCT_LINES.c.recipe_id.in_(_ids())).order_by(_PRODUCT_LINES.c.id)
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
    for r in db.execute(_DRAWABLE_BATCHES, {"ids": list(material_ids), "today": today()}):
        layers[r.material_id].append(
            StockLayer(r.id, r.material_id, r.remaining, r.cost_per_unit, r.purchase_date))
    return layers


def drawable_lots(db: Executor, product_ids: Collection[int]) -> dict[int, list[StockLayer]]:
    """The lots each product may be sold or written off from, in issue order."""
    layers: dict[int, list[StockLayer]] = defaultdict(list)
    for r in db.execute(_DRAWABLE_LOTS, {"ids": list(product_ids), "now": now()}):
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


def recipe_product_lines(db: Executor, recipe_ids: Collection[int]) -> dict[int, list[Ingredient]]:
    """Each recipe's intermediate-product lines per batch (item ids are product ids)."""
    lines: dict[int, list[Ingredient]] = defaultdict(list)
    for r in db.execute(_RECIPE_PRODUCT_LINES, {"ids": list(recipe_ids)}):
        lines[r.recipe_id].append(Ingredient(r.product_id, r.quantity))
    return lines


# --- what the reads and the write-off ask of the same rules ---------------------------------

# The moment as a read built once binds it: `now` on each execution.
BOUND_NOW: ColumnElement[datetime] = _NOW


def _moment(at: datetime | ColumnElement[datetime]) -> ColumnElement[datetime]:
    return at if isinstance(at, ColumnElement) else literal(at, DateTime(True))


def open_lot() -> ColumnElement[bool]:
    """A lot that still holds stock, drawable or not: a product's page lists these."""
    return _LOT_OPEN


def lot_issue_order() -> tuple[Any, ...]:
    """The order lots are drawn in: a product's page lists its open lots so."""
    return _LOT_ISSUE_ORDER


def sellable_lot(at: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """A lot that may be sold at `at` (a moment, or `BOUND_NOW`): a product's `on_hand` sums
    these."""
    return and_(_LOT_OPEN, _LOTS.c.hold_id.is_(None), _lot_fresh(_moment(at)))


def expired_lot(at: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """A lot past its best-before at `at` (a moment, or `BOUND_NOW`) that still holds stock: it
    awaits write-off (with a later `at`: what will have expired by then)."""
    return and_(_LOT_OPEN, _LOTS.c.best_before.is_not(None), _LOTS.c.best_before <= _moment(at))


def held_lot() -> ColumnElement[bool]:
    """A lot on a recall's hold that still holds stock."""
    return and_(_LOT_OPEN, _LOTS.c.hold_id.is_not(None))


def expired_batch(on: date) -> ColumnElement[bool]:
    """A batch whose expiry date has passed on the bakery's calendar `on`, still holding stock
    (with a later `on`: what will have expired by then)."""
    return and_(_BATCH_OPEN, _BATCHES.c.expiry_date.is_not(None),
                _BATCHES.c.expiry_date < literal(on, Date()))


def sellable_on(db: Executor, product_ids: Collection[int], day: date) -> dict[int, Decimal]:
    """What of each product's stock may still be sold on `day` (the bakery's date): lots not on
    hold whose best-before is after that day begins (after now, for today)."""
    from ..clock import bakery_zone, day_bounds, now

    start, _ = day_bounds(day, day, bakery_zone())
    moment = max(start, now()) if start is not None else now()
    held: dict[int, Decimal] = {}
    for r in db.execute(select(_LOTS.c.product_id, _LOTS.c.remaining).where(
            _LOTS.c.product_id.in_(list(product_ids)), sellable_lot(moment))):
        held[r.product_id] = held.get(r.product_id, Decimal(0)) + r.remaining
    return held
