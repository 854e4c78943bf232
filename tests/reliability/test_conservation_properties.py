"""Property: whatever sequence of deliveries, bakes, sales and write-offs happens, quantity and
value are conserved through the services, and a refused use case changes nothing.

Value in (deliveries at cost) == value consumed by production + value written off + value on
hand, exactly, in Decimal; the same for products (lots at their unit cost), and each sale's cost
is the FIFO cost of the lots it drew.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import (
    MaterialBatch,
    ProductionConsumption,
    ProductionRun,
    ProductLot,
    Sale,
    SaleItem,
    StockMove,
)
from bakery.domain.errors import DomainError
from bakery.domain.numbers import money
from bakery.queries.inventory import ledger_mismatches
from bakery.services import catalog, stock

from .conftest import HEAVY

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("40"), places=3)
costs = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9.99"), places=2)
operations = st.lists(st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 1), quantities, costs, st.integers(0, 30)),
    st.tuples(st.just("bake"), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("sell"), st.lists(st.tuples(st.integers(0, 1), quantities),
                                        min_size=1, max_size=3)),
    st.tuples(st.just("waste"), st.booleans(), st.integers(0, 1), quantities),
), min_size=1, max_size=14)


def _value(session, model_qty, model_cost, table) -> Decimal:  # type: ignore[no-untyped-def]
    rows = session.execute(select(model_qty, model_cost).select_from(table)).all()
    return sum((Decimal(str(q)) * Decimal(str(c)) for q, c in rows), Decimal(0))


@settings(max_examples=200 if HEAVY else 25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_quantity_and_value_are_conserved_through_production_and_sales(
        ops, sqlite_template: Path, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("conservation")
    shutil.copyfile(sqlite_template, folder / "bakery.db")
    engine = make_engine(f"sqlite:///{folder / 'bakery.db'}")
    factory = make_session_factory(engine)
    try:
        tag = uuid.uuid4().hex[:6]
        materials = [catalog.create_material(factory, name=f"M{i}{tag}", unit="kg",
                                             min_quantity=Decimal(0)) for i in range(2)]
        products = [catalog.create_product(factory, name=f"P{i}{tag}", price=Decimal("2.75"))
                    for i in range(2)]
        recipes = [catalog.save_recipe(factory, None, {
            "name": f"R{i}{tag}", "product_id": products[i], "yield_quantity": Decimal(3),
            "ingredients": [{"material_id": materials[i], "quantity": Decimal("1.250")},
                            {"material_id": materials[1 - i], "quantity": Decimal("0.333")}]})
            for i in range(2)]
        for index, material in enumerate(materials):  # opening stock, so sales can happen
            stock.receive_batch(factory, material, quantity=Decimal("12.5"),
                                cost_per_unit=Decimal("1.10") + index, purchase_date=date(2026, 1, 5))
        for recipe in recipes:
            stock.run_production(factory, recipe_id=recipe, batches=2)
        refused = 0
        for op in ops:
            before = _moves(factory)
            try:
                if op[0] == "receive":
                    stock.receive_batch(factory, materials[op[1]], quantity=op[2],
                                        cost_per_unit=op[3],
                                        purchase_date=date(2026, 1, 1) + timedelta(days=op[4]))
                elif op[0] == "bake":
                    stock.run_production(factory, recipe_id=recipes[op[1]], batches=op[2])
                elif op[0] == "sell":
                    stock.record_sale(factory, [(products[i], q) for i, q in op[1]])
                else:
                    target = {"material_id": materials[op[2]]} if op[1] else \
                        {"product_id": products[op[2]]}
                    stock.adjust_stock(factory, quantity_delta=-op[3], reason="waste", **target)
            except DomainError:
                refused += 1
                assert _moves(factory) == before, f"a refused {op[0]} wrote to the ledger"
        _check_books(factory)
        with factory() as session:
            assert ledger_mismatches(session) == []
    finally:
        engine.dispose()


def _moves(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(func.count()).select_from(StockMove)) or 0


def _check_books(factory) -> None:  # type: ignore[no-untyped-def]
    B, L, M = MaterialBatch.__table__, ProductLot.__table__, StockMove.__table__
    with factory() as session:
        # Materials: delivered == consumed + written off + on hand (quantity and value).
        delivered = _value(session, B.c.quantity, B.c.cost_per_unit, B)
        on_hand = _value(session, B.c.remaining, B.c.cost_per_unit, B)
        consumed = _value(session, ProductionConsumption.quantity,
                          ProductionConsumption.cost_per_unit, ProductionConsumption.__table__)
        written_off = -sum((Decimal(str(d)) * Decimal(str(c)) for d, c in session.execute(
            select(M.c.delta, M.c.unit_cost).where(M.c.batch_id.is_not(None),
                                                   M.c.reason == "waste"))), Decimal(0))
        assert delivered == consumed + written_off + on_hand
        assert session.scalar(select(func.count()).where(B.c.remaining < 0)) == 0
        # Each run's cost is what it consumed; each lot is valued at that cost per unit.
        for run in session.scalars(select(ProductionRun)):
            drawn = sum((Decimal(str(c.quantity)) * Decimal(str(c.cost_per_unit)) for c in
                         session.scalars(select(ProductionConsumption)
                                         .where(ProductionConsumption.run_id == run.id))),
                        Decimal(0))
            assert Decimal(str(run.total_cost)) == money(drawn)
            lot = session.execute(select(L.c.quantity, L.c.unit_cost)
                                  .where(L.c.production_run_id == run.id)).one()
            assert abs(Decimal(str(lot.quantity)) * Decimal(str(lot.unit_cost)) - drawn) \
                <= Decimal(str(lot.quantity)) * Decimal("0.0000005")
        # Products: made == sold + written off + on hand, in units and at lot cost.
        made = _value(session, L.c.quantity, L.c.unit_cost, L)
        left = _value(session, L.c.remaining, L.c.unit_cost, L)
        out = -sum((Decimal(str(d)) * Decimal(str(c)) for d, c in session.execute(
            select(M.c.delta, M.c.unit_cost).where(M.c.lot_id.is_not(None), M.c.delta < 0))),
            Decimal(0))
        assert made == out + left
        sold_units = sum((Decimal(str(q)) for q in session.scalars(select(SaleItem.quantity))),
                         Decimal(0))
        drawn_units = -sum((Decimal(str(d)) for d in session.scalars(
            select(M.c.delta).where(M.c.reason == "sale"))), Decimal(0))
        assert sold_units == drawn_units
        # Each sale line carries the FIFO cost of the lots it drew; the sale adds up its lines.
        for sale in session.scalars(select(Sale)):
            lines = session.scalars(select(SaleItem).where(SaleItem.sale_id == sale.id)).all()
            for line in lines:
                draws = session.execute(select(M.c.delta, M.c.unit_cost).where(
                    M.c.ref_type == "sale", M.c.ref_id == sale.id,
                    M.c.product_id == line.product_id)).all()
                assert Decimal(str(line.cost)) == money(
                    sum((-Decimal(str(d)) * Decimal(str(c)) for d, c in draws), Decimal(0)))
                assert Decimal(str(line.line_total)) == money(
                    Decimal(str(line.quantity)) * Decimal(str(line.unit_price)))
            assert Decimal(str(sale.cost)) == sum((Decimal(str(x.cost)) for x in lines), Decimal(0))
            assert Decimal(str(sale.total)) == sum((Decimal(str(x.line_total)) for x in lines),
                                                   Decimal(0))
