"""Recipes in grams with intermediates, baker's percentages, labels, the allergen matrix and
allergens on the till: the staff pages on the same API the tests build the bakery with."""

from __future__ import annotations

import re
from typing import Any

from bakery.db.models import Recipe, RecipeProduct
from tests.api.test_recipe_composition import croissants

from .conftest import count


def _form(product_id: int, rows: list[tuple[str, str, str]], name: str = "Pain au chocolat",
          yield_quantity: str = "10") -> dict:
    data = {"name": name, "product_id": str(product_id), "yield_quantity": yield_quantity}
    for index, (item, qty, unit) in enumerate(rows):
        data[f"ingredients-{index}-material_id"] = item
        data[f"ingredients-{index}-quantity"] = qty
        data[f"ingredients-{index}-unit"] = unit
    return data


def test_a_recipe_is_written_in_grams_with_a_dough_and_shows_its_cost(admin: Any, api: Any,
                                                                      sessions: Any) -> None:
    ids = croissants(api)
    api.ok("POST", f"/materials/{ids['flour']}/batches", 201,
           json={"quantity": "1", "unit": "sack", "cost_per_unit": "20.00"})
    page = admin.get("/recipes/new").text
    assert f'value="product:{ids["dough"]}"' in page  # the dough, made by a recipe, is offered
    assert 'data-cost="0.8' in page and 'id="batch-cost"' in page
    chocolate = api.ok("POST", "/materials", 201, json={"name": "Chocolate", "unit": "kg"})["id"]
    pain = api.ok("POST", "/products", 201, json={"name": "Pain au chocolat", "price": "2"})["id"]
    response = admin.post("/recipes/new", _form(pain, [
        (f"product:{ids['dough']}", "700", ""), (str(chocolate), "150", "g")]))
    recipe_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    recipe = api.ok("GET", f"/recipes/{recipe_id}")
    assert recipe["ingredients"] == [{"material_id": chocolate, "quantity": "0.150"},
                                     {"product_id": ids["dough"], "quantity": "700.000"}]
    page = admin.get(f"/recipes/{recipe_id}/edit").text
    assert 'name="ingredients-0-quantity" type="text" value="150"' in page
    assert "Croissant dough</a> (made here)" in admin.get(f"/recipes/{recipe_id}").text
    page = admin.get(f"/recipes/{recipe_id}/bakers").text
    assert re.search(r"Flour</td><td class=\"num\">420</td><td class=\"num\">100.0%", page)
    assert count(sessions, RecipeProduct) == 2


def test_a_unit_that_does_not_convert_is_marked_on_its_row(admin: Any, api: Any,
                                                          sessions: Any) -> None:
    ids = croissants(api)
    pain = api.ok("POST", "/products", 201, json={"name": "Pain", "price": "2"})["id"]
    before = count(sessions, Recipe)
    admin.get("/recipes/new")
    page = admin.post("/recipes/new", _form(pain, [(str(ids["butter"]), "1", "ml")]),
                      status=400).text
    assert 'id="e-ingredients-0-unit">' in page and "does not convert" in page
    page = admin.post("/recipes/new", _form(ids["dough"], [(f"product:{ids['dough']}", "1", "")],
                                            name="Loop"), status=400).text
    assert "would contain itself" in page
    assert count(sessions, Recipe) == before


def test_label_matrix_and_till_show_the_allergens(admin: Any, api: Any,
                                                  browser_as: Any) -> None:
    ids = croissants(api)
    label = admin.get(f"/products/{ids['croissant']}/label").text
    assert "<strong>Flour</strong> (54.55%), <strong>Butter</strong>" in label
    assert "May contain: sesame seeds." in label and "1.80" in label
    cashier = browser_as("cashier")
    matrix = cashier.get("/allergens").text
    assert "<th scope=\"row\">Croissant</th>" in matrix
    assert "Croissant dough" not in matrix  # not sold: not on the counter's matrix
    till = cashier.get("/pos").text
    assert "gluten · eggs · milk · traces: sesame" in till
    assert "Croissant dough" not in till


def test_allergens_are_ticked_on_the_material_form_and_kept_when_the_name_changes(
        admin: Any, api: Any) -> None:
    ids = croissants(api)
    page = admin.get(f"/materials/{ids['flour']}/edit").text
    assert 'name="allergens" value="gluten" checked' in page
    admin.post(f"/materials/{ids['flour']}/edit", {
        "name": "Wheat flour", "unit": "kg", "min_quantity": "0",
        "allergens": ["gluten", "soybeans"], "may_contain": []})
    material = api.ok("GET", f"/materials/{ids['flour']}")
    assert (material["name"], material["allergens"], material["may_contain"]) == \
        ("Wheat flour", ["gluten", "soybeans"], [])
    assert material["pack_sizes"] == [{"unit": "sack", "quantity": "25.000"}]
    page = admin.get(f"/products/{ids['croissant']}/edit").text
    assert 'name="allergens" value="gluten" checked' not in page  # only what it declares
    admin.post(f"/products/{ids['dough']}/edit", {"name": "Croissant dough", "price": "0"})
    assert api.ok("GET", f"/products/{ids['dough']}")["sellable"] is False


def test_a_delivery_is_received_in_sacks_on_the_page(admin: Any, api: Any) -> None:
    ids = croissants(api)
    page = admin.get(f"/materials/{ids['flour']}/receive").text
    assert '<option value="sack">sack of 25.000 kg</option>' in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    admin.post(f"/materials/{ids['flour']}/receive", {
        "quantity": "2", "unit": "sack", "cost_per_unit": "20.00", "key": key})
    batch = api.ok("GET", f"/materials/{ids['flour']}")["batches"][0]
    assert (batch["quantity"], batch["cost_per_unit"]) == ("50.000", "0.80")


def test_the_label_shows_the_best_before_of_the_stock_sold_next(admin: Any, api: Any,
                                                                app: Any) -> None:
    from datetime import datetime, timezone

    from bakery.clock import Clock, install

    install(app, Clock(timezone.utc, frozen_at=datetime(2026, 11, 18, 6, 0, tzinfo=timezone.utc)))
    flour = api.ok("POST", "/materials", 201, json={"name": "Rye", "unit": "kg",
                                                     "min_quantity": "0"})["id"]
    api.ok("POST", f"/materials/{flour}/batches", 201, json={"quantity": "5", "cost_per_unit": "1"})
    loaf = api.ok("POST", "/products", 201, json={"name": "Rye loaf", "price": "4.00",
                                                   "shelf_life_hours": 48})["id"]
    label = admin.get(f"/products/{loaf}/label").text
    assert "Best within</span> 48 hours of baking" in label  # nothing baked yet
    recipe = api.ok("POST", "/recipes", 201, json={
        "name": "Rye", "product_id": loaf, "yield_quantity": "2",
        "ingredients": [{"material_id": flour, "quantity": "1"}]})["id"]
    api.ok("POST", "/production-runs", 201, json={"recipe_id": recipe, "batches": 1})
    label = admin.get(f"/products/{loaf}/label").text
    assert 'data-test="best-before"><span class="label-heading">Best before:</span> ' \
           "2026-11-20 06:00" in label
