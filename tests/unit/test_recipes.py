"""Recipe arithmetic: merging lines, scaling, batches stock allows, cost per batch."""

from datetime import date
from decimal import Decimal as D

from bakery.domain.fifo import StockLayer
from bakery.domain.recipes import (
    Ingredient,
    batch_cost,
    fifo_cost,
    max_batches,
    merge_ingredients,
    scale,
)


def test_duplicate_ingredient_lines_are_summed_in_first_seen_order():
    lines = [Ingredient(2, D("1.5")), Ingredient(1, D("0.25")), Ingredient(2, D("0.5"))]
    assert merge_ingredients(lines) == [Ingredient(2, D("2.0")), Ingredient(1, D("0.25"))]


def test_scaling_multiplies_every_line_and_sums_duplicates():
    needs = scale([Ingredient(1, D("0.1")), Ingredient(2, D("2")), Ingredient(1, D("0.2"))], 3)
    assert needs == {1: D("0.9"), 2: D("6")}


def test_max_batches_is_limited_by_the_scarcest_ingredient():
    ingredients = [Ingredient(1, D("5")), Ingredient(2, D("1.5"))]
    assert max_batches(ingredients, {1: D("50"), 2: D("4.4")}) == 2
    assert max_batches(ingredients, {1: D("4.999"), 2: D("100")}) == 0


def test_max_batches_is_zero_when_an_ingredient_is_missing_or_there_are_none():
    assert max_batches([Ingredient(1, D("1")), Ingredient(2, D("1"))], {1: D("10")}) == 0
    assert max_batches([], {1: D("10")}) == 0


def test_max_batches_counts_duplicate_lines_together():
    assert max_batches([Ingredient(1, D("1")), Ingredient(1, D("1"))], {1: D("3")}) == 1


def test_max_batches_uses_exact_decimals():
    # 0.3 / 0.1 is exactly 3 in decimal (float division would give 2.9999999999999996)
    assert max_batches([Ingredient(1, D("0.1"))], {1: D("0.3")}) == 3


def layer(id_, item, remaining, cost, day=1):
    return StockLayer(id_, item, D(remaining), D(cost), date(2026, 1, day))


def test_batch_cost_prices_each_ingredient_at_fifo_cost():
    layers = {1: [layer(2, 1, "10", "2.00", 5), layer(1, 1, "3", "1.00", 1)],
              2: [layer(3, 2, "10", "7.00")]}
    cost = batch_cost([Ingredient(1, D("5")), Ingredient(2, D("0.5"))], layers, {})
    assert cost == D("3") * D("1.00") + D("2") * D("2.00") + D("0.5") * D("7.00")


def test_batch_cost_prices_shortfalls_at_the_latest_known_cost():
    layers = {1: [layer(1, 1, "2", "1.00")]}
    assert batch_cost([Ingredient(1, D("5"))], layers, {1: D("1.50")}) == D("2") + D("4.5")
    assert batch_cost([Ingredient(9, D("5"))], {}, {}) == D(0)


def test_batch_cost_of_duplicate_lines_equals_that_of_the_merged_line():
    layers = {1: [layer(1, 1, "1", "1.00", 1), layer(2, 1, "10", "3.00", 2)]}
    duplicated = batch_cost([Ingredient(1, D("1")), Ingredient(1, D("1"))], layers, {})
    assert duplicated == batch_cost([Ingredient(1, D("2"))], layers, {}) == D("4.00")


def test_fifo_cost_prices_available_stock_or_says_none():
    layers = [layer(1, 1, "1", "1.00", 2), layer(2, 1, "1", "3.00", 1)]
    assert fifo_cost(layers, D("1.5")) == D("3.00") + D("0.5")
    assert fifo_cost(layers, D("2.001")) is None
