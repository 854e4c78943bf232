"""Drawing batches and lots in their issue order, as pure Python."""

from datetime import date
from decimal import Decimal as D

import pytest

from bakery.domain.errors import InsufficientStock
from bakery.domain.fifo import StockLayer, available, consume_fifo, draw_up_to, shortfalls, withdraw


def layer(id_, remaining, cost="1.00", received=None, item=1):
    return StockLayer(id_, item, D(remaining), D(cost), received)


def test_withdrawal_consumes_oldest_batch_first_across_many_batches():
    layers = [layer(i, "2", f"{i}.00", date(2026, 1, i)) for i in range(1, 11)]
    draws = consume_fifo(layers, D("13"))
    assert [(d.layer_id, d.quantity) for d in draws] == [
        (1, D("2")), (2, D("2")), (3, D("2")), (4, D("2")), (5, D("2")), (6, D("2")), (7, D("1"))]
    assert sum(d.cost for d in draws) == D("2") * (1 + 2 + 3 + 4 + 5 + 6) + D("7")


def test_layers_are_drawn_in_the_order_given_never_sorted_again():
    # the loader's issue order rules, even against dates and ids (FEFO will rely on it)
    layers = [layer(9, "1", received=date(2026, 3, 1)), layer(3, "1", received=date(2026, 1, 1)),
              layer(5, "1")]
    assert [d.layer_id for d in consume_fifo(layers, D("3"))] == [9, 3, 5]


def test_drawing_up_to_a_need_says_what_stock_leaves_short():
    draws, short = draw_up_to([layer(1, "1", "2.00"), layer(2, "0.5", "3.00")], D("2"))
    assert [(d.layer_id, d.quantity) for d in draws] == [(1, D("1")), (2, D("0.5"))]
    assert short == D("0.5")
    assert draw_up_to([layer(1, "4")], D("3"))[1] == D(0)


def test_empty_layers_are_skipped():
    draws = consume_fifo([layer(1, "0"), layer(2, "3")], D("1"))
    assert [(d.layer_id, d.quantity) for d in draws] == [(2, D("1"))]


def test_withdrawing_exactly_everything_empties_every_layer():
    draws = consume_fifo([layer(1, "0.333"), layer(2, "0.667")], D("1"))
    assert sum(d.quantity for d in draws) == D("1")
    assert [d.quantity for d in draws] == [D("0.333"), D("0.667")]


def test_withdrawing_more_than_there_is_raises():
    with pytest.raises(ValueError):
        consume_fifo([layer(1, "1")], D("1.001"))


def test_fifo_arithmetic_is_exact_decimal():
    layers = [layer(1, "0.1", "0.10"), layer(2, "0.2", "0.20")]
    draws = consume_fifo(layers, D("0.3"))
    total = sum((d.quantity for d in draws), D(0))
    assert total == D("0.3") and isinstance(total, D)
    assert sum(d.cost for d in draws) == D("0.05")
    assert all(isinstance(d.quantity, D) and isinstance(d.cost, D) for d in draws)


def test_available_sums_exactly():
    assert available([layer(1, "0.1"), layer(2, "0.2")]) == D("0.3")
    assert available([]) == D(0)


def test_shortfalls_list_every_material_that_lacks_stock():
    layers = {1: [layer(1, "5", item=1)], 2: [layer(2, "1", item=2)], 3: [layer(3, "9", item=3)]}
    wanted = {3: D("10"), 1: D("4"), 2: D("2"), 4: D("1")}
    missing = shortfalls("material", wanted, layers, {2: "Butter"})
    assert [(s.item_id, s.required, s.available) for s in missing] == [
        (2, D("2"), D("1")), (3, D("10"), D("9")), (4, D("1"), D("0"))]
    assert missing[0].as_dict() == {"material_id": 2, "name": "Butter",
                                    "required": D("2"), "available": D("1")}


def test_withdraw_raises_insufficient_stock_naming_every_shortfall():
    layers = {1: [layer(1, "1", item=1)], 2: [layer(2, "1", item=2)]}
    with pytest.raises(InsufficientStock) as caught:
        withdraw("product", {1: D("2"), 2: D("3")}, layers, {1: "Bread", 2: "Bun"})
    error = caught.value
    assert error.code == "insufficient_stock"
    assert [s["product_id"] for s in error.details["shortfalls"]] == [1, 2]
    assert "Bread" in error.message and "Bun" in error.message


def test_withdraw_draws_every_item_when_stock_suffices():
    layers = {1: [layer(1, "1", item=1), layer(2, "5", item=1)], 2: [layer(3, "4", item=2)]}
    draws = withdraw("material", {2: D("4"), 1: D("2")}, layers)
    assert {k: [(d.layer_id, d.quantity) for d in v] for k, v in draws.items()} == {
        1: [(1, D("1")), (2, D("1"))], 2: [(3, D("4"))]}
