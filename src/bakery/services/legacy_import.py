"""Importing the earlier app's `bakery_data.json` into an empty database, in one transaction.

The file is checked whole first (`domain.legacy.parse_legacy`); only then is anything written,
in bulk (one executemany per table and chunk, ids assigned here, no ORM objects per row), so a
file with years of sales imports in seconds. Opening stock enters the ledger as opening
balances (reason "opening", ref "import"); legacy sales are history: stored with their
recorded price and total, at cost 0, without touching today's stock or the ledger.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from .. import clock
from ..db.engine import transaction
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Recipe,
    RecipeIngredient,
    Sale,
    SaleItem,
    StockAdjustment,
    StockMove,
)
from ..db.sequences import reset_sequences
from ..db.stock_layers import drawable_batches, latest_batch_costs
from ..domain.costing import batch_cost, lot_unit_cost
from ..domain.errors import Conflict
from ..domain.fifo import StockLayer
from ..domain.legacy import LegacyData, load_legacy_json, parse_legacy
from ..domain.numbers import ZERO
from ..domain.recipes import Ingredient
from .unit_of_work import SessionFactory

CHUNK = 5_000
OPENING = "opening"
IMPORT_REF = "import"
# Tables that must be empty before an import: the bakery's stock and history.
STOCK_TABLES = (Material, MaterialBatch, Product, ProductLot, Recipe, RecipeIngredient,
                ProductionRun, ProductionConsumption, Sale, SaleItem, StockAdjustment, StockMove)
WRITTEN = (Material, MaterialBatch, Product, ProductLot, Recipe, RecipeIngredient, Sale, SaleItem,
           StockMove)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportSummary:
    counts: dict[str, int]
    notes: list[str]


def read_legacy_file(path: str | os.PathLike[str], *, missing_date: date | None = None,
                     zone: tzinfo = timezone.utc) -> LegacyData:
    """Read and check a legacy file without changing it (opened read-only, never written).

    Empty or missing dates become `missing_date`, by default the day the earlier app last
    wrote the file (its modification time, in `zone`): the latest day the data is known true.
    """
    with open(path, "rb") as source:
        raw = source.read()
        modified = os.fstat(source.fileno()).st_mtime
    if missing_date is None:
        missing_date = datetime.fromtimestamp(modified, zone).date()
    return parse_legacy(load_legacy_json(raw), missing_date=missing_date, zone=zone)


def rows_to_write(data: LegacyData) -> int:
    """How many rows an import writes, for a progress bar."""
    batches = sum(len(m.batches) for m in data.materials)
    lots = sum(1 for p in data.products if p.quantity > 0)
    lines = sum(len(r.ingredients) for r in data.recipes)
    return (len(data.materials) + 2 * batches + len(data.products) + 2 * lots
            + len(data.recipes) + lines + 2 * len(data.sales))


def occupied_tables(session: Session) -> dict[str, int]:
    """The stock and history tables that already hold rows, with their counts."""
    found = {}
    for model in STOCK_TABLES:
        count = session.execute(select(func.count()).select_from(model)).scalar_one()
        if count:
            found[model.__tablename__] = count
    return found


def refuse_unless_empty(session: Session, what: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Hold off any other writer until this transaction ends (SQLite: BEGIN IMMEDIATE did).
        names = ", ".join(m.__tablename__ for m in STOCK_TABLES)
        session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
    occupied = occupied_tables(session)
    if occupied:
        held = ", ".join(f"{count} {name}" for name, count in occupied.items())
        raise Conflict(f"{what} needs an empty database, but it already holds {held}; "
                       "point DATABASE_URL at a new database and run `bakery db upgrade` first",
                       {"database": "not empty"})


def import_legacy(factory: SessionFactory, data: LegacyData,
                  progress: Progress | None = None) -> ImportSummary:
    """Write a checked legacy file into an empty database: all of it or, on any error, nothing."""
    tick = progress or (lambda _n: None)
    now = clock.now()
    with transaction(factory) as session:
        refuse_unless_empty(session, "import-json")
        writer = _Writer(session, tick)
        material_ids = writer.materials(data, now)
        product_ids = writer.products(data, now)
        writer.batches(data, material_ids, now)
        writer.recipes(data, material_ids, product_ids, now)
        writer.opening_lots(data, material_ids, product_ids, now)
        writer.sales(data, product_ids)
        reset_sequences(session, [model.__table__ for model in WRITTEN])
    return ImportSummary(data.counts(), data.notes)


class _Writer:
    """Inserts one section after another, assigning ids itself (the tables start empty)."""

    def __init__(self, session: Session, tick: Progress) -> None:
        self.session = session
        self.tick = tick
        self.copy = session.get_bind().dialect.name == "postgresql"

    def insert(self, model: Any, rows: Iterable[dict[str, Any]]) -> None:
        table: Table = model.__table__
        for chunk in _chunks(rows, CHUNK):
            if self.copy:
                self._copy(table, chunk)
            else:
                self.session.execute(insert(table), chunk)
            self.tick(len(chunk))

    def _copy(self, table: Table, chunk: Sequence[dict[str, Any]]) -> None:
        """PostgreSQL's COPY, in this transaction: several times faster than INSERTs."""
        columns = list(chunk[0])
        driver = self.session.connection().connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in chunk:
                    copy.write_row([row[c] for c in columns])

    def materials(self, data: LegacyData, now: datetime) -> dict[str, int]:
        ids = {m.name: i for i, m in enumerate(data.materials, start=1)}
        self.insert(Material, ({"id": ids[m.name], "name": m.name, "unit": m.unit,
                                "min_quantity": m.min_quantity, "created_at": now}
                               for m in data.materials))
        return ids

    def products(self, data: LegacyData, now: datetime) -> dict[str, int]:
        ids = {p.name: i for i, p in enumerate(data.products, start=1)}
        self.insert(Product, ({"id": ids[p.name], "name": p.name, "price": p.price,
                               "min_quantity": None, "created_at": now} for p in data.products))
        return ids

    def batches(self, data: LegacyData, material_ids: dict[str, int], now: datetime) -> None:
        """Open batches in file order, each with its opening-balance ledger row."""
        rows, moves = [], []
        batch_id = 0
        for material in data.materials:
            mid = material_ids[material.name]
            for batch in material.batches:
                batch_id += 1
                rows.append({"id": batch_id, "material_id": mid, "quantity": batch.quantity,
                             "remaining": batch.quantity, "cost_per_unit": batch.cost_per_unit,
                             "purchase_date": batch.purchase_date, "expiry_date": None,
                             "lot": None, "supplier": None, "created_at": now,
                             "created_by": None})
                moves.append(_move(now, batch.quantity, batch.cost_per_unit,
                                   material_id=mid, batch_id=batch_id))
        self.insert(MaterialBatch, rows)
        self.insert(StockMove, moves)

    def recipes(self, data: LegacyData, material_ids: dict[str, int],
                product_ids: dict[str, int], now: datetime) -> None:
        self.insert(Recipe, ({"id": i, "name": r.name, "product_id": product_ids[r.name],
                              "yield_quantity": r.yield_quantity, "created_at": now}
                             for i, r in enumerate(data.recipes, start=1)))
        self.insert(RecipeIngredient, (
            {"recipe_id": i, "material_id": material_ids[name], "quantity": qty}
            for i, r in enumerate(data.recipes, start=1) for name, qty in r.ingredients))

    def opening_lots(self, data: LegacyData, material_ids: dict[str, int],
                     product_ids: dict[str, int], now: datetime) -> None:
        """Product stock as one opening lot each, valued at its recipe's FIFO cost per unit.

        The batches just written are read back as every other use case reads stock, so they
        are drawn in the same issue order.
        """
        ids = list(material_ids.values())
        costs = opening_unit_costs(data, material_ids, drawable_batches(self.session, ids),
                                   latest_batch_costs(self.session, ids))
        rows: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        for product in data.products:
            if product.quantity <= 0:
                continue
            lot_id = len(rows) + 1
            pid = product_ids[product.name]
            cost = costs.get(product.name, ZERO)
            rows.append({"id": lot_id, "product_id": pid, "production_run_id": None,
                         "quantity": product.quantity, "remaining": product.quantity,
                         "unit_cost": cost, "created_at": now})
            moves.append(_move(now, product.quantity, cost, product_id=pid, lot_id=lot_id))
        self.insert(ProductLot, rows)
        self.insert(StockMove, moves)

    def sales(self, data: LegacyData, product_ids: dict[str, int]) -> None:
        """Legacy sales as history: one sale with one line each, cost 0, no ledger rows."""
        self.insert(Sale, ({"id": i, "total": s.total, "cost": ZERO, "created_at": s.at,
                            "created_by": None} for i, s in enumerate(data.sales, start=1)))
        self.insert(SaleItem, ({"id": i, "sale_id": i, "product_id": product_ids[s.product],
                                "quantity": s.quantity, "unit_price": s.unit_price,
                                "line_total": s.total, "cost": ZERO}
                               for i, s in enumerate(data.sales, start=1)))


def opening_unit_costs(data: LegacyData, material_ids: dict[str, int],
                       layers: dict[int, list[StockLayer]],
                       latest_costs: dict[int, Decimal]) -> dict[str, Decimal]:
    """What one unit of each recipe's product costs at the imported batches' FIFO costs.

    Stock the file holds of a product has no recorded cost; this is the best estimate there is.
    Where an ingredient's stock falls short, its newest batch's cost prices the rest (as the
    recipe cost shown by the API does); a material with no stock at all counts as 0.
    """
    costs = {}
    for recipe in data.recipes:
        lines = [Ingredient(material_ids[name], qty) for name, qty in recipe.ingredients]
        costs[recipe.name] = lot_unit_cost(batch_cost(lines, layers, latest_costs),
                                           recipe.yield_quantity)
    return costs


def _move(now: datetime, delta: Decimal, cost: Decimal, **where: int) -> dict[str, Any]:
    return {"material_id": where.get("material_id"), "batch_id": where.get("batch_id"),
            "product_id": where.get("product_id"), "lot_id": where.get("lot_id"),
            "delta": delta, "unit_cost": cost, "reason": OPENING, "ref_type": IMPORT_REF,
            "ref_id": None, "created_at": now, "created_by": None}


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
