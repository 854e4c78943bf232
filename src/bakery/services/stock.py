"""Stock use cases: receive a batch, bake, sell, adjust. Each is one all-or-nothing transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, true, update
from sqlalchemy.orm import Session

from ..clock import UTC, today
from ..db.engine import Executor, rows_param
from ..db.locks import lock_rows
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Quantity,
    Recipe,
    Sale,
    SaleItem,
    SalePayment,
    StockAdjustment,
    TillSession,
    utcnow,
)
from ..db.stock_layers import (
    drawable_batches,
    drawable_lots,
    latest_batch_costs,
    latest_lot_costs,
    recipe_lines,
    recipe_product_lines,
)
from ..domain import fifo
from ..domain.costing import cost_of, latest_cost
from ..domain.errors import InsufficientStock, NotFound, ValidationFailed
from ..domain.freshness import shelf_life_end
from ..domain.numbers import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_UNIT_COST,
    QUANTITY_PLACES,
    ZERO,
    money,
    unit_cost,
)
from ..domain.payments import Payment, settle
from ..domain.production import plan_production
from ..domain.tax import rate_for, tax_in
from ..domain.units import rounded, unit_cost_in
from .catalog import in_material_unit, material_packs
from .ledger import Move, note_created, write_moves
from .till import lock_open_session, refuse_closed
from .unit_of_work import (
    Idempotency,
    Outcome,
    SessionFactory,
    Unit,
    run_once,
    run_once_on_connection,
    set_resource,
)

_BATCHES = MaterialBatch.__table__
_LOTS = ProductLot.__table__
_SALES = Sale.__table__
_SALE_ITEMS = SaleItem.__table__
_PRODUCTS_TABLE = Product.__table__
# Built once (see db/stock_layers.py): these run on every sale and production run.
_DRAW_DOWN = {
    table: update(table).where(table.c.id == bindparam("layer_id")).values(
        remaining=func.round(table.c.remaining - bindparam("take", type_=Quantity), QUANTITY_PLACES))
    for table in (_BATCHES, _LOTS)
}
_INSERT_SALE = insert(_SALES).returning(_SALES.c.id)
_INSERT_SALE_ITEMS = insert(_SALE_ITEMS)
_INSERT_SALE_PAYMENTS = insert(SalePayment.__table__)
_SOLD_COLUMNS = (Product.name, Product.price, Product.tax_rate, Product.eat_in_tax_rate)
_TILLS = TillSession.__table__
# A counter sale's two locks in one statement: rows are locked in the order of FROM, so the till
# session's row before each product's, and the products in id order. The products are locked
# FOR UPDATE (their lots are drawn down); the till session only FOR SHARE on PostgreSQL: sales on
# one till do not wait for each other, while closing the till or moving cash (FOR UPDATE) waits
# for the sales in flight, and a sale that comes after sees the till closed.
_LOCK_TILL_AND_PRODUCTS = (
    select(_TILLS.c.status.label("till_status"), _PRODUCTS_TABLE.c.id,
           *(_PRODUCTS_TABLE.c[column.key] for column in _SOLD_COLUMNS))
    .select_from(_TILLS.join(_PRODUCTS_TABLE, true()))
    .where(_TILLS.c.id == bindparam("till_id"),
           _PRODUCTS_TABLE.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_PRODUCTS_TABLE.c.id)
    # Written out: SQLAlchemy writes one locking clause, and the first one named locks first.
    .suffix_with(f"FOR SHARE OF {_TILLS.name} FOR UPDATE OF {_PRODUCTS_TABLE.name}",
                 dialect="postgresql"))


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
    unit: str | None = None,
) -> Outcome[MaterialBatch]:
    """Book a delivery of a material into stock at its cost.

    With `unit` (a sack, g, lb...), quantity and cost per unit are in that unit and are
    converted to the material's own unit.
    """
    # The batch's value is the same in any unit; it must fit a money figure.
    if quantity * cost_per_unit > MAX_MONEY:
        raise ValidationFailed("the batch is worth too much to record", {
            "cost_per_unit": f"quantity x cost_per_unit may not exceed {MAX_MONEY}"})

    def work(session: Session) -> MaterialBatch:
        material = session.get(Material, material_id)
        if material is None:
            raise NotFound(f"no material with id {material_id}")
        qty, cost = quantity, cost_per_unit
        if unit is not None:
            qty = in_material_unit(material, quantity, unit, "unit")
            cost = rounded(unit_cost_in(cost_per_unit, unit, material.unit,
                                        material_packs(material)))
            if cost > MAX_UNIT_COST:
                raise ValidationFailed("cost per unit out of range", {
                    "cost_per_unit": f"is {cost} per {material.unit}, out of range"})
        batch = MaterialBatch(
            material_id=material_id, quantity=qty, remaining=qty,
            cost_per_unit=cost, purchase_date=purchase_date or today(),
            expiry_date=expiry_date, lot=lot, supplier=supplier,
            created_at=utcnow(), created_by=user_id,
        )
        session.add(batch)
        session.flush()
        write_moves(session, [Move(qty, cost, "purchase", "batch", batch.id,
                                   material_id=material_id, batch_id=batch.id)], user_id)
        return batch

    return run_once(factory, idem, work, lambda b: b.id)


# --- the two kinds of stock ------------------------------------------------------------------

def _batch_move(delta: Decimal, cost: Decimal, reason: str, ref_type: str, ref_id: int,
                material_id: int, batch_id: int) -> Move:
    return Move(delta, cost, reason, ref_type, ref_id, material_id=material_id, batch_id=batch_id)


def _lot_move(delta: Decimal, cost: Decimal, reason: str, ref_type: str, ref_id: int,
              product_id: int, lot_id: int) -> Move:
    return Move(delta, cost, reason, ref_type, ref_id, product_id=product_id, lot_id=lot_id)


def _new_batch(session: Session, material_id: int, qty: Decimal, cost: Decimal,
               adjustment_id: int) -> int:
    return session.execute(insert(MaterialBatch).returning(MaterialBatch.id), {
        "material_id": material_id, "quantity": qty, "remaining": qty,
        "cost_per_unit": unit_cost(cost), "purchase_date": today(), "created_at": utcnow(),
        "adjustment_id": adjustment_id,
    }).scalar_one()


def _new_lot(session: Session, product_id: int, qty: Decimal, cost: Decimal,
             adjustment_id: int) -> int:
    made = utcnow()
    return session.execute(insert(ProductLot).returning(ProductLot.id), {
        "product_id": product_id, "quantity": qty, "remaining": qty, "unit_cost": cost,
        "created_at": made, "adjustment_id": adjustment_id,
        "best_before": _best_before(session, product_id, made),
    }).scalar_one()


def _best_before(session: Session, product_id: int, made: datetime) -> datetime | None:
    """When a lot of the product made at `made` stops being sellable (null: it keeps)."""
    hours = session.execute(select(Product.shelf_life_hours)
                            .where(Product.id == product_id)).scalar_one_or_none()
    return shelf_life_end(made, hours)


@dataclass(frozen=True)
class StockKind:
    """What differs between materials (stocked in batches) and products (stocked in lots)."""

    name: str  # "material" or "product": shortfalls, error fields
    model: Any  # the item's model, whose row is locked first
    layers: Table  # the table of its layers
    drawable: Callable[[Executor, Collection[int]], dict[int, list[fifo.StockLayer]]]
    latest_costs: Callable[[Executor, Collection[int]], dict[int, Decimal]]
    move: Callable[[Decimal, Decimal, str, str, int, int, int], Move]  # a ledger row on a layer
    new_layer: Callable[[Session, int, Decimal, Decimal, int], int]  # found in an adjustment

    def moves_out(self, draws: list[fifo.Draw], reason: str, ref_type: str,
                  ref_id: int) -> list[Move]:
        """The ledger rows of drawing these layers down."""
        return [self.move(-d.quantity, d.unit_cost, reason, ref_type, ref_id, d.item_id, d.layer_id)
                for d in draws]


_MATERIALS = StockKind("material", Material, _BATCHES, drawable_batches, latest_batch_costs,
                      _batch_move, _new_batch)
_PRODUCTS = StockKind("product", Product, _LOTS, drawable_lots, latest_lot_costs,
                     _lot_move, _new_lot)


def draw_down(session: Executor, table: Table, draws: list[fifo.Draw]) -> None:
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
    consumed_lots: list[fifo.Draw] = field(default_factory=list)  # intermediates' lots
    best_before: datetime | None = None


def run_production(
    factory: SessionFactory,
    *,
    recipe_id: int,
    batches: int,
    user_id: int | None = None,
    idem: Idempotency | None = None,
    best_before: datetime | None = None,
) -> Outcome[ProductionResult]:
    """Bake `batches` of a recipe: draw materials FIFO, add one product lot at their cost.

    The lot keeps until `best_before` when given, otherwise for the product's shelf life.
    """

    def work(session: Session) -> ProductionResult:
        recipe = session.get(Recipe, recipe_id)
        if recipe is None:
            raise ValidationFailed("unknown recipe", {"recipe_id": f"no recipe with id {recipe_id}"})
        lines = recipe_lines(session, [recipe_id])[recipe_id]
        material_ids = [line.material_id for line in lines]
        materials = lock_rows(session, Material, material_ids, Material.name)
        # intermediates (a dough): their lots are locked after the materials, as sales lock them
        product_lines = recipe_product_lines(session, [recipe_id])[recipe_id]
        product_ids = [line.material_id for line in product_lines]
        products = lock_rows(session, Product, product_ids, Product.name) if product_ids else {}
        plan = plan_production(lines, batches, recipe.yield_quantity,
                               drawable_batches(session, material_ids),
                               {mid: row.name for mid, row in materials.items()},
                               product_lines, drawable_lots(session, product_ids) if product_ids
                               else {}, {pid: row.name for pid, row in products.items()})
        if plan.shortfalls:
            raise InsufficientStock(plan.shortfalls)
        consumed, exact_cost, produced = plan.consumed, plan.cost, plan.produced
        if produced > MAX_QUANTITY or money(exact_cost) > MAX_MONEY:
            raise ValidationFailed("the run is too large to record", {
                "batches": f"would make more than {MAX_QUANTITY} units or cost more than "
                           f"{MAX_MONEY}; bake fewer batches"})
        now = utcnow()
        draw_down(session, _BATCHES, consumed)
        draw_down(session, _LOTS, plan.consumed_lots)
        run = ProductionRun(recipe_id=recipe_id, product_id=recipe.product_id, batches=batches,
                            produced_quantity=produced, total_cost=money(exact_cost),
                            created_at=now, created_by=user_id)
        session.add(run)
        session.flush()
        if consumed:
            session.execute(insert(ProductionConsumption), [
                {"run_id": run.id, "material_id": d.item_id, "batch_id": d.layer_id,
                 "quantity": d.quantity, "cost_per_unit": d.unit_cost} for d in consumed])
        lot_cost = plan.unit_cost
        keeps_until = (best_before.astimezone(UTC) if best_before
                       else _best_before(session, recipe.product_id, now))
        lot_id = session.execute(
            insert(ProductLot).returning(ProductLot.id),
            {"product_id": recipe.product_id, "production_run_id": run.id, "quantity": produced,
             "remaining": produced, "unit_cost": lot_cost, "created_at": now,
             "best_before": keeps_until},
        ).scalar_one()
        moves = _MATERIALS.moves_out(consumed, "production", "production_run", run.id)
        moves += _PRODUCTS.moves_out(plan.consumed_lots, "production", "production_run", run.id)
        moves.append(_lot_move(produced, lot_cost, "production", "production_run", run.id,
                               recipe.product_id, lot_id))
        write_moves(session, moves, user_id)
        return ProductionResult(run, lot_id, consumed, plan.consumed_lots, keeps_until)

    return run_once(factory, idem, work, lambda r: r.run.id)


# --- sales -----------------------------------------------------------------------------------

@dataclass
class SaleLine:
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    cost: Decimal
    tax_rate: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass
class SaleResult:
    id: int
    total: Decimal
    cost: Decimal
    created_at: datetime
    created_by: int | None
    items: list[SaleLine]
    tax: Decimal = ZERO
    change: Decimal = ZERO
    eat_in: bool = False
    till_session_id: int | None = None
    payments: list[Payment] = field(default_factory=list)  # as tendered; none: cash, exactly


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
    payments: list[Payment] | None = None,
    eat_in: bool = False,
    till_session_id: int | None = None,
    before: Callable[[Connection], None] | None = None,
    after: Callable[[Connection, SaleResult], None] | None = None,
) -> Outcome[SaleResult]:
    """Sell products at their current price, oldest lots first, carrying their FIFO cost.

    Tax is taken out of each tax-inclusive line at the product's rate (its eat-in rate for a
    sale eaten in). No `payments` means one cash payment of the total, and nothing more is
    written for it; given payments are checked and stored with the change they leave.

    `before` and `after` run inside the sale's transaction, on its Connection, before the
    products are locked and once the sale is written: a use case that is a sale and more
    (fulfilling a customer order) checks and records its part there, all or nothing with the
    sale.
    """
    wanted = merge_lines(items)

    def work(unit: Unit) -> SaleResult:
        connection = unit.connection
        if before is not None:
            before(connection)
        products = _lock_for_sale(connection, till_session_id, wanted)
        missing = [pid for pid in wanted if pid not in products]
        if missing:
            raise ValidationFailed("unknown product", {
                f"items.{i}.product_id": f"no product with id {pid}"
                for i, (pid, _) in enumerate(items) if pid in missing})
        layers = drawable_lots(connection, wanted)
        draws = fifo.withdraw("product", wanted, layers,
                              {pid: row.name for pid, row in products.items()})
        lines = []
        for pid, qty in wanted.items():
            row = products[pid]
            line_total = money(qty * row.price)
            rate = rate_for(row.tax_rate, row.eat_in_tax_rate, eat_in)
            lines.append(SaleLine(pid, qty, row.price, line_total, money(cost_of(draws[pid])),
                                  rate, tax_in(line_total, rate)))
        total = sum((line.line_total for line in lines), ZERO)
        cost = sum((line.cost for line in lines), ZERO)
        if max(total, cost) > MAX_MONEY:
            raise ValidationFailed("the sale is too large to record",
                                   {"items": f"the total may not exceed {MAX_MONEY}"})
        settlement = settle(total, payments)
        paid = list(settlement.payments) if settlement.given else []
        created = at or utcnow()
        tax = sum((line.tax for line in lines), ZERO)
        sale = {"total": total, "cost": cost, "created_at": created, "created_by": user_id,
                "tax": tax, "change": settlement.change, "eat_in": eat_in,
                "till_session_id": till_session_id}
        all_draws = [d for pid in sorted(draws) for d in draws[pid]]
        sale_id = _write_sale(connection, sale, lines, all_draws, paid, unit.claim_id)
        note_created(unit.session, _SALES)
        result = SaleResult(sale_id, total, cost, created, user_id, lines, tax,
                            settlement.change, eat_in, till_session_id, paid)
        if after is not None:
            after(connection, result)
        return result

    return run_once_on_connection(factory, idem, work, lambda r: r.id)


def _lock_for_sale(connection: Connection, till_session_id: int | None,
                   wanted: Collection[int]) -> dict[int, Any]:
    """Lock the till session (open, or 422/409) and then the products in id order; the products.

    With a till session both are locked by one statement, the session's row first (the order
    refunds and closing take them in), and the rows found carry the session's status. When it
    finds nothing, the two locks are taken one by one to say which is missing.
    """
    if till_session_id is not None:
        rows = connection.execute(_LOCK_TILL_AND_PRODUCTS, {
            "till_id": till_session_id, "ids": sorted(set(wanted))}).all()
        if rows:
            refuse_closed(rows[0].till_status, till_session_id)
            return {row.id: row for row in rows}
        lock_open_session(connection, till_session_id)
    return lock_rows(connection, Product, wanted, *_SOLD_COLUMNS)


def _write_sale(connection: Connection, sale: dict, lines: list[SaleLine],
                draws: list[fifo.Draw], payments: list[Payment], claim_id: int | None) -> int:
    """Draw the lots down, append the sale, its lines, payments and ledger rows, and record the
    sale on the claimed Idempotency-Key; the sale's id.

    On PostgreSQL that is one statement (see _WRITE_SALE_PG); elsewhere four (five with
    payments, and one more for the key).
    """
    if connection.dialect.name == "postgresql":
        return connection.execute(_WRITE_SALE_PG, {
            **sale, "moved_at": utcnow(), "claim_id": claim_id,
            "line_products": [ln.product_id for ln in lines],
            "line_quantities": [ln.quantity for ln in lines],
            "line_prices": [ln.unit_price for ln in lines],
            "line_totals": [ln.line_total for ln in lines],
            "line_costs": [ln.cost for ln in lines],
            "line_rates": [ln.tax_rate for ln in lines],
            "line_taxes": [ln.tax for ln in lines],
            "pay_methods": [p.method for p in payments],
            "pay_amounts": [p.amount for p in payments],
            "draw_products": [d.item_id for d in draws],
            "draw_lots": [d.layer_id for d in draws],
            "draw_takes": [d.quantity for d in draws],
            "draw_costs": [d.unit_cost for d in draws],
        }).scalar_one()
    draw_down(connection, _LOTS, draws)
    sale_id = connection.execute(_INSERT_SALE, sale).scalar_one()
    connection.execute(_INSERT_SALE_ITEMS, rows_param([
        {"sale_id": sale_id, "product_id": ln.product_id, "quantity": ln.quantity,
         "unit_price": ln.unit_price, "line_total": ln.line_total, "cost": ln.cost,
         "tax_rate": ln.tax_rate, "tax": ln.tax}
        for ln in lines]))
    if payments:
        connection.execute(_INSERT_SALE_PAYMENTS, rows_param([
            {"sale_id": sale_id, "method": p.method, "amount": p.amount} for p in payments]))
    write_moves(connection, _PRODUCTS.moves_out(draws, "sale", "sale", sale_id), sale["created_by"])
    set_resource(connection, claim_id, sale_id)
    return int(sale_id)


# The writes of _write_sale as one PostgreSQL statement: every part of a data-modifying WITH
# runs, all or nothing, and CHECK (remaining >= 0) still guards each lot. The same rows as the
# four statements; the ledger rows carry the time they were written, as write_moves does. The
# claimed Idempotency-Key, if any, learns the sale's id in the same statement.
_WRITE_SALE_PG = text("""
WITH drawn AS (
    UPDATE product_lots AS lot SET remaining = lot.remaining - draw.take
    FROM unnest(CAST(:draw_lots AS BIGINT[]), CAST(:draw_takes AS NUMERIC[]))
         AS draw(lot_id, take)
    WHERE lot.id = draw.lot_id
), sale AS (
    INSERT INTO sales (total, cost, created_at, created_by, tax, change, eat_in, till_session_id)
    VALUES (:total, :cost, :created_at, :created_by, :tax, :change, :eat_in, :till_session_id)
    RETURNING id
), lines AS (
    INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost,
                            tax_rate, tax)
    SELECT sale.id, line.product_id, line.quantity, line.unit_price, line.line_total, line.cost,
           line.tax_rate, line.tax
    FROM sale, unnest(CAST(:line_products AS BIGINT[]), CAST(:line_quantities AS NUMERIC[]),
                      CAST(:line_prices AS NUMERIC[]), CAST(:line_totals AS NUMERIC[]),
                      CAST(:line_costs AS NUMERIC[]), CAST(:line_rates AS NUMERIC[]),
                      CAST(:line_taxes AS NUMERIC[]))
         AS line(product_id, quantity, unit_price, line_total, cost, tax_rate, tax)
), paid AS (
    INSERT INTO sale_payments (sale_id, method, amount)
    SELECT sale.id, pay.method, pay.amount
    FROM sale, unnest(CAST(:pay_methods AS VARCHAR[]), CAST(:pay_amounts AS NUMERIC[]))
         AS pay(method, amount)
), moves AS (
    INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, ref_id,
                             created_at, created_by)
    SELECT draw.product_id, draw.lot_id, -draw.take, draw.unit_cost, 'sale', 'sale', sale.id,
           :moved_at, :created_by
    FROM sale, unnest(CAST(:draw_products AS BIGINT[]), CAST(:draw_lots AS BIGINT[]),
                      CAST(:draw_takes AS NUMERIC[]), CAST(:draw_costs AS NUMERIC[]))
         AS draw(product_id, lot_id, take, unit_cost)
), claimed AS (
    UPDATE idempotency_keys AS claim SET resource_id = sale.id
    FROM sale WHERE claim.id = CAST(:claim_id AS BIGINT)
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
    kind, item_id = ((_MATERIALS, material_id) if material_id is not None
                     else (_PRODUCTS, product_id))
    assert item_id is not None

    def work(session: Session) -> StockAdjustment:
        locked = lock_rows(session, kind.model, [item_id], kind.model.name)
        if item_id not in locked:
            raise ValidationFailed("unknown item",
                                   {f"{kind.name}_id": f"no {kind.name} with id {item_id}"})
        adjustment = StockAdjustment(material_id=material_id, product_id=product_id,
                                     quantity_delta=quantity_delta, reason=reason, note=note,
                                     created_at=utcnow(), created_by=user_id)
        session.add(adjustment)
        session.flush()
        if quantity_delta < 0:
            draws = fifo.withdraw(kind.name, {item_id: -quantity_delta},
                                  kind.drawable(session, [item_id]),
                                  {item_id: locked[item_id].name})[item_id]
            draw_down(session, kind.layers, draws)
            moves = kind.moves_out(draws, reason, "adjustment", adjustment.id)
        else:
            cost = latest_cost(kind.latest_costs(session, [item_id]), item_id)
            layer_id = kind.new_layer(session, item_id, quantity_delta, cost, adjustment.id)
            moves = [kind.move(quantity_delta, cost, reason, "adjustment", adjustment.id,
                               item_id, layer_id)]
        write_moves(session, moves, user_id)
        return adjustment

    return run_once(factory, None, work, lambda a: a.id)
