"""The bake plan's arithmetic, exactly: whole batches, orders, stock, intermediates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bakery.domain.errors import ValidationFailed
from bakery.domain.orders import check_due_date, standing_due_on, weekdays_code
from bakery.domain.planning import Component, PlanRecipe, batches_needed, plan_bake

D = Decimal


def test_batches_round_up_to_whole_batches():
    assert batches_needed(D(0), D(12)) == 0
    assert batches_needed(D(-3), D(12)) == 0
    assert batches_needed(D(12), D(12)) == 1
    assert batches_needed(D("12.001"), D(12)) == 2
    assert batches_needed(D(25), D("2.5")) == 10


def test_forecast_plus_orders_minus_stock():
    recipes = {1: PlanRecipe(10, 1, D(24))}
    [line] = plan_bake(recipes, {1: D("40.5")}, {1: D(10)}, {1: D(3)})
    assert (line.to_make, line.batches) == (D("47.5"), 2)
    [line] = plan_bake(recipes, {1: D(5)}, {}, {1: D(30)})
    assert (line.to_make, line.batches) == (D(0), 0)


def test_intermediates_are_planned_from_what_finished_products_need():
    dough, croissant, pain = 3, 1, 2
    recipes = {
        croissant: PlanRecipe(11, croissant, D(30), components=[Component(dough, D("2.5"))]),
        pain: PlanRecipe(12, pain, D(30), components=[Component(dough, D("2.5"))]),
        dough: PlanRecipe(13, dough, D(10)),
    }
    lines = plan_bake(recipes, {croissant: D(45), pain: D(20)}, {}, {dough: D(2)})
    by_product = {line.product_id: line for line in lines}
    assert [line.product_id for line in lines][-1] == dough  # after what uses it
    assert by_product[croissant].batches == 2 and by_product[pain].batches == 1
    assert by_product[dough].for_recipes == D("7.5")
    assert (by_product[dough].to_make, by_product[dough].batches) == (D("5.5"), 1)


def test_recipes_that_use_each_other_are_refused():
    recipes = {1: PlanRecipe(1, 1, D(1), components=[Component(2, D(1))]),
               2: PlanRecipe(2, 2, D(1), components=[Component(1, D(1))])}
    with pytest.raises(ValidationFailed):
        plan_bake(recipes, {}, {}, {})


def test_standing_orders_deliver_on_their_weekdays_between_their_dates():
    code = weekdays_code([5, 1, 3, 3])
    assert code == "135"
    start, end = date(2026, 11, 16), date(2026, 11, 27)
    assert standing_due_on(code, start, end, date(2026, 11, 16))  # Monday
    assert not standing_due_on(code, start, end, date(2026, 11, 17))  # Tuesday
    assert not standing_due_on(code, start, end, date(2026, 11, 30))  # after the end
    assert not standing_due_on(code, start, None, date(2026, 11, 13))  # before the start
    with pytest.raises(ValidationFailed):
        weekdays_code([8])


def test_orders_may_be_due_today_but_not_before():
    check_due_date(date(2026, 11, 18), date(2026, 11, 18))
    with pytest.raises(ValidationFailed) as refused:
        check_due_date(date(2026, 11, 17), date(2026, 11, 18))
    assert "due_date" in refused.value.details


def test_stock_left_on_the_day_is_what_the_days_before_do_not_sell():
    from bakery.domain.planning import stock_left_on

    assert stock_left_on({1: D(30), 2: D(5)}, {1: D("12.5"), 2: D(9)}) == {1: D("17.5"), 2: D(0)}
