"""Costing as pure Python: draws, needs, a recipe batch, a lot's unit cost, margins."""

from datetime import date
from decimal import Decimal as D

from bakery.domain.costing import (
    batch_cost,
    cost_of,
    intermediates_cost,
    latest_cost,
    lot_unit_cost,
    margin_percent,
    price_need,
    purchase_cost,
)
from bakery.domain.fifo import Draw, StockLayer
from bakery.domain.recipes import Ingredient


def layer(id_, item, remaining, cost, day=1):
    return StockLayer(id_, item, D(remaining), D(cost), date(2026, 1, day))


def test_draws_cost_their_quantity_at_their_layers_cost_exactly():
    draws = [Draw(1, 1, D("0.1"), D("0.10")), Draw(2, 1, D("0.2"), D("0.20"))]
    assert cost_of(draws) == D("0.05")
    assert cost_of([]) == D(0)


def test_a_need_is_priced_at_the_layers_it_would_draw_in_order():
    layers = [layer(2, 1, "1", "3.00", 1), layer(1, 1, "1", "1.00", 2)]
    price = price_need(layers, D("1.5"))
    assert (price.covered_cost, price.short) == (D("3.00") + D("0.5"), D(0))


def test_a_need_stock_cannot_cover_is_priced_as_far_as_it_goes():
    price = price_need([layer(1, 1, "1", "2.00")], D("2.5"))
    assert (price.covered_cost, price.short) == (D("2.00"), D("1.5"))
    assert price_need([], D("1")).short == D("1")


def test_batch_cost_prices_each_ingredient_at_fifo_cost():
    layers = {1: [layer(1, 1, "3", "1.00", 1), layer(2, 1, "10", "2.00", 5)],
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


def test_an_item_never_stocked_has_a_latest_cost_of_zero():
    assert latest_cost({1: D("1.25")}, 1) == D("1.25")
    assert latest_cost({1: D("1.25")}, 2) == D(0)


def test_a_lots_unit_cost_is_kept_to_six_places_half_up():
    assert lot_unit_cost(D("10"), D("3")) == D("3.333333")
    assert lot_unit_cost(D("0.0000025"), D("1")) == D("0.000003")


def test_a_purchase_is_priced_at_the_latest_cost_in_cents_or_not_at_all():
    assert purchase_cost(D("2.5"), D("0.333")) == D("0.83")
    assert purchase_cost(D("2.5"), None) is None


def test_margin_percent_is_of_revenue_and_none_without_revenue():
    assert margin_percent(D("1"), D("3")) == D("33.33")
    assert margin_percent(D("1"), D("0")) is None


def test_intermediates_are_priced_at_their_lots_then_at_their_fallback_cost():
    lots = {10: [layer(5, 10, "500", "0.00308")]}
    lines = [Ingredient(10, D("400")), Ingredient(10, D("200")), Ingredient(11, D("2"))]
    # 500 g of dough from the lot, 100 g at the dough's fallback, 2 fillings never made: 0.75
    assert intermediates_cost(lines, lots, {10: D("0.004"), 11: D("0.75")}) == \
        D("1.54") + D("0.4") + D("1.50")
