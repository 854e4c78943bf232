"""Stock use cases: receive a batch, bake, sell, adjust. Each is one all-or-nothing transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from ..clock import today
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Quantity,
    Recipe,
    RecipeIngredient,
    Sale,
    SaleItem,
    StockAdjustment,
    utcnow,
)
from ..domain import fifo
from ..domain.errors import NotFound, ValidationFailed
from ..domain.numbers import MAX_MONEY, MAX_QUANTITY, QUANTITY_PLACES, ZERO, money, unit_cost
from ..domain.recipes import Ingredient, scale
from .common import (Executor, Idempotency, Move, Outcome, SessionFactory, lock_rows, note_created,
                     rows_param, run_once, write_moves)

_BATCHES = MaterialBatch.__table__
_LOTS = ProductLot.__table__
_SALES = Sale.__table__
_SALE_ITEMS = SaleItem.__table__
# Built once (see services/common.py): these run on every sale and production run.
_OPEN_BATCHES = (
    select(_BATCHES.c.id, _BATCHES.c.material_id, _BATCHES.c.remaining,
           _BATCHES.c.cost_per_unit, _BATCHES.c.purchase_date)
    .where(_BATCHES.c.material_id.in_(bindparam("ids", expanding=True)), _BATCHES.c.remaining > 0)
    .order_by(_BATCHES.c.material_id, _BATCHES.c.purchase_date, _BATCHES.c.id)
)
_OPEN_LOTS = (
    select(_LOTS.c.id, _LOTS.c.product_id, _LOTS.c.remaining, _LOTS.c.unit_cost)
    .where(_LOTS.c.product_id.in_(bindparam("ids", expanding=True)), _LOTS.c.remaining > 0)
    .order_by(_LOTS.c.product_id, _LOTS.c.id)
)
_DRAW_DOWN = {
    table: update(table).where(table.c.id == bindparam("layer_id")).values(
        remaining=func.round(table.c.remaining - bindparam("take", type_=Quantity), QUANTITY_PLACES))
    for table in (_BATCHES, _LOTS)
}
_INSERT_SALE = insert(_SALES).returning(_SALES.c.id)
_INSERT_SALE_ITEMS = insert(_SALE_ITEMS)


# --- receiving -------------------------------------------------------------------------------

def receive_batch(
    factory: SessionFactory,
    material_id: int,
    *,
    quantity: Decimal,
    cost_per_unit: Decimal,
    purchase_date: date | None = None,
    expiry_date: date | None = None,
    lot: str | None = None,
    supplier: str | None = None,
    user_id: int | None = None,
    idem: Idempotency | None = None,
) -> Outcome[MaterialBatch]:
    """Book a delivery of a material into stock at its cost."""

    def work(session: Session) -> MaterialBatch:
        if session.get(Material, material_id) is None:
            raise NotFound(f"no material with id {material_id}")
        batch = MaterialBatch(
            material_id=material_id, quantity=quantity, remaining=quantity,
            cost_per_unit=cost_per_unit, purchase_date=purchase_date or today(),
            expiry_date=expiry_date, lot=lot, supplier=supplier,
            created_at=utcnow(), created_by=user_id,
        )
        session.add(batch)
        session.flush()
        write_moves(session, [Move(quantity, cost_per_unit, "purchase", "batch", batch.id,
                                   material_id=material_id, batch_id=batch.id)], user_id)
        return batch

    return run_once(factory, idem, work, lambda b: b.id)


# --- loading layers --------------------------------------------------------------------------

def _open_batches(session: Executor, material_ids: list[int]) -> dict[int, list[fifo.StockLayer]]:
    rows = session.execute(_OPEN_BATCHES, {"ids": material_ids})
    layers: dict[int, list[fifo.StockLayer]] = defaultdict(list)
    for r in rows:
        layers[r.material_id].append(
            fifo.StockLayer(r.id, r.material_id, r.remaining, r.cost_per_unit, r.purchase_date))
    return layers


def _open_lots(session: Executor, product_ids: list[int]) -> dict[int, list[fifo.StockLayer]]:
    rows = session.execute(_OPEN_LOTS, {"ids": product_ids})
    layers: dict[int, list[fifo.StockLayer]] = defaultdict(list)
    for r in rows:
        layers[r.product_id].append(fifo.StockLayer(r.id, r.product_id, r.remaining, r.unit_cost))
    return layers


def _draw_down(session: Executor, table, draws: list[fifo.Draw]) -> None:  # type: ignore[no-untyped-def]
    """Lower `remaining` of each drawn layer in one statement; CHECK (remaining >= 0) guards.

    SQLite keeps NUMERIC columns as binary floats, so the difference is rounded back to the
    stored scale there (0.3 - 0.1 - 0.2 must be exactly 0); on PostgreSQL it is exact already.
    """
    if draws:
        session.execute(_DRAW_DOWN[table],
                        rows_param([{"layer_id": d.layer_id, "take": d.quantity} for d in draws]))


# --- production ------------------------------------------------------------------------------

@dataclass
class ProductionResult:
    run: ProductionRun
    lot_id: int
    consumed: list[fifo.Draw] = field(default_factory=list)


def run_production(
    factory: SessionFactory,
    *,
    recipe_id: int,
    batches: int,
    user_id: int | None = None,
    idem: Idempotency | None = None,
) -> Outcome[ProductionResult]:
    """Bake `batches` of a recipe: draw materials FIFO, add one product lot at their cost."""

    def work(session: Session) -> ProductionResult:
        recipe = session.get(Recipe, recipe_id)
        if recipe is None:
            raise ValidationFailed("unknown recipe", {"recipe_id": f"no recipe with id {recipe_id}"})
        lines = [
            Ingredient(r.material_id, r.quantity)
            for r in session.execute(
                select(RecipeIngredient.material_id, RecipeIngredient.quantity)
                .where(RecipeIngredient.recipe_id == recipe_id)
            )
        ]
        needs = scale(lines, batches)
        materials = lock_rows(session, Material, needs, Material.name)
        layers = _open_batches(session, list(needs))
        draws = fifo.withdraw("material", needs, layers,
                              {mid: row.name for mid, row in materials.items()})
        consumed = [d for material_id in sorted(draws) for d in draws[material_id]]
        exact_cost = sum((d.cost for d in consumed), ZERO)
        produced = recipe.yield_quantity * batches
        if produced > MAX_QUANTITY or money(exact_cost) > MAX_MONEY:
            raise ValidationFailed("the run is too large to record", {
                "batches": f"would make more than {MAX_QUANTITY} units or cost more than "
                           f"{MAX_MONEY}; bake fewer batches"})
        now = utcnow()
        _draw_down(session, _BATCHES, consumed)
        run = ProductionRun(recipe_id=recipe_id, product_id=recipe.product_id, batches=batches,
                            produced_quantity=produced, total_cost=money(exact_cost),
                            created_at=now, created_by=user_id)
        session.add(run)
        session.flush()
        if consumed:
            session.execute(insert(ProductionConsumption), [
                {"run_id": run.id, "material_id": d.item_id, "batch_id": d.layer_id,
                 "quantity": d.quantity, "cost_per_unit": d.unit_cost} for d in consumed])
        lot_cost = unit_cost(exact_cost / produced)
        lot_id = session.execute(
            insert(ProductLot).returning(ProductLot.id),
            {"product_id": recipe.product_id, "production_run_id": run.id, "quantity": produced,
             "remaining": produced, "unit_cost": lot_cost, "created_at": now},
        ).scalar_one()
        moves = [Move(-d.quantity, d.unit_cost, "production", "production_run", run.id,
                      material_id=d.item_id, batch_id=d.layer_id) for d in consumed]
        moves.append(Move(produced, lot_cost, "production", "production_run", run.id,
                          product_id=recipe.product_id, lot_id=lot_id))
        write_moves(session, moves, user_id)
        return ProductionResult(run, lot_id, consumed)

    return run_once(factory, idem, work, lambda r: r.run.id)


# --- sales -----------------------------------------------------------------------------------

@dataclass
class SaleLine:
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    cost: Decimal


@dataclass
class SaleResult:
    id: int
    total: Decimal
    cost: Decimal
    created_at: datetime
    items: list[SaleLine]


def merge_lines(items: list[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """Sum lines of the same product, keeping the order of first appearance."""
    wanted: dict[int, Decimal] = {}
    for product_id, qty in items:
        wanted[product_id] = wanted.get(product_id, ZERO) + qty
    return wanted


def record_sale(
    factory: SessionFactory,
    items: list[tuple[int, Decimal]],
    *,
    user_id: int | None = None,
    idem: Idempotency | None = None,
    at: datetime | None = None,
) -> Outcome[SaleResult]:
    """Sell products at their current price, oldest lots first, carrying their FIFO cost."""
    wanted = merge_lines(items)

    def work(session: Session) -> SaleResult:
        connection = session.connection()
        products = lock_rows(connection, Product, wanted, Product.name, Product.price)
        missing = [pid for pid in wanted if pid not in products]
        if missing:
            raise ValidationFailed("unknown product", {
                f"items.{i}.product_id": f"no product with id {pid}"
                for i, (pid, _) in enumerate(items) if pid in missing})
        layers = _open_lots(connection, list(wanted))
        draws = fifo.withdraw("product", wanted, layers,
                              {pid: row.name for pid, row in products.items()})
        lines = []
        for pid, qty in wanted.items():
            price = products[pid].price
            lines.append(SaleLine(pid, qty, price, money(qty * price),
                                  money(sum((d.cost for d in draws[pid]), ZERO))))
        total = sum((line.line_total for line in lines), ZERO)
        cost = sum((line.cost for line in lines), ZERO)
        if max(total, cost) > MAX_MONEY:
            raise ValidationFailed("the sale is too large to record",
                                   {"items": f"the total may not exceed {MAX_MONEY}"})
        created = at or utcnow()
        sale = {"total": total, "cost": cost, "created_at": created, "created_by": user_id}
        all_draws = [d for pid in sorted(draws) for d in draws[pid]]
        sale_id = _write_sale(connection, sale, lines, all_draws)
        note_created(session, _SALES)
        return SaleResult(sale_id, total, cost, created, lines)

    return run_once(factory, idem, work, lambda r: r.id)


def _write_sale(connection: Connection, sale: dict, lines: list[SaleLine],
                draws: list[fifo.Draw]) -> int:
    """Draw the lots down, append the sale, its lines and its ledger rows; the sale's id.

    On PostgreSQL that is one statement (see _WRITE_SALE_PG); elsewhere four.
    """
    if connection.dialect.name == "postgresql":
        return connection.execute(_WRITE_SALE_PG, {
            **sale, "moved_at": utcnow(),
            "line_products": [ln.product_id for ln in lines],
            "line_quantities": [ln.quantity for ln in lines],
            "line_prices": [ln.unit_price for ln in lines],
            "line_totals": [ln.line_total for ln in lines],
            "line_costs": [ln.cost for ln in lines],
            "draw_products": [d.item_id for d in draws],
            "draw_lots": [d.layer_id for d in draws],
            "draw_takes": [d.quantity for d in draws],
            "draw_costs": [d.unit_cost for d in draws],
        }).scalar_one()
    _draw_down(connection, _LOTS, draws)
    sale_id = connection.execute(_INSERT_SALE, sale).scalar_one()
    connection.execute(_INSERT_SALE_ITEMS, rows_param([
        {"sale_id": sale_id, "product_id": ln.product_id, "quantity": ln.quantity,
         "unit_price": ln.unit_price, "line_total": ln.line_total, "cost": ln.cost}
        for ln in lines]))
    write_moves(connection, [Move(-d.quantity, d.unit_cost, "sale", "sale", sale_id,
                                  product_id=d.item_id, lot_id=d.layer_id) for d in draws],
                sale["created_by"])
    return int(sale_id)


# The writes of _write_sale as one PostgreSQL statement: every part of a data-modifying WITH
# runs, all or nothing, and CHECK (remaining >= 0) still guards each lot. The same rows as the
# four statements; the ledger rows carry the time they were written, as write_moves does.
_WRITE_SALE_PG = text("""
WITH drawn AS (
    UPDATE product_lots AS lot SET remaining = lot.remaining - draw.take
    FROM unnest(CAST(:draw_lots AS BIGINT[]), CAST(:draw_takes AS NUMERIC[]))
         AS draw(lot_id, take)
    WHERE lot.id = draw.lot_id
), sale AS (
    INSERT INTO sales (total, cost, created_at, created_by)
    VALUES (:total, :cost, :created_at, :created_by)
    RETURNING id
), lines AS (
    INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost)
    SELECT sale.id, line.product_id, line.quantity, line.unit_price, line.line_total, line.cost
    FROM sale, unnest(CAST(:line_products AS BIGINT[]), CAST(:line_quantities AS NUMERIC[]),
                      CAST(:line_prices AS NUMERIC[]), CAST(:line_totals AS NUMERIC[]),
                      CAST(:line_costs AS NUMERIC[]))
         AS line(product_id, quantity, unit_price, line_total, cost)
), moves AS (
    INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, ref_id,
                             created_at, created_by)
    SELECT draw.product_id, draw.lot_id, -draw.take, draw.unit_cost, 'sale', 'sale', sale.id,
           :moved_at, :created_by
    FROM sale, unnest(CAST(:draw_products AS BIGINT[]), CAST(:draw_lots AS BIGINT[]),
                      CAST(:draw_takes AS NUMERIC[]), CAST(:draw_costs AS NUMERIC[]))
         AS draw(product_id, lot_id, take, unit_cost)
)
SELECT id FROM sale
""")


# --- adjustments -----------------------------------------------------------------------------

def adjust_stock(
    factory: SessionFactory,
    *,
    quantity_delta: Decimal,
    reason: str,
    material_id: int | None = None,
    product_id: int | None = None,
    note: str | None = None,
    user_id: int | None = None,
) -> Outcome[StockAdjustment]:
    """Correct stock (waste, a count, damage): losses FIFO, finds as a new layer at latest cost."""

    def work(session: Session) -> StockAdjustment:
        is_material = material_id is not None
        model = Material if is_material else Product
        item_id = material_id if is_material else product_id
        assert item_id is not None
        locked = lock_rows(session, model, [item_id], model.name)
        if item_id not in locked:
            field_name = "material_id" if is_material else "product_id"
            raise ValidationFailed("unknown item",
                                   {field_name: f"no {model.__tablename__[:-1]} with id {item_id}"})
        adjustment = StockAdjustment(material_id=material_id, product_id=product_id,
                                     quantity_delta=quantity_delta, reason=reason, note=note,
                                     created_at=utcnow(), created_by=user_id)
        session.add(adjustment)
        session.flush()
        layers = (_open_batches if is_material else _open_lots)(session, [item_id])
        if quantity_delta < 0:
            draws = fifo.withdraw("material" if is_material else "product",
                                  {item_id: -quantity_delta}, layers, {item_id: locked[item_id].name})
            _draw_down(session, _BATCHES if is_material else _LOTS, draws[item_id])
            moves = [_layer_move(is_material, -d.quantity, d.unit_cost, reason, adjustment.id,
                                 item_id, d.layer_id) for d in draws[item_id]]
        else:
            cost = _latest_cost(session, is_material, item_id)
            layer_id = _new_layer(session, is_material, item_id, quantity_delta, cost)
            moves = [_layer_move(is_material, quantity_delta, cost, reason, adjustment.id,
                                 item_id, layer_id)]
        write_moves(session, moves, user_id)
        return adjustment

    return run_once(factory, None, work, lambda a: a.id)


def _layer_move(is_material: bool, delta: Decimal, cost: Decimal, reason: str, ref_id: int,
                item_id: int, layer_id: int) -> Move:
    if is_material:
        return Move(delta, cost, reason, "adjustment", ref_id, material_id=item_id, batch_id=layer_id)
    return Move(delta, cost, reason, "adjustment", ref_id, product_id=item_id, lot_id=layer_id)


def _latest_cost(session: Session, is_material: bool, item_id: int) -> Decimal:
    """The cost of the newest layer of an item, used to value stock that turned up in a count."""
    if is_material:
        query = (select(_BATCHES.c.cost_per_unit).where(_BATCHES.c.material_id == item_id)
                 .order_by(_BATCHES.c.purchase_date.desc(), _BATCHES.c.id.desc()))
    else:
        query = (select(_LOTS.c.unit_cost).where(_LOTS.c.product_id == item_id)
                 .order_by(_LOTS.c.id.desc()))
    found = session.execute(query.limit(1)).scalar()
    return found if found is not None else ZERO


def _new_layer(session: Session, is_material: bool, item_id: int, qty: Decimal,
               cost: Decimal) -> int:
    now = utcnow()
    if is_material:
        return session.execute(insert(MaterialBatch).returning(MaterialBatch.id), {
            "material_id": item_id, "quantity": qty, "remaining": qty,
            "cost_per_unit": money(cost), "purchase_date": today(), "created_at": now,
        }).scalar_one()
    return session.execute(insert(ProductLot).returning(ProductLot.id), {
        "product_id": item_id, "quantity": qty, "remaining": qty, "unit_cost": cost,
        "created_at": now,
    }).scalar_one()
