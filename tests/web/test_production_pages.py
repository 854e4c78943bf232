"""Production: preview the FIFO draws and cost, then bake; shortfalls name every material."""

from __future__ import annotations

import re

from bakery.db.models import ProductionRun

from .conftest import count


def _kitchen(bakery):
    flour, butter = bakery.material("Flour"), bakery.material("Butter")
    bakery.batch(flour, "10", "1.00", "2026-01-01")
    bakery.batch(flour, "10", "2.00", "2026-02-01")
    bakery.batch(butter, "1", "8.00", "2026-01-15")
    bread = bakery.product("Croissant")
    recipe = bakery.recipe(bread, {flour: "6", butter: "0.25"}, yield_quantity="30",
                           name="Croissants")
    return flour, butter, recipe


def test_preview_shows_fifo_draws_and_cost_and_changes_nothing(browser_as, bakery, sessions):
    _, _, recipe = _kitchen(bakery)
    baker = browser_as("baker")
    assert "Croissants (stock allows 3)" in baker.get("/production").text
    page = baker.get(f"/production/preview?recipe_id={recipe}&batches=2").text
    # 12 kg flour: all 10 of January at 1.00, then 2 of February at 2.00; 0.5 kg butter at 8.00
    assert "10 from batch" in page and "2 from batch" in page
    assert page.index("2026-01-01") < page.index("2026-02-01")
    assert "18.00" in page  # 10 + 4 + 4
    assert "60 × Croissant" in page
    assert count(sessions, ProductionRun) == 0


def test_confirming_bakes_once_even_when_sent_twice(browser_as, bakery, sessions):
    _, _, recipe = _kitchen(bakery)
    baker = browser_as("baker")
    page = baker.get(f"/production/preview?recipe_id={recipe}&batches=1").text
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    form = {"recipe_id": str(recipe), "batches": "1", "key": key}
    baker.post("/production", form)
    baker.post("/production", form)
    assert count(sessions, ProductionRun) == 1
    page = baker.get("/production").text
    assert "Baked 1 batch: 30 Croissant for 8.00." in page
    assert "30 Croissant" in page


def test_shortfall_names_every_short_material(browser_as, bakery, sessions):
    _, _, recipe = _kitchen(bakery)
    page = browser_as("manager").get(f"/production/preview?recipe_id={recipe}&batches=5").text
    assert "Not enough stock" in page
    assert "<strong>Flour</strong>: needs 30 kg, 20 kg in stock (10 kg short)" in page
    assert "<strong>Butter</strong>: needs 1.25 kg, 1 kg in stock (0.25 kg short)" in page
    assert 'action="/production"' not in page  # nothing to confirm


def test_stock_gone_before_confirming_is_refused_with_every_shortfall(browser_as, bakery, sessions):
    flour, _, recipe = _kitchen(bakery)
    baker = browser_as("baker")
    baker.get(f"/production/preview?recipe_id={recipe}&batches=1")
    bakery.through.api.ok("POST", "/stock-adjustments", 201, json={
        "material_id": flour, "quantity_delta": "-19", "reason": "waste"})
    page = baker.post("/production", {"recipe_id": str(recipe), "batches": "1", "key": "k"},
                      status=409).text
    assert "not enough stock: Flour" in page
    assert count(sessions, ProductionRun) == 0


def test_bad_batches_and_recipe_show_field_errors(browser_as, bakery):
    _, _, recipe = _kitchen(bakery)
    baker = browser_as("baker")
    page = baker.get(f"/production/preview?recipe_id={recipe}&batches=0", status=400).text
    assert 'id="e-batches"' in page
    page = baker.get("/production/preview?recipe_id=&batches=abc", status=400).text
    assert 'id="e-recipe_id">choose a recipe' in page and 'id="e-batches">a whole number' in page
    page = baker.get("/production/preview?recipe_id=99999&batches=1", status=400).text
    assert 'id="e-recipe_id">no such recipe' in page


def test_cashier_cannot_bake(browser_as, bakery):
    _, _, recipe = _kitchen(bakery)
    cashier = browser_as("cashier")
    cashier.get("/production", status=403)
    cashier.get("/pos")
    cashier.post("/production", {"recipe_id": str(recipe), "batches": "1"}, status=403)
