"""The one place that loads stock layers: which may be drawn, in what issue order, at what cost."""

from datetime import date
from decimal import Decimal as D

from bakery.db.stock_layers import (
    drawable_batches,
    drawable_lots,
    latest_batch_costs,
    latest_lot_costs,
    open_batch_records,
    open_lot_rows,
    recipe_lines,
)
from bakery.domain.recipes import Ingredient
from bakery.services import stock


def test_batches_are_issued_by_purchase_date_then_in_creation_order(bakery, sessions):
    flour, butter = bakery.material(), bakery.material()
    late = bakery.batch(flour, "1", "0.80", date(2026, 11, 20)).result
    same_day_first = bakery.batch(flour, "1", "0.60", date(2026, 11, 1)).result
    same_day_second = bakery.batch(flour, "1", "0.70", date(2026, 11, 1)).result
    bakery.batch(butter, "1", "7.00", date(2026, 1, 1))
    with sessions() as session:
        layers = drawable_batches(session, [flour])
        records = open_batch_records(session, flour)
    expected = [same_day_first.id, same_day_second.id, late.id]
    assert list(layers) == [flour]
    assert [x.id for x in layers[flour]] == [r.id for r in records] == expected
    assert [x.received for x in layers[flour]] == [date(2026, 11, 1)] * 2 + [date(2026, 11, 20)]


def test_used_up_layers_are_never_drawn(bakery, sessions):
    flour, bread = bakery.material(), bakery.product()
    bakery.batch(flour, "2", "1.00", date(2026, 1, 1))
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="1")
    first, second = bakery.bake(recipe, 1).result, bakery.bake(recipe, 1).result
    stock.adjust_stock(sessions, quantity_delta=D("-1"), reason="waste", product_id=bread)
    with sessions() as session:
        assert drawable_batches(session, [flour]) == {}
        assert [x.id for x in drawable_lots(session, [bread])[bread]] == [second.lot_id]
        assert [r.id for r in open_lot_rows(session, bread)] == [second.lot_id]
    assert first.lot_id < second.lot_id


def test_the_latest_cost_is_the_newest_receipt_even_when_used_up(bakery, sessions):
    flour, salt = bakery.material(), bakery.material()
    bakery.batch(flour, "1", "1.50", date(2026, 3, 2))
    bakery.batch(flour, "1", "9.99", date(2026, 3, 1))  # delivered later, bought earlier
    stock.adjust_stock(sessions, quantity_delta=D("-2"), reason="waste", material_id=flour)
    _, bread, _ = bakery.stocked(1)
    with sessions() as session:
        assert latest_batch_costs(session, [flour, salt]) == {flour: D("1.50")}
        assert latest_lot_costs(session, [bread]) == {bread: D("1")}


def test_recipe_lines_come_in_the_order_they_were_written(bakery, sessions):
    flour, butter = bakery.material(), bakery.material()
    recipe = bakery.recipe(bakery.product(), {butter: "0.25", flour: "2"}, yield_quantity="1")
    with sessions() as session:
        assert recipe_lines(session, [recipe, 424242]) == {
            recipe: [Ingredient(butter, D("0.25")), Ingredient(flour, D("2"))]}
