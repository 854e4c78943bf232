"""The use cases on SQLite and PostgreSQL: ledger rows, all-or-nothing, idempotency."""

from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bakery import clock
from bakery.db.engine import transaction
from bakery.db.models import (
    IdempotencyKey,
    MaterialBatch,
    ProductionConsumption,
    ProductLot,
    Sale,
    SaleItem,
    StockMove,
)
from bakery.domain.errors import Conflict, InsufficientStock, NotFound, ValidationFailed
from bakery.domain.numbers import money
from bakery.queries.production import preview_production
from bakery.services import catalog, stock
from bakery.services.unit_of_work import Idempotency

from .helpers import mismatches, snapshot


def moves(factory, **where):
    with factory() as session:
        query = select(StockMove).order_by(StockMove.id)
        for column, value in where.items():
            query = query.where(getattr(StockMove, column) == value)
        return list(session.scalars(query))


def test_receiving_a_batch_writes_one_purchase_move(bakery, sessions):
    flour = bakery.material()
    batch = bakery.batch(flour, "25.5", "0.80", date(2026, 3, 1), supplier="Mill").result
    assert (batch.quantity, batch.remaining, batch.purchase_date) == (D("25.5"), D("25.5"),
                                                                       date(2026, 3, 1))
    [move] = moves(sessions, material_id=flour)
    assert (move.batch_id, move.delta, move.unit_cost, move.reason, move.ref_type, move.ref_id) == \
        (batch.id, D("25.500"), D("0.80"), "purchase", "batch", batch.id)
    assert move.created_by == bakery.through.user_id
    assert mismatches(sessions) == []


def test_a_batch_without_purchase_date_is_dated_today(bakery):
    batch = bakery.batch(bakery.material(), "1", "1.00").result
    assert batch.purchase_date == clock.today()  # the bakery's day, not the server's


def test_production_consumes_oldest_batch_first_and_stocks_a_lot_at_fifo_cost(bakery, sessions):
    flour, butter = bakery.material(), bakery.material()
    late = bakery.batch(flour, "25", "0.80", date(2026, 11, 20)).result
    early = bakery.batch(flour, "25", "0.60", date(2026, 11, 1)).result
    bakery.batch(butter, "5", "7.00", date(2026, 11, 10))
    croissant = bakery.product(price="2.20")
    recipe = bakery.recipe(croissant, {flour: "15", butter: "1.5"}, yield_quantity="40")
    run = bakery.bake(recipe, 2).result
    assert run.run.produced_quantity == D("80")
    # 25 kg at 0.60 + 5 kg at 0.80 + 3 kg butter at 7.00
    assert run.run.total_cost == D("15.00") + D("4.00") + D("21.00")
    assert [(d.layer_id, d.quantity) for d in run.consumed if d.item_id == flour] == [
        (early.id, D("25")), (late.id, D("5"))]
    run_moves = moves(sessions, ref_type="production_run", ref_id=run.run.id)
    assert sorted((m.material_id, m.product_id, m.delta) for m in run_moves
                  if m.material_id) == sorted([(flour, None, D("-25")), (flour, None, D("-5")),
                                               (butter, None, D("-3"))])
    [lot_move] = [m for m in run_moves if m.product_id]
    assert (lot_move.lot_id, lot_move.delta, lot_move.unit_cost) == (run.lot_id, D("80"), D("0.5"))
    with sessions() as session:
        assert len(session.scalars(select(ProductionConsumption)
                                   .where(ProductionConsumption.run_id == run.run.id)).all()) == 3
    assert mismatches(sessions) == []


def test_the_production_preview_shows_exactly_what_the_run_then_draws_and_costs(bakery, sessions):
    flour, butter = bakery.material(), bakery.material()
    bakery.batch(flour, "10", "0.83", date(2026, 2, 3))
    bakery.batch(flour, "4", "0.61", date(2026, 2, 1))
    bakery.batch(flour, "30", "0.97", date(2026, 2, 1))
    bakery.batch(butter, "2.5", "6.99", date(2026, 1, 9))
    bakery.batch(butter, "5", "7.45", date(2026, 1, 30))
    recipe = bakery.recipe(bakery.product(price="1.90"), {flour: "7.3", butter: "0.7"},
                           yield_quantity="33")
    with sessions() as session:
        preview = preview_production(session, recipe, 5)
    run = bakery.bake(recipe, 5).result
    previewed = [(line["material_id"], d["batch_id"], d["quantity"], d["cost_per_unit"])
                 for line in sorted(preview["lines"], key=lambda line: line["material_id"])
                 for d in line["draws"]]
    assert previewed == [(d.item_id, d.layer_id, d.quantity, d.unit_cost) for d in run.consumed]
    assert preview["shortfalls"] == []
    assert preview["total_cost"] == run.run.total_cost
    assert preview["produced_quantity"] == run.run.produced_quantity
    with sessions() as session:
        lot_cost = session.get(ProductLot, run.lot_id).unit_cost
    assert preview["unit_cost"] == money(lot_cost)

def test_sale_consumes_oldest_lot_first_and_carries_its_fifo_cost(bakery, sessions):
    flour = bakery.material()
    bakery.batch(flour, "10", "1.00", date(2026, 1, 1))
    bakery.batch(flour, "10", "2.00", date(2026, 1, 2))
    bread = bakery.product(price="3.50")
    recipe = bakery.recipe(bread, {flour: "5"}, yield_quantity="5")
    first = bakery.bake(recipe, 2).result   # 10 loaves at 1.00
    second = bakery.bake(recipe, 2).result  # 10 loaves at 2.00
    sale = bakery.sell({bread: "12"}).result
    assert (sale.total, sale.cost) == (D("42.00"), D("14.00"))
    [line] = sale.items
    assert (line.quantity, line.unit_price, line.line_total, line.cost) == (
        D("12"), D("3.50"), D("42.00"), D("14.00"))
    sale_moves = moves(sessions, ref_type="sale", ref_id=sale.id)
    assert [(m.lot_id, m.delta, m.reason) for m in sale_moves] == [
        (first.lot_id, D("-10"), "sale"), (second.lot_id, D("-2"), "sale")]
    assert mismatches(sessions) == []


def test_sale_lines_of_the_same_product_are_summed(bakery, sessions):
    _, bread, _ = bakery.stocked(5)
    sale = stock.record_sale(sessions, [(bread, D("1")), (bread, D("2"))]).result
    assert [(i.product_id, i.quantity) for i in sale.items] == [(bread, D("3"))]


def test_a_sale_can_be_dated(bakery, sessions):
    _, bread, _ = bakery.stocked(1)
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    sale = bakery.sell({bread: "1"}, at=moment).result
    with sessions() as session:
        stored = session.get(Sale, sale.id).created_at
    assert stored.replace(tzinfo=stored.tzinfo or timezone.utc) == moment


def test_negative_adjustment_draws_fifo_and_writes_its_moves(bakery, sessions):
    flour = bakery.material()
    old = bakery.batch(flour, "2", "1.00", date(2026, 1, 1)).result
    new = bakery.batch(flour, "5", "2.00", date(2026, 1, 2)).result
    adjustment = stock.adjust_stock(sessions, quantity_delta=D("-3"), reason="waste",
                                    material_id=flour, note="mice", user_id=bakery.through.user_id).result
    adj_moves = moves(sessions, ref_type="adjustment", ref_id=adjustment.id)
    assert [(m.batch_id, m.delta, m.reason) for m in adj_moves] == [
        (old.id, D("-2"), "waste"), (new.id, D("-1"), "waste")]
    assert mismatches(sessions) == []


def test_positive_adjustment_adds_a_layer_at_the_latest_cost(bakery, sessions):
    flour = bakery.material()
    bakery.batch(flour, "2", "1.00", date(2026, 1, 1))
    bakery.batch(flour, "2", "1.50", date(2026, 1, 5))
    adjustment = stock.adjust_stock(sessions, quantity_delta=D("0.5"), reason="count",
                                    material_id=flour).result
    [move] = moves(sessions, ref_type="adjustment", ref_id=adjustment.id)
    assert (move.delta, move.unit_cost, move.reason) == (D("0.5"), D("1.50"), "count")
    _, bread, _ = bakery.stocked(2)
    product_adj = stock.adjust_stock(sessions, quantity_delta=D("3"), reason="count",
                                     product_id=bread).result
    [lot_move] = moves(sessions, ref_type="adjustment", ref_id=product_adj.id)
    assert (lot_move.product_id, lot_move.delta, lot_move.unit_cost) == (bread, D("3"), D("1"))
    assert mismatches(sessions) == []


def test_failed_sale_writes_nothing(bakery, sessions):
    _, bread, _ = bakery.stocked(3)
    _, bun, _ = bakery.stocked(1)
    before = snapshot(sessions)
    with pytest.raises(InsufficientStock) as caught:
        bakery.sell({bread: "2", bun: "5"}, idem=Idempotency(bakery.through.user_id, "s", "k1", "h"))
    assert [s["product_id"] for s in caught.value.details["shortfalls"]] == [bun]
    assert snapshot(sessions) == before


def test_failed_sale_lists_every_short_product(bakery, sessions):
    _, bread, _ = bakery.stocked(1)
    _, bun, _ = bakery.stocked(0)
    before = snapshot(sessions)
    with pytest.raises(InsufficientStock) as caught:
        bakery.sell({bread: "2", bun: "1"})
    shortfalls = caught.value.details["shortfalls"]
    assert [(s["product_id"], s["required"], s["available"]) for s in shortfalls] == [
        (bread, D("2"), D("1")), (bun, D("1"), D("0"))]
    assert snapshot(sessions) == before


def test_sale_of_an_unknown_product_writes_nothing(bakery, sessions):
    _, bread, _ = bakery.stocked(3)
    before = snapshot(sessions)
    with pytest.raises(ValidationFailed) as caught:
        bakery.sell({bread: "1", 999_999: "1"})
    assert caught.value.details == {"items.1.product_id": "no product with id 999999"}
    assert snapshot(sessions) == before


def test_failed_production_run_writes_nothing_and_names_every_material(bakery, sessions):
    flour, butter, salt = bakery.material(), bakery.material(), bakery.material()
    bakery.batch(flour, "10", "1.00")
    bakery.batch(butter, "1", "7.00")
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "2", butter: "1", salt: "0.01"}, yield_quantity="1")
    before = snapshot(sessions)
    with pytest.raises(InsufficientStock) as caught:
        bakery.bake(recipe, 3, idem=Idempotency(bakery.through.user_id, "p", "k", "h"))
    assert [(s["material_id"], s["required"], s["available"])
            for s in caught.value.details["shortfalls"]] == [
        (butter, D("3"), D("1")), (salt, D("0.03"), D("0"))]
    assert snapshot(sessions) == before


def test_production_of_an_unknown_recipe_writes_nothing(bakery, sessions):
    before = snapshot(sessions)
    with pytest.raises(ValidationFailed):
        bakery.bake(123456)
    assert snapshot(sessions) == before


def test_failed_adjustment_writes_nothing(bakery, sessions):
    flour = bakery.material()
    bakery.batch(flour, "1", "1.00")
    before = snapshot(sessions)
    with pytest.raises(InsufficientStock):
        stock.adjust_stock(sessions, quantity_delta=D("-1.001"), reason="waste", material_id=flour)
    with pytest.raises(ValidationFailed):
        stock.adjust_stock(sessions, quantity_delta=D("-1"), reason="waste", product_id=424242)
    assert snapshot(sessions) == before


def test_batch_for_an_unknown_material_writes_nothing(bakery, sessions):
    before = snapshot(sessions)
    with pytest.raises(NotFound):
        bakery.batch(987654, "1", "1.00")
    assert snapshot(sessions) == before


def test_duplicate_names_are_refused_case_insensitively(bakery, sessions):
    catalog.create_material(sessions, name="Rye Flour", unit="kg")
    before = snapshot(sessions)
    with pytest.raises(Conflict):
        catalog.create_material(sessions, name="rye flour", unit="kg")
    assert snapshot(sessions) == before


def test_recipe_ingredient_lines_are_merged_when_saved(bakery, sessions):
    flour = bakery.material()
    recipe_id = catalog.save_recipe(sessions, None, {
        "name": "Double flour", "product_id": bakery.product(), "yield_quantity": D("1"),
        "ingredients": [{"material_id": flour, "quantity": D("1")},
                        {"material_id": flour, "quantity": D("0.5")}]})
    from bakery.queries.recipes import get_recipe
    with sessions() as session:
        assert get_recipe(session, recipe_id)["ingredients"] == [
            {"material_id": flour, "quantity": D("1.5")}]


def test_recipe_naming_unknown_things_is_refused_field_by_field(bakery, sessions):
    flour = bakery.material()
    before = snapshot(sessions)
    with pytest.raises(ValidationFailed) as caught:
        catalog.save_recipe(sessions, None, {
            "name": "Ghost", "product_id": 55555, "yield_quantity": D("1"),
            "ingredients": [{"material_id": flour, "quantity": D("1")},
                            {"material_id": 77777, "quantity": D("1")}]})
    assert set(caught.value.details) == {"product_id", "ingredients.1.material_id"}
    assert snapshot(sessions) == before


# --- the database's own defences --------------------------------------------------------------

def test_check_constraint_refuses_negative_remaining_on_a_batch(bakery, sessions):
    batch = bakery.batch(bakery.material(), "1", "1.00").result
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(update(MaterialBatch).where(MaterialBatch.id == batch.id)
                        .values(remaining=MaterialBatch.remaining - D("1.001")))
    with sessions() as session:
        assert session.get(MaterialBatch, batch.id).remaining == D("1")


def test_check_constraint_refuses_negative_remaining_on_a_lot(bakery, sessions):
    _, bread, _ = bakery.stocked(2)
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(update(ProductLot).where(ProductLot.product_id == bread)
                        .values(remaining=-1))


def test_check_constraint_refuses_remaining_above_quantity(bakery, sessions):
    batch = bakery.batch(bakery.material(), "1", "1.00").result
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(update(MaterialBatch).where(MaterialBatch.id == batch.id)
                        .values(remaining=2))


def test_sale_items_refuse_a_zero_quantity(bakery, sessions):
    _, bread, _ = bakery.stocked(1)
    sale = bakery.sell({bread: "1"}).result
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.execute(update(SaleItem).where(SaleItem.sale_id == sale.id).values(quantity=0))


def test_ledger_rows_cannot_be_updated(bakery, sessions):
    bakery.batch(bakery.material(), "1", "1.00")
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(update(StockMove).values(delta=D("100")))
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(text("UPDATE stock_moves SET reason = 'oops'"))
    assert moves(sessions)[0].delta == D("1")


def test_ledger_rows_cannot_be_deleted(bakery, sessions):
    bakery.batch(bakery.material(), "1", "1.00")
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(delete(StockMove))
    assert len(moves(sessions)) == 1


# --- idempotency ------------------------------------------------------------------------------

def key(bakery, name="k-1", body="same body"):
    return Idempotency(bakery.through.user_id, "POST /sales", name, Idempotency.fingerprint(body))


def test_replayed_sale_returns_the_same_id_and_sells_once(bakery, sessions):
    _, bread, _ = bakery.stocked(5)
    first = bakery.sell({bread: "2"}, idem=key(bakery))
    before = snapshot(sessions)
    again = bakery.sell({bread: "2"}, idem=key(bakery))
    assert (again.resource_id, again.replayed, again.result) == (first.resource_id, True, None)
    assert snapshot(sessions) == before


def test_same_key_with_a_different_body_is_a_conflict(bakery, sessions):
    _, bread, _ = bakery.stocked(5)
    bakery.sell({bread: "2"}, idem=key(bakery))
    before = snapshot(sessions)
    with pytest.raises(Conflict):
        bakery.sell({bread: "3"}, idem=key(bakery, body="another body"))
    assert snapshot(sessions) == before


def test_keys_are_scoped_per_user_and_operation(bakery, sessions):
    _, bread, _ = bakery.stocked(5)
    first = bakery.sell({bread: "1"}, idem=key(bakery))
    other_scope = Idempotency(bakery.through.user_id, "POST /production-runs", "k-1", key(bakery).request_hash)
    second = bakery.sell({bread: "1"}, idem=other_scope)
    assert second.resource_id != first.resource_id and not second.replayed


def test_replayed_production_run_and_batch_take_effect_once(bakery, sessions):
    flour, _, recipe = bakery.stocked(0)
    bakery.batch(flour, "5", "1.00")
    batch_key = Idempotency(bakery.through.user_id, "b", "delivery-7", "h1")
    first_batch = bakery.batch(flour, "3", "1.00", idem=batch_key)
    assert bakery.batch(flour, "3", "1.00", idem=batch_key).resource_id == first_batch.resource_id
    run_key = Idempotency(bakery.through.user_id, "p", "bake-1", "h2")
    first_run = bakery.bake(recipe, 2, idem=run_key)
    before = snapshot(sessions)
    replay = bakery.bake(recipe, 2, idem=run_key)
    assert replay.replayed and replay.resource_id == first_run.resource_id
    assert snapshot(sessions) == before
    with sessions() as session:
        assert len(session.scalars(select(IdempotencyKey)).all()) == 2


# --- the ledger check -------------------------------------------------------------------------

def test_ledger_matches_stock_after_a_busy_day(bakery, sessions):
    flour, butter = bakery.material(), bakery.material()
    for day in (5, 1, 3):
        bakery.batch(flour, "10.333", "0.77", date(2026, 2, day))
    bakery.batch(butter, "4", "6.99", date(2026, 2, 2))
    bread, bun = bakery.product(price="2.50"), bakery.product(price="0.45")
    bread_recipe = bakery.recipe(bread, {flour: "1.111", butter: "0.1"}, "3")
    bun_recipe = bakery.recipe(bun, {flour: "0.5", butter: "0.25"}, "12")
    for _ in range(3):
        bakery.bake(bread_recipe, 2)
        bakery.bake(bun_recipe, 1)
        bakery.sell({bread: "1.5", bun: "7"})
    stock.adjust_stock(sessions, quantity_delta=D("-0.333"), reason="waste", material_id=flour)
    stock.adjust_stock(sessions, quantity_delta=D("2"), reason="count", product_id=bun)
    stock.adjust_stock(sessions, quantity_delta=D("-1"), reason="damage", product_id=bread)
    with pytest.raises(InsufficientStock):
        bakery.sell({bread: "1000"})
    assert mismatches(sessions) == []


def test_ledger_check_finds_a_batch_changed_behind_its_back(bakery, sessions):
    flour = bakery.material()
    batch = bakery.batch(flour, "5", "1.00").result
    _, bread, _ = bakery.stocked(3)
    with transaction(sessions) as session:
        session.execute(update(MaterialBatch).where(MaterialBatch.id == batch.id)
                        .values(remaining=D("4.5")))
        session.execute(update(ProductLot).where(ProductLot.product_id == bread)
                        .values(remaining=D("2")))
    problems = mismatches(sessions)
    assert {(p["kind"], p["id"], p["remaining"], p["ledger"]) for p in problems} >= {
        ("batch", batch.id, D("4.5"), D("5"))}
    assert {p["kind"] for p in problems} == {"batch", "lot"}


# --- exact arithmetic in the database ---------------------------------------------------------

def test_fractional_withdrawals_empty_a_batch_exactly(bakery, sessions):
    flour = bakery.material()
    bakery.batch(flour, "0.3", "1.00")
    for delta in ("-0.1", "-0.2"):  # 0.3 - 0.1 - 0.2 is not zero in binary floating point
        stock.adjust_stock(sessions, quantity_delta=D(delta), reason="waste", material_id=flour)
    with pytest.raises(InsufficientStock):
        stock.adjust_stock(sessions, quantity_delta=D("-0.001"), reason="waste", material_id=flour)
    with sessions() as session:
        assert session.scalars(select(MaterialBatch.remaining)).all() == [D("0")]
    assert mismatches(sessions) == []


def test_ledger_sums_of_many_fractions_match_exactly(bakery, sessions):
    flour = bakery.material()
    bakery.batch(flour, "1", "1.00")
    for _ in range(10):
        stock.adjust_stock(sessions, quantity_delta=D("0.1"), reason="count", material_id=flour)
    for _ in range(6):
        stock.adjust_stock(sessions, quantity_delta=D("-0.3"), reason="waste", material_id=flour)
    assert mismatches(sessions) == []
    from bakery.queries.inventory import get_material
    with sessions() as session:
        assert get_material(session, flour)["on_hand"] == D("0.2")
