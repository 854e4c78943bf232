"""Recipe costing and cost of goods, checked against figures worked out by hand."""

from __future__ import annotations

from typing import Any


def two_lots_of_rolls(bakery: Any) -> tuple[int, int]:
    """Flour 5 kg @1.00 (Jan 1) and 5 kg @2.00 (Jan 2); 1 kg flour makes 2 rolls.

    Bake 3 batches: 3 kg @1.00 = 3.00 -> lot 1, 6 rolls @0.50.
    Bake 4 batches: 2 kg @1.00 + 2 kg @2.00 = 6.00 -> lot 2, 8 rolls @0.75.
    Left: 3 kg @2.00.
    """
    flour = bakery.material("Flour")
    bakery.batch(flour, "5", "2.00", "2026-01-02")
    bakery.batch(flour, "5", "1.00", "2026-01-01")
    rolls = bakery.product("Rolls", "3.00")
    recipe = bakery.recipe(rolls, {flour: "1"}, yield_quantity="2", name="Rolls")
    assert bakery.bake(recipe, 3)["total_cost"] == "3.00"
    assert bakery.bake(recipe, 4)["total_cost"] == "6.00"
    return rolls, recipe


def test_sale_costs_the_oldest_lots_first_across_two_costs(bakery: Any, api: Any) -> None:
    rolls, _ = two_lots_of_rolls(bakery)
    sale = bakery.sell({rolls: "10"})
    # 6 rolls @0.50 + 4 rolls @0.75 = 3.00 + 3.00
    assert sale["items"][0]["cost"] == "6.00"
    assert sale["total"] == "30.00"
    assert sale["cost"] == "6.00"
    later = bakery.sell({rolls: "4"})
    assert later["cost"] == "3.00"  # the last 4 rolls of lot 2 @0.75


def test_recipe_shows_cost_and_margin_at_current_fifo_cost_and_price(bakery: Any, api: Any) -> None:
    _, recipe = two_lots_of_rolls(bakery)
    body = api.ok("GET", f"/recipes/{recipe}")
    # 1 kg from the 3 kg left @2.00 -> 2.00 a batch, 1.00 a roll; price 3.00
    assert body["cost_per_batch"] == "2.00"
    assert body["cost_per_unit"] == "1.00"
    assert body["price"] == "3.00"
    assert body["margin_per_unit"] == "2.00"
    assert body["margin_percent"] == "66.67"
    assert body["max_batches"] == 3


def test_margin_percent_is_null_for_a_free_product(bakery: Any, api: Any) -> None:
    flour = bakery.material("Flour")
    bakery.batch(flour, "1", "1.00")
    sample = bakery.product("Sample", "0")
    recipe = bakery.recipe(sample, {flour: "1"}, yield_quantity="4")
    body = api.ok("GET", f"/recipes/{recipe}")
    assert body["margin_per_unit"] == "-0.25"
    assert body["margin_percent"] is None


def test_margin_per_product_over_a_range(bakery: Any, api: Any) -> None:
    rolls, _ = two_lots_of_rolls(bakery)
    bread = bakery.stocked_bread(loaves=5, price="4.00")  # lot @1.00
    bakery.sell({rolls: "10", bread: "2"})
    body = api.ok("GET", "/reports/sales?from=2020-01-01&to=2029-12-31&group_by=product")
    rows = {r["product_id"]: r for r in body["rows"]}
    assert rows[rolls] == {"key": "Rolls", "product_id": rolls, "quantity": "10.000",
                                "revenue": "30.00", "cost": "6.00", "margin": "24.00",
                                "margin_percent": "80.00", "refunds": "0.00", "tax": "0.00"}
    assert (rows[bread]["revenue"], rows[bread]["cost"], rows[bread]["margin"]) == \
        ("8.00", "2.00", "6.00")
    assert body["totals"] == {"quantity": "12.000", "revenue": "38.00", "cost": "8.00",
                              "margin": "30.00", "margin_percent": "78.95", "refunds": "0.00", "tax": "0.00"}
