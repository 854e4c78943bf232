"""Planning a production run as pure Python: the draws, the cost and every shortfall."""

from datetime import date
from decimal import Decimal as D

from bakery.domain.fifo import StockLayer
from bakery.domain.production import plan_production
from bakery.domain.recipes import Ingredient


def layer(id_, item, remaining, cost, day=1):
    return StockLayer(id_, item, D(remaining), D(cost), date(2026, 1, day))


FLOUR, BUTTER, SALT = 1, 2, 3
LINES = [Ingredient(BUTTER, D("1.5")), Ingredient(FLOUR, D("15"))]


def test_a_plan_draws_every_ingredient_in_issue_order_and_costs_the_draws():
    layers = {FLOUR: [layer(1, FLOUR, "25", "0.60", 1), layer(2, FLOUR, "25", "0.80", 20)],
              BUTTER: [layer(3, BUTTER, "5", "7.00", 10)]}
    plan = plan_production(LINES, 2, D("40"), layers)
    assert plan.needs == {BUTTER: D("3.0"), FLOUR: D("30")}
    assert [(d.item_id, d.layer_id, d.quantity) for d in plan.consumed] == [
        (FLOUR, 1, D("25")), (FLOUR, 2, D("5")), (BUTTER, 3, D("3.0"))]
    assert plan.shortfalls == []
    assert plan.cost == D("15.00") + D("4.00") + D("21.00")
    assert (plan.produced, plan.unit_cost) == (D("80"), D("0.5"))


def test_a_plan_names_every_short_material_and_draws_only_the_covered_ones():
    layers = {FLOUR: [layer(1, FLOUR, "100", "1.00")], BUTTER: [layer(2, BUTTER, "1", "7.00")]}
    lines = [*LINES, Ingredient(SALT, D("0.1"))]
    plan = plan_production(lines, 1, D("10"), layers, {BUTTER: "Butter"})
    assert [(s.item_id, s.name, s.required, s.available) for s in plan.shortfalls] == [
        (BUTTER, "Butter", D("1.5"), D("1")), (SALT, "", D("0.1"), D(0))]
    assert list(plan.draws) == [FLOUR]
    assert plan.cost == D("15.00")


def test_a_recipe_without_lines_plans_a_free_run():
    plan = plan_production([], 3, D("2"), {})
    assert (plan.consumed, plan.shortfalls, plan.cost, plan.produced) == ([], [], D(0), D("6"))


DOUGH = 10


def test_a_plan_draws_an_intermediates_lots_oldest_first_and_its_cost_rolls_up():
    layers = {FLOUR: [layer(1, FLOUR, "10", "0.80")]}
    lots = {DOUGH: [layer(5, DOUGH, "500", "0.00308"), layer(6, DOUGH, "1000", "0.00368")]}
    plan = plan_production([Ingredient(FLOUR, D("0.1"))], 2, D("10"), layers,
                           product_lines=[Ingredient(DOUGH, D("600"))], lots_by_product=lots)
    assert plan.product_needs == {DOUGH: D("1200")}
    assert [(d.layer_id, d.quantity) for d in plan.consumed_lots] == [(5, D("500")), (6, D("700"))]
    # 0.2 kg flour at 0.80, 500 g at 0.00308 and 700 g at 0.00368: every level, exactly
    assert plan.cost == D("0.16") + D("1.54") + D("2.576")
    assert plan.unit_cost == D("0.2138")


def test_a_short_intermediate_is_named_as_a_product():
    plan = plan_production([], 1, D("1"), {}, product_lines=[Ingredient(DOUGH, D("600"))],
                           lots_by_product={DOUGH: [layer(5, DOUGH, "100", "0.003")]},
                           product_names={DOUGH: "Dough"})
    assert [(s.kind, s.item_id, s.name, s.required, s.available) for s in plan.shortfalls] == [
        ("product", DOUGH, "Dough", D("600"), D("100"))]
    assert plan.product_draws == {}
