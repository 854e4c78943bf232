"""Property: over random days of receiving, baking, selling and writing off, every unit sold
traces back exactly: through its lots to the runs that made them and the batches they drew.

- each sale's traced draws add up, per product, to what the sale's lines say;
- each traced run's batches add up, per material, to the recipe's quantity times its batches;
- no sale drew a lot at or past its best-before, no run drew a batch past its expiry date;
- a recall of each supplier lot reaches exactly the sales of the lots its batches went into;
- the ledger matches stock.

The clock is a frozen one on a bare Flask app, moved forward by the generated days.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bakery.clock import Clock, install
from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import MaterialBatch, ProductionConsumption, ProductLot, StockMove
from bakery.domain.errors import DomainError
from bakery.queries import trace
from bakery.queries.inventory import ledger_mismatches
from bakery.services import catalog, food_safety, stock

START = datetime(2026, 11, 2, 5, 0, tzinfo=timezone.utc)
LOTS = ("L-1", "L-2", "L-3")
quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("12"), places=1)
small = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("4"), places=1)
# Every day starts stocked, so the generated sales have something to draw.
OPENING = [("receive", "L-1", Decimal(20), 3), ("bake", 0, 2), ("bake", 1, 1)]
days = st.lists(st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(LOTS), quantities, st.integers(-1, 4)),
    st.tuples(st.just("bake"), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("sell"), st.integers(0, 1), small),
    st.tuples(st.just("sell"), st.integers(0, 1), small),
    st.tuples(st.just("expire")),
    st.tuples(st.just("later"), st.integers(1, 30)),
), min_size=3, max_size=25)


class Day:
    """The scene: flour, two products (one keeps a day, one three), their recipes."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.flour = catalog.create_material(factory, name="Flour", unit="kg")
        self.butter = catalog.create_material(factory, name="Butter", unit="kg")
        stock.receive_batch(factory, self.butter, quantity=Decimal(500),
                            cost_per_unit=Decimal("4.00"), purchase_date=date(2026, 11, 1))
        self.products = [catalog.create_product(factory, name="Bread", price=Decimal("3.00"),
                                                shelf_life_hours=24),
                         catalog.create_product(factory, name="Cake", price=Decimal("9.00"),
                                                shelf_life_hours=72)]
        self.recipes = [
            catalog.save_recipe(factory, None, {
                "name": "Bread", "product_id": self.products[0], "yield_quantity": Decimal(4),
                "ingredients": [{"material_id": self.flour, "quantity": Decimal("2")}]}),
            catalog.save_recipe(factory, None, {
                "name": "Cake", "product_id": self.products[1], "yield_quantity": Decimal(3),
                "ingredients": [{"material_id": self.flour, "quantity": Decimal("1.5")},
                                {"material_id": self.butter, "quantity": Decimal("0.5")}]}),
        ]
        self.per_batch = {self.recipes[0]: {self.flour: Decimal(2)},
                          self.recipes[1]: {self.flour: Decimal("1.5"),
                                            self.butter: Decimal("0.5")}}


def play(factory: Any, steps: list[tuple]) -> tuple[Day, list[int]]:
    app = Flask("trace-properties")
    at = START
    install(app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=at))
    sales: list[int] = []
    with app.app_context():
        scene = Day(factory)
        for step in OPENING + steps:
            try:
                if step[0] == "receive":
                    _, lot, qty, keeps = step
                    stock.receive_batch(factory, scene.flour, quantity=qty,
                                        cost_per_unit=Decimal("0.80"), lot=lot,
                                        expiry_date=at.date() + timedelta(days=keeps))
                elif step[0] == "bake":
                    stock.run_production(factory, recipe_id=scene.recipes[step[1]],
                                         batches=step[2])
                elif step[0] == "sell":
                    sale = stock.record_sale(factory, [(scene.products[step[1]], step[2])]).result
                    assert sale is not None
                    sales.append(sale.id)
                elif step[0] == "expire":
                    food_safety.expire_stock(factory)
                else:
                    at += timedelta(hours=step[1])
                    install(app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=at))
            except DomainError:
                pass  # refused (not enough sellable stock): it changed nothing
    return scene, sales


def check(factory: Any, scene: Day, sales: list[int]) -> None:
    with factory() as session:
        lots = {lot.id: lot for lot in session.execute(select(ProductLot)).scalars()}
        runs_of_lot = {lid: lot.production_run_id for lid, lot in lots.items()}
        for sale_id in sales:
            traced = trace.trace_sale(session, sale_id)
            drawn: dict[int, Decimal] = defaultdict(Decimal)
            for d in traced["drawn"]:
                drawn[d["product_id"]] += d["quantity"]
                lot = lots[d["lot_id"]]
                made = traced["sale"]["created_at"]
                assert lot.best_before is None or _utc(lot.best_before) > made
            assert drawn == {i["product_id"]: i["quantity"] for i in traced["sale"]["items"]}
            used: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
            for b in traced["batches"]:
                used[(b["production_run_id"], b["material_id"])] += b["quantity"]
            for run in traced["production_runs"]:
                recipe = next(r for r in scene.recipes if scene.per_batch[r] and
                              _recipe_of(session, run["id"]) == r)
                batches = _batches_of(session, run["id"])
                for material, per_batch in scene.per_batch[recipe].items():
                    assert used[(run["id"], material)] == per_batch * batches
        for lot_code in LOTS:
            recalled = trace.recall(session, scene.flour, lot_code)
            batch_ids = {b["batch_id"] for b in recalled["batches"]}
            runs = {r.run_id for r in session.execute(
                select(ProductionConsumption.run_id).where(
                    ProductionConsumption.batch_id.in_(batch_ids or {0})))}
            reached_lots = {lid for lid, rid in runs_of_lot.items() if rid in runs}
            expected = defaultdict(Decimal)
            for move in session.execute(select(StockMove).where(
                    StockMove.ref_type == "sale", StockMove.lot_id.in_(reached_lots or {0}))
                    ).scalars():
                expected[(move.ref_id, move.lot_id)] += -move.delta
            assert {(s["sale_id"], s["lot_id"]): s["quantity"] for s in recalled["sales"]} == \
                dict(expected)
        for c in session.execute(
                select(ProductionConsumption.batch_id, MaterialBatch.expiry_date,
                       StockMove.created_at)
                .join(MaterialBatch, MaterialBatch.id == ProductionConsumption.batch_id)
                .join(StockMove, (StockMove.batch_id == ProductionConsumption.batch_id)
                      & (StockMove.ref_id == ProductionConsumption.run_id)
                      & (StockMove.ref_type == "production_run"))):
            local_day = _utc(c.created_at).astimezone(ZoneInfo("Europe/Berlin")).date()
            assert c.expiry_date is None or c.expiry_date >= local_day
        assert ledger_mismatches(session) == []


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _recipe_of(session: Any, run_id: int) -> int:
    from bakery.db.models import ProductionRun

    return int(session.get(ProductionRun, run_id).recipe_id)


def _batches_of(session: Any, run_id: int) -> int:
    from bakery.db.models import ProductionRun

    return int(session.get(ProductionRun, run_id).batches)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=days)
def test_every_unit_sold_traces_back_exactly_on_sqlite(steps, sqlite_template: Path,
                                                      tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("trace")
    shutil.copyfile(sqlite_template, folder / "bakery.db")
    engine = make_engine(f"sqlite:///{folder / 'bakery.db'}")
    try:
        factory = make_session_factory(engine)
        scene, sales = play(factory, steps)
        event(f"sales recorded: {min(len(sales), 3)}{'+' if len(sales) >= 3 else ''}")
        check(factory, scene, sales)
    finally:
        engine.dispose()


@pytest.mark.postgres
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=days)
def test_every_unit_sold_traces_back_exactly_on_postgresql(steps, pg_server: Any) -> None:
    url = pg_server.create()
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        scene, sales = play(factory, steps)
        check(factory, scene, sales)
    finally:
        engine.dispose()
        pg_server.drop(url, now=False)
