"""Best-before, FEFO, write-off, holds and trace, through the services on SQLite and PostgreSQL.

The clock is frozen on the app and moved by the tests: nothing here reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bakery.clock import Clock, install
from bakery.db.models import MaterialBatch, ProductLot, StockMove
from bakery.domain.errors import Conflict, InsufficientStock, NotFound
from bakery.queries import food_safety as reads
from bakery.queries import inventory, recipes, trace
from bakery.services import catalog, food_safety, stock

from .helpers import mismatches

UTC = timezone.utc
MORNING = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


class Frozen:
    """The app's clock, frozen, moved forward by the test."""

    def __init__(self, app: Any) -> None:
        self.app, self.at = app, MORNING
        install(app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=self.at))

    def move(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        install(self.app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=self.at))
        return self.at


@pytest.fixture
def clock(app: Any) -> Iterator[Frozen]:
    with app.app_context():
        yield Frozen(app)


def _product_stock(sessions: Any, product_id: int) -> dict:
    with sessions() as session:
        return inventory.get_product(session, product_id)


def _bread(sessions: Any, bakery: Any, hours: int | None = 24, loaves: int = 10) -> Any:
    scene = bakery.stocked(loaves=0)
    bakery.batch(scene.flour, "100", "1.00", date(2026, 11, 1), lot="L-42", supplier="Mill")
    catalog.update_product(sessions, scene.bread, shelf_life_hours=hours)
    if loaves:
        bakery.bake(scene.recipe, loaves)
    return scene


def test_a_lot_keeps_for_its_shelf_life_and_is_never_sold_after(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=24)
    lot = _product_stock(sessions, scene.bread)["lots"][0]
    assert lot["best_before"] == MORNING + timedelta(hours=24)
    clock.move(hours=23, minutes=59)
    assert _product_stock(sessions, scene.bread)["on_hand"] == D(10)
    clock.move(minutes=1)
    product = _product_stock(sessions, scene.bread)
    assert (product["on_hand"], product["expired"]) == (D(0), D(10))
    with pytest.raises(InsufficientStock):
        bakery.sell({scene.bread: "1"})
    assert mismatches(sessions) == []


def test_the_oldest_sellable_lot_is_sold_and_expired_lots_are_skipped(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=24, loaves=4)
    clock.move(hours=12)
    bakery.bake(scene.recipe, 3)
    clock.move(hours=13)  # the first lot is past its best-before, the second is not
    sale = bakery.sell({scene.bread: "3"}).result
    with sessions() as session:
        drawn = session.execute(select(StockMove.lot_id, StockMove.delta)
                                .where(StockMove.ref_type == "sale",
                                       StockMove.ref_id == sale.id)).all()
    lots = sorted(r.id for r in _lots(sessions, scene.bread))
    assert [(r.lot_id, r.delta) for r in drawn] == [(lots[1], D(-3))]


def _lots(sessions: Any, product_id: int) -> list[Any]:
    with sessions() as session:
        return list(session.execute(select(ProductLot).where(ProductLot.product_id == product_id)
                                    .order_by(ProductLot.id)).scalars())


def test_an_explicit_best_before_in_the_past_books_the_lot_as_expired(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=None, loaves=0)
    result = bakery.bake(scene.recipe, 2, best_before=MORNING - timedelta(hours=1)).result
    assert result.best_before == MORNING - timedelta(hours=1)
    product = _product_stock(sessions, scene.bread)
    assert (product["on_hand"], product["expired"]) == (D(0), D(2))


def test_writing_off_takes_every_expired_layer_once_at_its_cost(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=24, loaves=4)
    sour = bakery.material("Sourdough")
    bakery.batch(sour, "2", "3.50", date(2026, 11, 1), expiry_date=date(2026, 11, 20))
    clock.move(days=1)  # the bread is past its best-before; the sourdough expired yesterday
    result = food_safety.expire_stock(sessions, user_id=None)
    assert [(w.item_id, w.quantity) for w in result.lots] == [(scene.bread, D(4))]
    assert [(w.item_id, w.quantity, w.cost) for w in result.batches] == [(sour, D(2), D("7.0000"))]
    assert result.cost == D("7.00") + D(4) * D("1.000000")
    again = food_safety.expire_stock(sessions, user_id=None)
    assert again.lots == [] and again.batches == []
    with sessions() as session:
        reasons = session.execute(select(StockMove.reason, StockMove.delta)
                                  .where(StockMove.reason == "expired")).all()
    assert sorted(r.delta for r in reasons) == [D(-4), D(-2)]
    assert _product_stock(sessions, scene.bread)["expired"] == D(0)
    assert mismatches(sessions) == []


def test_a_batch_is_usable_through_its_expiry_date_and_missing_after(sessions, bakery, clock):
    flour = bakery.material()
    bakery.batch(flour, "5", "1.00", date(2026, 11, 1), expiry_date=date(2026, 11, 20))
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="1")
    with sessions() as session:
        assert recipes.get_recipe(session, recipe)["max_batches"] == 5
    clock.move(days=1)
    with sessions() as session:
        assert recipes.get_recipe(session, recipe)["max_batches"] == 0
    with pytest.raises(InsufficientStock) as refused:
        bakery.bake(recipe, 1)
    assert refused.value.shortfalls[0].available == D(0)


def test_fefo_draws_the_earliest_expiry_first_and_undated_batches_last(sessions, bakery, clock):
    flour = bakery.material()
    catalog.update_material(sessions, flour, issue_order="fefo")
    undated = bakery.batch(flour, "1", "1.00", date(2026, 11, 1)).result.id
    late = bakery.batch(flour, "1", "2.00", date(2026, 11, 2), expiry_date=date(2026, 12, 30)).result.id
    soon = bakery.batch(flour, "1", "3.00", date(2026, 11, 3), expiry_date=date(2026, 11, 25)).result.id
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="1")
    order = [bakery.bake(recipe, 1).result.consumed[0].layer_id for _ in range(3)]
    assert order == [soon, late, undated]


def test_fifo_stays_the_default_issue_order(sessions, bakery, clock):
    flour = bakery.material()
    first = bakery.batch(flour, "1", "1.00", date(2026, 11, 1), expiry_date=date(2026, 12, 30)).result.id
    bakery.batch(flour, "1", "1.00", date(2026, 11, 2), expiry_date=date(2026, 11, 25))
    recipe = bakery.recipe(bakery.product(), {flour: "1"}, yield_quantity="1")
    assert bakery.bake(recipe, 1).result.consumed[0].layer_id == first


def test_trace_follows_a_supplier_lot_to_the_sales_with_exact_quantities(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=None, loaves=10)
    sold = [bakery.sell({scene.bread: q}).result.id for q in ("3", "2.5")]
    with sessions() as session:
        recalled = trace.recall(session, scene.flour, "L-42")
        back = trace.trace_sale(session, sold[0])
    assert [s["sale_id"] for s in recalled["sales"]] == sold
    assert [s["quantity"] for s in recalled["sales"]] == [D(3), D("2.5")]
    assert recalled["totals"]["quantity_sold"] == D("5.5")
    assert recalled["totals"]["quantity_in_stock"] == D("4.5")
    assert recalled["production_runs"][0]["quantity_used"] == D(10)
    assert [(b["lot"], b["quantity"]) for b in back["batches"]] == [("L-42", D(10))]
    assert sum(d["quantity"] for d in back["drawn"]) == D(3)


def test_a_hold_keeps_what_a_lot_reached_from_sale_and_production_until_released(
        sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=None, loaves=4)
    held = food_safety.hold_recall(sessions, material_id=scene.flour, lot="L-42").result
    assert held is not None and len(held.lot_ids) == 1 and len(held.batch_ids) == 1
    assert _product_stock(sessions, scene.bread)["on_hand"] == D(0)
    with pytest.raises(InsufficientStock):
        bakery.sell({scene.bread: "1"})
    with pytest.raises(InsufficientStock):
        bakery.bake(scene.recipe, 1)
    food_safety.release_hold(sessions, held.hold.id)
    with pytest.raises(Conflict):
        food_safety.release_hold(sessions, held.hold.id)
    assert bakery.sell({scene.bread: "1"}).result.total == D("3.00")


def test_holding_an_unknown_lot_is_not_found_and_writes_nothing(sessions, bakery, clock):
    flour = bakery.material()
    with pytest.raises(NotFound):
        food_safety.hold_recall(sessions, material_id=flour, lot="nope")
    with sessions() as session:
        assert reads.holds(session) == []


def test_stock_found_in_a_count_is_a_lot_that_names_its_adjustment(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=48, loaves=1)
    adjustment = stock.adjust_stock(sessions, quantity_delta=D(2), reason="count",
                                    product_id=scene.bread).result
    found = _lots(sessions, scene.bread)[-1]
    assert found.adjustment_id == adjustment.id
    assert found.best_before is not None
    flour_adjustment = stock.adjust_stock(sessions, quantity_delta=D(3), reason="count",
                                          material_id=scene.flour).result
    with sessions() as session:
        batch = session.execute(select(MaterialBatch).order_by(MaterialBatch.id.desc())).scalar()
    assert batch.adjustment_id == flour_adjustment.id


def test_waste_report_at_cost_and_retail_with_a_waste_rate(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=24, loaves=10)
    bakery.sell({scene.bread: "6"})
    stock.adjust_stock(sessions, quantity_delta=D(-1), reason="damage", product_id=scene.bread)
    clock.move(days=1)
    food_safety.expire_stock(sessions)
    with sessions() as session:
        by_product = reads.waste_report(session, date(2026, 11, 20), date(2026, 11, 21),
                                        "product", ZoneInfo("Europe/Berlin"))
        by_reason = reads.waste_report(session, date(2026, 11, 20), date(2026, 11, 21),
                                       "reason", ZoneInfo("Europe/Berlin"))
    row = by_product["rows"][0]
    assert (row["quantity"], row["cost"], row["retail_value"], row["produced"],
            row["waste_rate"]) == (D(4), D("4.00"), D("12.00"), D(10), D("40.00"))
    assert {r["key"]: r["quantity"] for r in by_reason["rows"]} == {"expired": D(3),
                                                                      "damage": D(1)}


def test_expiring_lists_what_expires_within_the_days_asked(sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=36, loaves=2)
    with sessions() as session:
        assert reads.expiring(session, 1, clock.at, date(2026, 11, 20)) == []
        soon = reads.expiring(session, 2, clock.at, date(2026, 11, 20))
    assert [(i["product_id"], i["expired"]) for i in soon] == [(scene.bread, False)]


def test_marking_down_moves_what_is_left_to_the_day_old_product_and_keeps_the_trace(
        sessions, bakery, clock):
    scene = _bread(sessions, bakery, hours=12, loaves=10)
    day_old = catalog.create_product(sessions, name="Bread (day-old)", price=D("1.50"),
                                     shelf_life_hours=24)
    catalog.update_product(sessions, scene.bread, day_old_product_id=day_old)
    bakery.sell({scene.bread: "4"})
    lot = _lots(sessions, scene.bread)[0]
    clock.move(hours=11)
    done = food_safety.mark_down(sessions, lot.id)
    assert (done.quantity, done.day_old_product_id) == (D(6), day_old)
    assert done.best_before == clock.at + timedelta(hours=24)
    assert _product_stock(sessions, scene.bread)["on_hand"] == D(0)
    assert _product_stock(sessions, day_old)["on_hand"] == D(6)
    clock.move(hours=2)  # the bread's own best-before has passed: the day-old lot still sells
    sale = bakery.sell({day_old: "2"}).result
    assert sale.total == D("3.00") and sale.cost == D("2.00")
    with sessions() as session:
        recalled = trace.recall(session, scene.flour, "L-42")
        back = trace.trace_sale(session, sale.id)
    assert [(s["product_id"], s["quantity"]) for s in recalled["sales"]] == [
        (scene.bread, D(4)), (day_old, D(2))]
    assert [b["lot"] for b in back["batches"]] == ["L-42"]
    assert mismatches(sessions) == []


def test_marking_down_is_refused_unless_the_owner_allows_and_the_lot_sells(sessions, bakery,
                                                                           clock):
    scene = _bread(sessions, bakery, hours=12, loaves=2)
    lot = _lots(sessions, scene.bread)[0]
    with pytest.raises(Conflict):
        food_safety.mark_down(sessions, lot.id)
    day_old = catalog.create_product(sessions, name="Bread (day-old)", price=D("1.50"))
    catalog.update_product(sessions, scene.bread, day_old_product_id=day_old)
    clock.move(hours=12)  # expired: nothing left to sell
    with pytest.raises(Conflict):
        food_safety.mark_down(sessions, lot.id)
    with pytest.raises(NotFound):
        food_safety.mark_down(sessions, 999_999)
    from bakery.domain.errors import ValidationFailed

    for bad in (scene.bread, 999_999):
        with pytest.raises(ValidationFailed):
            catalog.update_product(sessions, day_old, day_old_product_id=bad)
