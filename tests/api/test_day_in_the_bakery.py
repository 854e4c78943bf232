"""A whole day of the bakery through the API: buy, bake, sell, adjust, read stock and ledger."""

from decimal import Decimal


def test_a_day_of_buying_baking_selling_and_adjusting(api, bakery):
    flour = bakery.material("Flour", "kg", "20")
    butter = bakery.material("Butter", "kg", "2")
    bakery.batch(flour, "25", "0.80", "2026-11-20")
    bakery.batch(flour, "25", "0.60", "2026-11-01")  # older, received later: used first
    bakery.batch(butter, "5", "7.00", "2026-11-10")
    croissant = bakery.product("Croissant", "2.20")
    recipe = bakery.recipe(croissant, {flour: "5", butter: "1.5"}, yield_quantity="40")

    run = bakery.bake(recipe, 2)
    assert run["produced_quantity"] == "80.000"
    assert run["total_cost"] == "27.00"  # 10 kg flour at 0.60 + 3 kg butter at 7.00
    assert [c["cost_per_unit"] for c in run["consumed"] if c["material_id"] == flour] == ["0.60"]

    sale = bakery.sell({croissant: "30"})
    assert sale["total"] == "66.00"
    assert Decimal(sale["cost"]) == Decimal("10.13")  # 30 * 27.00 / 80 = 10.125, rounded half up

    api.ok("POST", "/stock-adjustments", 201,
           json={"product_id": croissant, "quantity_delta": "-2", "reason": "waste"})

    product = api.ok("GET", f"/products/{croissant}")
    assert product["on_hand"] == "48.000"
    moves = api.ok("GET", f"/stock-moves?product_id={croissant}")["items"]
    assert sum(Decimal(m["delta"]) for m in moves) == Decimal("48")
    assert {m["reason"] for m in moves} == {"production", "sale", "waste"}
    material = api.ok("GET", f"/materials/{flour}")
    assert material["on_hand"] == "40.000"
    assert [b["purchase_date"] for b in material["batches"]] == ["2026-11-01", "2026-11-20"]
