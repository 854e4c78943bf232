"""Stock as people read it: materials, products, their layers, the ledger, low-stock alerts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from ..clock import bakery_zone, day_bounds, now
from ..db.engine import Executor
from ..db.models import Material, MaterialBatch, Product, ProductLot, StockMove, as_utc
from ..db.stock_layers import (
    BOUND_NOW,
    expired_lot,
    lot_issue_order,
    open_batch_records,
    open_lot,
    sellable_lot,
)
from ..domain.errors import NotFound
from ..domain.numbers import QUANTITY_PLACES, money
from .composition import compositions
from .pages import PageRequest, paged, split_page

B = MaterialBatch.__table__
L = ProductLot.__table__
P = Product.__table__


def _material_stock() -> Any:
    return (
        select(B.c.material_id,
               func.sum(B.c.remaining).label("on_hand"),
               func.sum(B.c.remaining * B.c.cost_per_unit).label("stock_value"))
        .where(B.c.remaining > 0).group_by(B.c.material_id).subquery()
    )


def _materials_query() -> Select:
    stock = _material_stock()
    return select(
        Material.id, Material.name, Material.unit, Material.min_quantity, Material.issue_order,
        Material.allergens, Material.may_contain, Material.pack_sizes, Material.grams_per_unit,
        func.coalesce(stock.c.on_hand, 0).label("on_hand"),
        func.coalesce(stock.c.stock_value, 0).label("stock_value"),
    ).outerjoin(stock, stock.c.material_id == Material.id)


def material_dict(row: Any) -> dict:
    on_hand = Decimal(row.on_hand)
    return {
        "id": row.id, "name": row.name, "unit": row.unit, "min_quantity": row.min_quantity,
        "issue_order": row.issue_order, "on_hand": on_hand, "stock_value": money(row.stock_value),
        "low_stock": on_hand < row.min_quantity,
        "allergens": row.allergens.split(), "may_contain": row.may_contain.split(),
        "pack_sizes": json.loads(row.pack_sizes or "[]"), "grams_per_unit": row.grams_per_unit,
    }


def batch_dict(batch: Any) -> dict:
    return {
        "id": batch.id, "material_id": batch.material_id, "quantity": batch.quantity,
        "remaining": batch.remaining, "cost_per_unit": batch.cost_per_unit,
        "purchase_date": batch.purchase_date, "expiry_date": batch.expiry_date,
        "lot": batch.lot, "supplier": batch.supplier, "created_at": as_utc(batch.created_at),
        "on_hold": batch.hold_id is not None, "adjustment_id": batch.adjustment_id,
    }


def list_materials(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    rows, cursor = split_page(session.execute(paged(_materials_query(), Material.id, page)).all(),
                              page)
    return [material_dict(r) for r in rows], cursor


def get_material(session: Session, material_id: int) -> dict:
    row = session.execute(_materials_query().where(Material.id == material_id)).first()
    if row is None:
        raise NotFound(f"no material with id {material_id}")
    result = material_dict(row)
    result["batches"] = [batch_dict(b) for b in open_batch_records(session, material_id)]
    return result


def _lot_sum(where: Any, label: str) -> Any:
    return (select(L.c.product_id, func.sum(L.c.remaining).label(label))
            .where(where).group_by(L.c.product_id).subquery())


_PRODUCT_COLUMNS = (
    P.c.id, P.c.name, P.c.price, P.c.min_quantity, P.c.sellable,
    P.c.allergens.label("declared_allergens"), P.c.may_contain.label("declared_may_contain"),
    P.c.tax_rate, P.c.eat_in_tax_rate, P.c.shelf_life_hours, P.c.day_old_product_id,
)


def _stock_of_product(where: Any, label: str) -> Any:
    """The product's stock in the lots `where` selects, 0 when none (a sum correlated to the
    product only: its own product_lots shadows any the outer statement joins)."""
    return func.coalesce(select(func.sum(L.c.remaining))
                         .where(L.c.product_id == P.c.id, where).correlate(P)
                         .scalar_subquery(), 0).label(label)


# Products with their sellable `on_hand` and the `expired` stock awaiting write-off, built once
# ('now' bound on each call); a page of the list, the till's grid and one product's answer
# start from it.
_PRODUCTS = select(
    *_PRODUCT_COLUMNS,
    _stock_of_product(sellable_lot(BOUND_NOW), "on_hand"),
    _stock_of_product(expired_lot(BOUND_NOW), "expired"),
)
# A product's answer in one statement, built once: the product, its sellable and expired
# stock, and one row per open lot (none: one row with the lot's columns null), in issue order.
_PRODUCT_WITH_LOTS = (
    _PRODUCTS.add_columns(
        L.c.id.label("lot_id"), L.c.quantity.label("lot_quantity"),
        L.c.remaining.label("lot_remaining"), L.c.unit_cost.label("lot_unit_cost"),
        L.c.production_run_id.label("lot_production_run_id"),
        L.c.created_at.label("lot_created_at"), L.c.best_before.label("lot_best_before"),
        L.c.hold_id.label("lot_hold_id"),
    )
    .outerjoin(L, and_(L.c.product_id == P.c.id, open_lot()))
    .where(P.c.id == bindparam("product_id"))
    .order_by(*lot_issue_order())
)
# The till's grid in one statement, built once: the products for sale with their sellable
# stock and what of it expires before the bakery's day ends.
_END_OF_DAY = bindparam("end_of_day", type_=DateTime(timezone=True))
_TILL_PRODUCTS = (
    _PRODUCTS.add_columns(
        _stock_of_product(and_(sellable_lot(BOUND_NOW), expired_lot(_END_OF_DAY)),
                          "expiring_today"),
    )
    .where(P.c.sellable.is_(True))
    .order_by(P.c.id)
)


def product_dict(row: Any) -> dict:
    on_hand = Decimal(row.on_hand)
    return {
        "id": row.id, "name": row.name, "price": row.price, "on_hand": on_hand,
        "min_quantity": row.min_quantity, "shelf_life_hours": row.shelf_life_hours,
        "day_old_product_id": row.day_old_product_id,
        "expired": Decimal(row.expired),
        "low_stock": row.min_quantity is not None and on_hand < row.min_quantity,
        "sellable": row.sellable,
        # what the product itself declares (its form edits these; answers show the derived)
        "declared": {"allergens": row.declared_allergens.split(),
                     "may_contain": row.declared_may_contain.split()},
        "tax_rate": row.tax_rate, "eat_in_tax_rate": row.eat_in_tax_rate,
    }


def _lot_dict(row: Any) -> dict:
    """An open lot from a row of `_PRODUCT_WITH_LOTS`."""
    return {"id": row.lot_id, "quantity": row.lot_quantity, "remaining": row.lot_remaining,
            "unit_cost": money(row.lot_unit_cost),
            "production_run_id": row.lot_production_run_id,
            "created_at": as_utc(row.lot_created_at),
            "best_before": as_utc(row.lot_best_before) if row.lot_best_before else None,
            "on_hold": row.lot_hold_id is not None}


def _with_composition(db: Executor, products: list[dict], ingredients: bool = True
                      ) -> list[dict]:
    """Add each product's allergens and ingredient list, derived through its recipes."""
    made_of = compositions(db, products, ingredients)
    for product in products:
        product.update(made_of[product["id"]])
    return products


def list_products(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    rows, cursor = split_page(
        session.execute(paged(_PRODUCTS, P.c.id, page), {"now": now()}).all(), page)
    return _with_composition(session, [product_dict(r) for r in rows]), cursor


def get_product(db: Executor, product_id: int) -> dict:
    """A product with its stock, composition and open lots: three statements, whatever it
    holds (the product and its lots, then the recipe graph)."""
    rows = db.execute(_PRODUCT_WITH_LOTS, {"product_id": product_id, "now": now()}).all()
    if not rows:
        raise NotFound(f"no product with id {product_id}")
    result = _with_composition(db, [product_dict(rows[0])])[0]
    result["lots"] = [_lot_dict(row) for row in rows if row.lot_id is not None]
    return result


def till_products(db: Executor) -> list[dict]:
    """The products for sale (doughs and fillings, `sellable` false, stay off the till), as
    `list_products` shows them but without ingredient lists (the till shows allergens), each
    with `expiring_today`: its sellable stock whose best-before falls before the bakery's day
    ends. Two statements, however many products."""
    at, zone = now(), bakery_zone()
    day = at.astimezone(zone).date()
    end_of_day = day_bounds(day, day, zone)[1]
    products = []
    for row in db.execute(_TILL_PRODUCTS, {"now": at, "end_of_day": end_of_day}):
        product = product_dict(row)
        product["expiring_today"] = Decimal(row.expiring_today)
        products.append(product)
    return _with_composition(db, products, ingredients=False)


def move_dict(row: Any) -> dict:
    ref = f"{row.ref_type}:{row.ref_id}" if row.ref_id is not None else row.ref_type
    return {
        "id": row.id, "material_id": row.material_id, "batch_id": row.batch_id,
        "product_id": row.product_id, "lot_id": row.lot_id, "delta": row.delta,
        "unit_cost": money(row.unit_cost), "reason": row.reason, "ref": ref,
        "created_by": row.created_by, "created_at": as_utc(row.created_at),
    }


def list_moves(session: Session, page: PageRequest, material_id: int | None = None,
               product_id: int | None = None) -> tuple[list[dict], str | None]:
    """The ledger, newest first, optionally for one material or product."""
    M = StockMove.__table__
    query = select(M)
    if material_id is not None:
        query = query.where(M.c.material_id == material_id)
    if product_id is not None:
        query = query.where(M.c.product_id == product_id)
    rows, cursor = split_page(session.execute(paged(query, M.c.id, page, newest_first=True)).all(),
                              page)
    return [move_dict(r) for r in rows], cursor


def low_stock(session: Session) -> list[dict]:
    """Materials below their minimum, the largest shortfall first."""
    stock = _material_stock()
    on_hand = func.coalesce(stock.c.on_hand, 0)
    rows = session.execute(
        select(Material.id, Material.name, Material.unit, Material.min_quantity,
               on_hand.label("on_hand"))
        .outerjoin(stock, stock.c.material_id == Material.id)
        .where(func.round(on_hand, QUANTITY_PLACES) < Material.min_quantity)
        .order_by((Material.min_quantity - on_hand).desc(), Material.id)
    ).all()
    return [
        {"kind": "material", "material_id": r.id, "name": r.name, "unit": r.unit,
         "on_hand": Decimal(r.on_hand), "min_quantity": r.min_quantity,
         "shortfall": r.min_quantity - Decimal(r.on_hand)}
        for r in rows
    ] + low_stock_products(session)


def low_stock_products(session: Session) -> list[dict]:
    """Products that have a minimum and are below it, the largest shortfall first."""
    stock = _lot_sum(sellable_lot(now()), "on_hand")
    on_hand = func.coalesce(stock.c.on_hand, 0)
    rows = session.execute(
        select(Product.id, Product.name, Product.min_quantity, on_hand.label("on_hand"))
        .outerjoin(stock, stock.c.product_id == Product.id)
        .where(Product.min_quantity.is_not(None), on_hand < Product.min_quantity)
        .order_by((Product.min_quantity - on_hand).desc(), Product.id)
    ).all()
    return [
        {"kind": "product", "product_id": r.id, "name": r.name, "unit": "pcs",
         "on_hand": Decimal(r.on_hand), "min_quantity": r.min_quantity,
         "shortfall": r.min_quantity - Decimal(r.on_hand)}
        for r in rows
    ]


def ledger_mismatches(session: Session) -> list[dict]:
    """Every batch or lot whose `remaining` differs from the sum of its ledger rows."""
    M = StockMove.__table__
    problems = []
    for layer, key, kind in ((B, M.c.batch_id, "batch"), (L, M.c.lot_id, "lot")):
        sums = select(key.label("layer_id"), func.sum(M.c.delta).label("total")) \
            .where(key.is_not(None)).group_by(key).subquery()
        rows = session.execute(
            select(layer.c.id, layer.c.remaining, func.coalesce(sums.c.total, 0).label("total"))
            .outerjoin(sums, sums.c.layer_id == layer.c.id)
            # Compared at the stored scale: SQLite sums NUMERIC as binary floating point.
            .where(func.round(func.coalesce(sums.c.total, 0) - layer.c.remaining,
                              QUANTITY_PLACES) != 0)
        ).all()
        problems += [{"kind": kind, "id": r.id, "remaining": r.remaining,
                      "ledger": Decimal(r.total)} for r in rows]
        negatives = session.execute(select(layer.c.id).where(layer.c.remaining < 0)).all()
        problems += [{"kind": kind, "id": r.id, "problem": "negative"} for r in negatives]
    orphans = session.execute(
        select(func.count()).select_from(M).where(and_(M.c.batch_id.is_(None), M.c.lot_id.is_(None)))
    ).scalar_one()
    if orphans:
        problems.append({"kind": "move", "problem": f"{orphans} ledger rows name no batch or lot"})
    return problems




def get_batch(session: Session, batch_id: int) -> dict:
    batch = session.get(MaterialBatch, batch_id)
    if batch is None:
        raise NotFound(f"no batch with id {batch_id}")
    return batch_dict(batch)
