"""Recipes in grams with a live cost, a product's label and the allergen matrix, in a real
browser under a strict CSP (docs/recipes.md shows these screenshots)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bakery.services.users import create_user
from tests.api.test_recipe_composition import croissants
from tests.conftest import login

from .conftest import ARTIFACTS, signed_in_page, strict_csp

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_recipe_in_grams_a_label_and_the_allergen_matrix(chromium, live_server):
    strict_csp(live_server.app)  # no inline script or style may be needed

    app = live_server.app
    api = login(app, "admin")
    ids = croissants(api)
    for material, body in ((ids["flour"], {"quantity": "2", "unit": "sack", "cost_per_unit": "20"}),
                           (ids["butter"], {"quantity": "10", "cost_per_unit": "6.50"}),
                           (ids["egg"], {"quantity": "60", "cost_per_unit": "0.25"})):
        api.ok("POST", f"/materials/{material}/batches", 201, json=body)
    api.ok("POST", "/production-runs", 201, json={"recipe_id": ids["dough_recipe"], "batches": 2})
    sesame = api.ok("POST", "/materials", 201, json={
        "name": "Sesame seeds", "unit": "kg", "allergens": ["sesame"]})["id"]
    api.ok("POST", f"/materials/{sesame}/batches", 201, json={"quantity": "1", "cost_per_unit": "9"})
    roll = api.ok("POST", "/products", 201, json={"name": "Sesame roll", "price": "0.90"})["id"]
    api.ok("POST", "/recipes", 201, json={
        "name": "Sesame roll", "product_id": roll, "yield_quantity": "20", "ingredients": [
            {"material_id": ids["flour"], "quantity": "1000", "unit": "g"},
            {"material_id": sesame, "quantity": "40", "unit": "g"}]})
    create_user(app.extensions["bakery.sessions"], email="owner@bakery.test", role="admin",
                password=PASSWORD)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context, page, problems = signed_in_page(chromium, live_server.url, "owner@bakery.test", PASSWORD)

    page.goto(live_server.url + f"/recipes/{ids['dough_recipe']}/edit")
    expect(page.locator("#f-ingredients-0-quantity")).to_have_value("600")
    expect(page.locator("#batch-cost")).to_have_text("3.08")  # 600 g x 0.0008 + 400 g x 0.0065
    page.locator("#f-ingredients-1-quantity").fill("500")  # more butter: the cost follows
    expect(page.locator("#batch-cost")).to_have_text("3.73")
    page.screenshot(path=str(folder / "recipe-in-grams.png"), full_page=True)

    page.goto(live_server.url + f"/recipes/{ids['croissant_recipe']}/bakers")
    expect(page.locator("tbody tr")).to_have_count(3)
    page.goto(live_server.url + f"/products/{ids['croissant']}/label")
    expect(page.locator(".label-allergens")).to_contain_text("cereals containing gluten")
    page.locator(".label").screenshot(path=str(folder / "label.png"))

    page.goto(live_server.url + "/allergens")
    expect(page.locator(".allergen-matrix tbody tr")).to_have_count(2)
    page.screenshot(path=str(folder / "allergen-matrix.png"), full_page=True)

    page.goto(live_server.url + "/pos")
    expect(page.locator(".product-button", has_text="Croissant")).to_contain_text("gluten")
    assert page.locator(".product-button", has_text="Croissant dough").count() == 0
    assert problems == []
    context.close()
