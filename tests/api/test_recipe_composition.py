"""Recipes as bakers write them: units and packs, intermediate products, allergens, the
ingredient list and the allergen matrix, through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from .conftest import error_of


def _material(api: Any, name: str, unit: str = "kg", **extra: Any) -> int:
    return int(api.ok("POST", "/materials", 201, json={"name": name, "unit": unit, **extra})["id"])


def _product(api: Any, name: str, price: str = "0.00", **extra: Any) -> int:
    return int(api.ok("POST", "/products", 201, json={"name": name, "price": price, **extra})["id"])


def _recipe(api: Any, name: str, product: int, yields: str, lines: list[dict]) -> int:
    return int(api.ok("POST", "/recipes", 201, json={
        "name": name, "product_id": product, "yield_quantity": yields, "ingredients": lines})["id"])


def croissants(api: Any) -> dict[str, int]:
    """Flour (kg, 25 kg sacks), butter (kg), eggs (pcs of 60 g), a croissant dough made of
    flour and butter, and croissants made of the dough with an egg wash."""
    ids = {
        "flour": _material(api, "Flour", allergens=["gluten"], may_contain=["sesame"],
                           pack_sizes=[{"unit": "sack", "quantity": "25"}]),
        "butter": _material(api, "Butter", allergens=["milk"]),
        "egg": _material(api, "Egg", "pcs", allergens=["eggs"], grams_per_unit="60"),
        "dough": _product(api, "Croissant dough", sellable=False),
        "croissant": _product(api, "Croissant", "1.80"),
    }
    ids["dough_recipe"] = _recipe(api, "Croissant dough", ids["dough"], "1000", [
        {"material_id": ids["flour"], "quantity": "600", "unit": "g"},
        {"material_id": ids["butter"], "quantity": "400", "unit": "g"}])
    ids["croissant_recipe"] = _recipe(api, "Croissant", ids["croissant"], "10", [
        {"product_id": ids["dough"], "quantity": "600"},
        {"material_id": ids["egg"], "quantity": "1"}])
    return ids


def test_a_recipe_line_in_grams_is_kept_in_the_materials_unit(api: Any) -> None:
    ids = croissants(api)
    recipe = api.ok("GET", f"/recipes/{ids['dough_recipe']}")
    assert recipe["ingredients"] == [{"material_id": ids["flour"], "quantity": "0.600"},
                                     {"material_id": ids["butter"], "quantity": "0.400"}]
    yeast = _material(api, "Yeast")
    bread = _product(api, "Bread", "3.00")
    recipe_id = _recipe(api, "Bread", bread, "1", [
        {"material_id": ids["flour"], "quantity": "0.5"},
        {"material_id": yeast, "quantity": "2.5", "unit": "g"}])
    assert api.ok("GET", f"/recipes/{recipe_id}")["ingredients"][1]["quantity"] == "0.0025"


def test_a_batch_received_in_sacks_is_booked_in_kg_at_the_cost_per_kg(api: Any) -> None:
    ids = croissants(api)
    batch = api.ok("POST", f"/materials/{ids['flour']}/batches", 201,
                   json={"quantity": "2", "unit": "sack", "cost_per_unit": "20.00"})
    assert (batch["quantity"], batch["cost_per_unit"]) == ("50.000", "0.80")
    batch = api.ok("POST", f"/materials/{ids['flour']}/batches", 201,
                   json={"quantity": "500", "unit": "g", "cost_per_unit": "0.0008"})
    assert (batch["quantity"], batch["cost_per_unit"]) == ("0.500", "0.80")
    material = api.ok("GET", f"/materials/{ids['flour']}")
    assert material["pack_sizes"] == [{"unit": "sack", "quantity": "25.000"}]
    assert (material["allergens"], material["may_contain"]) == (["gluten"], ["sesame"])


def test_a_unit_that_does_not_convert_is_refused_naming_the_line(api: Any, unchanged: Any) -> None:
    ids = croissants(api)
    bread = _product(api, "Bread", "3.00")
    with unchanged():
        details = error_of(api.post("/recipes", json={
            "name": "Bad", "product_id": bread, "yield_quantity": "1", "ingredients": [
                {"material_id": ids["flour"], "quantity": "1"},
                {"material_id": ids["butter"], "quantity": "1", "unit": "ml"}]}),
            422, "validation_error")["details"]
        assert list(details) == ["ingredients.1.unit"]
        details = error_of(api.post(f"/materials/{ids['egg']}/batches",
                                    json={"quantity": "1", "unit": "kg", "cost_per_unit": "1"}),
                           422)["details"]
        assert "unit" in details
        details = error_of(api.post(f"/materials/{ids['flour']}/batches",
                                    json={"quantity": "1", "unit": "tray", "cost_per_unit": "1"}),
                           422)["details"]
        assert "unknown unit 'tray'" in details["unit"]


def test_bad_allergens_packs_and_lines_are_refused(api: Any, unchanged: Any) -> None:
    ids = croissants(api)
    with unchanged():
        for body in ({"name": "X", "unit": "kg", "allergens": ["chocolate"]},
                     {"name": "X", "unit": "kg", "may_contain": "milk"},
                     {"name": "X", "unit": "kg", "pack_sizes": [{"unit": "kg", "quantity": "5"}]},
                     {"name": "X", "unit": "kg", "pack_sizes": [{"unit": "sack", "quantity": "0"}]},
                     {"name": "X", "unit": "kg", "pack_sizes": [
                         {"unit": "sack", "quantity": "5"}, {"unit": "Sack", "quantity": "6"}]}):
            error_of(api.post("/materials", json=body), 422, "validation_error")
        error_of(api.patch(f"/materials/{ids['flour']}", json={"allergens": ["gluten", "x"]}), 422)
        error_of(api.post("/products", json={"name": "Y", "price": "1", "sellable": "yes"}), 422)
        for line in ({"material_id": ids["flour"], "product_id": ids["dough"], "quantity": "1"},
                     {"quantity": "1"},
                     {"product_id": ids["dough"], "quantity": "1", "unit": "g"},
                     {"product_id": 999999, "quantity": "1"}):
            error_of(api.post("/recipes", json={"name": "Z", "product_id": ids["croissant"],
                                                "yield_quantity": "1", "ingredients": [line]}),
                     422, "validation_error")


def test_a_recipe_that_would_contain_itself_is_refused_at_any_depth(api: Any,
                                                                    unchanged: Any) -> None:
    ids = croissants(api)
    with unchanged():
        details = error_of(api.patch(f"/recipes/{ids['dough_recipe']}", json={"ingredients": [
            {"product_id": ids["croissant"], "quantity": "1"}]}), 422)["details"]
        assert "Croissant dough -> Croissant -> Croissant dough" in details["ingredients"]
        error_of(api.post("/recipes", json={
            "name": "Loop", "product_id": ids["dough"], "yield_quantity": "1",
            "ingredients": [{"product_id": ids["dough"], "quantity": "1"}]}), 422)


def test_production_draws_the_intermediates_lots_fifo_and_the_cost_rolls_up(api: Any) -> None:
    ids = croissants(api)
    api.ok("POST", f"/materials/{ids['flour']}/batches", 201,
           json={"quantity": "1", "unit": "sack", "cost_per_unit": "20.00"})  # 0.80 per kg
    api.ok("POST", f"/materials/{ids['butter']}/batches", 201,
           json={"quantity": "10", "cost_per_unit": "6.50"})
    api.ok("POST", f"/materials/{ids['egg']}/batches", 201,
           json={"quantity": "30", "unit": "pcs", "cost_per_unit": "0.25"})
    first = api.ok("POST", "/production-runs", 201,
                   json={"recipe_id": ids["dough_recipe"], "batches": 1})
    assert first["total_cost"] == "3.08"  # 0.6 kg x 0.80 + 0.4 kg x 6.50
    api.ok("POST", f"/materials/{ids['butter']}/batches", 201,
           json={"quantity": "0.4", "cost_per_unit": "8.00"})
    api.ok("PATCH", f"/materials/{ids['butter']}", json={"min_quantity": "0"})
    api.ok("POST", "/stock-adjustments", 201, json={  # the older butter goes to waste
        "material_id": ids["butter"], "quantity_delta": "-9.6", "reason": "waste"})
    second = api.ok("POST", "/production-runs", 201,
                    json={"recipe_id": ids["dough_recipe"], "batches": 1})
    assert second["total_cost"] == "3.68"  # 0.6 kg x 0.80 + 0.4 kg x 8.00
    recipe = api.ok("GET", f"/recipes/{ids['croissant_recipe']}")
    # 600 g of dough at 0.00308 per g from the first lot, plus an egg at 0.25
    assert recipe["cost_per_batch"] == "2.10"
    assert recipe["max_batches"] == 3  # 2000 g of dough / 600 g
    run = api.ok("POST", "/production-runs", 201,
                 json={"recipe_id": ids["croissant_recipe"], "batches": 2})
    # 1000 g from the first lot (3.08) and 200 g from the second (0.6x0.8+0.4x8 = 3.68 per kg)
    assert run["total_cost"] == "4.32"  # 3.08 + 0.736 + 2 eggs at 0.25, to the cent
    assert [(c["quantity"], c["unit_cost"]) for c in run["consumed_products"]] == \
        [("1000.000", "0.00308"), ("200.000", "0.00368")]
    assert run == api.ok("GET", f"/production-runs/{run['id']}")
    dough = api.ok("GET", f"/products/{ids['dough']}")
    assert dough["on_hand"] == "800.000"
    moves = api.ok("GET", f"/stock-moves?product_id={ids['dough']}")["items"]
    assert sorted(m["delta"] for m in moves if m["reason"] == "production") == \
        ["-1000.000", "-200.000", "1000.000", "1000.000"]


def test_a_short_intermediate_is_named_and_nothing_is_made(api: Any, unchanged: Any) -> None:
    ids = croissants(api)
    api.ok("POST", f"/materials/{ids['egg']}/batches", 201,
           json={"quantity": "30", "cost_per_unit": "0.25"})
    with unchanged():
        error = error_of(api.post("/production-runs",
                                  json={"recipe_id": ids["croissant_recipe"], "batches": 1}),
                         409, "insufficient_stock")
        assert error["details"]["shortfalls"] == [
            {"product_id": ids["dough"], "name": "Croissant dough", "required": "600.000",
             "available": "0"}]


def test_allergens_come_through_every_level_and_follow_a_material_change(api: Any) -> None:
    ids = croissants(api)
    croissant = api.ok("GET", f"/products/{ids['croissant']}")
    assert (croissant["allergens"], croissant["may_contain"]) == \
        (["gluten", "eggs", "milk"], ["sesame"])
    assert croissant["sellable"] is True
    assert api.ok("GET", f"/products/{ids['dough']}")["sellable"] is False
    api.ok("PATCH", f"/materials/{ids['butter']}", json={"allergens": ["milk", "soybeans"]})
    assert api.ok("GET", f"/products/{ids['croissant']}")["allergens"] == \
        ["gluten", "eggs", "soybeans", "milk"]
    change = api.ok("GET", f"/audit-log?entity=material&entity_id={ids['butter']}")["items"][0]
    assert (change["old_values"]["allergens"], change["new_values"]["allergens"]) == \
        ("milk", "soybeans milk")
    for product in ("dough", "croissant"):  # every product made with it, through the dough
        entry = api.ok("GET", f"/audit-log?entity=product&entity_id={ids[product]}")["items"][0]
        assert (entry["action"], entry["new_values"]["allergens"]) == \
            ("allergens", [*entry["old_values"]["allergens"][:-1], "soybeans", "milk"])
    matrix = api.ok("GET", "/reports/allergens")
    assert matrix["allergens"][:3] == ["gluten", "crustaceans", "eggs"]
    rows = {row["name"]: row for row in matrix["items"]}
    assert rows["Croissant dough"]["allergens"] == ["gluten", "soybeans", "milk"]
    assert rows["Croissant"]["may_contain"] == ["sesame"]


def test_the_ingredient_list_is_by_weight_with_intermediates_expanded(api: Any) -> None:
    ids = croissants(api)
    salt = _material(api, "Salt", "pinch")
    api.ok("PATCH", f"/recipes/{ids['croissant_recipe']}", json={"ingredients": [
        {"product_id": ids["dough"], "quantity": "600"},
        {"material_id": ids["egg"], "quantity": "1"},
        {"material_id": salt, "quantity": "1"}]})
    croissant = api.ok("GET", f"/products/{ids['croissant']}")
    # 360 g flour, 240 g butter, 60 g egg; a pinch of salt has no weight: last
    assert [(i["name"], i["share"]) for i in croissant["ingredients"]] == [
        ("Flour", "54.55"), ("Butter", "36.36"), ("Egg", "9.09"), ("Salt", None)]


def test_a_cashier_reads_the_matrix_but_may_not_change_allergens(as_role: Any) -> None:
    cashier = as_role("cashier")
    assert cashier.ok("GET", "/reports/allergens")["items"] == []
    error_of(cashier.post("/materials", json={"name": "X", "unit": "kg"}), 403)
