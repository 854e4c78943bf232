"""Materials, batches, products and recipes through their pages."""

from __future__ import annotations

import re

from bakery.db.models import Material, MaterialBatch, Product, Recipe

from .conftest import count


def _id_from(location: str) -> int:
    return int(re.search(r"/(\d+)(?:/|$)", location).group(1))


def test_manager_creates_a_material_and_sees_it_listed(browser_as, sessions):
    manager = browser_as("manager")
    manager.get("/materials/new")
    response = manager.post("/materials/new", {"name": "Flour", "unit": "kg", "min_quantity": "20"})
    material_id = _id_from(response.headers["Location"])
    page = manager.get(f"/materials/{material_id}").text
    assert "Flour" in page and "No stock" in page
    listing = manager.get("/materials").text
    assert "Flour" in listing and "low stock" in listing  # 0 kg < 20 kg minimum


def test_bad_material_input_shows_field_errors_keeps_input_and_saves_nothing(admin, sessions):
    admin.get("/materials/new")
    page = admin.post("/materials/new", {"name": "  ", "unit": "kilograms-of-flour-in-sacks",
                                         "min_quantity": "-3"}, status=400).text
    assert 'id="e-name"' in page and "required" in page
    assert 'id="e-unit"' in page
    assert 'id="e-min_quantity"' in page and "must not be negative" in page
    assert 'value="kilograms-of-flour-in-sacks"' in page and 'value="-3"' in page
    assert count(sessions, Material) == 0


def test_material_quantity_that_is_not_a_number_is_refused(admin, sessions):
    admin.get("/materials/new")
    page = admin.post("/materials/new", {"name": "Salt", "unit": "kg", "min_quantity": "lots"},
                      status=400).text
    assert "not a decimal number" in page and 'value="lots"' in page
    assert count(sessions, Material) == 0


def test_duplicate_material_name_is_shown_next_to_the_name(admin, bakery, sessions):
    bakery.material("Butter")
    admin.get("/materials/new")
    page = admin.post("/materials/new", {"name": "butter", "unit": "kg"}, status=400).text
    assert 'id="e-name"' in page and "already exists" in page
    assert count(sessions, Material) == 1


def test_material_edit_keeps_the_id_and_changes_fields(admin, bakery):
    flour = bakery.material("Flour")
    page = admin.get(f"/materials/{flour}/edit").text
    assert 'value="Flour"' in page
    admin.post(f"/materials/{flour}/edit", {"name": "Flour T55", "unit": "kg", "min_quantity": "5"})
    assert "Flour T55" in admin.get(f"/materials/{flour}").text


def test_receiving_batches_lists_them_oldest_purchase_first(browser_as, bakery):
    baker = browser_as("baker")
    flour = bakery.material("Flour")
    baker.get(f"/materials/{flour}/receive")
    baker.post(f"/materials/{flour}/receive", {"quantity": "25", "cost_per_unit": "0.90",
                                               "purchase_date": "2026-03-10", "supplier": "Mill B",
                                               "key": "k-1"})
    baker.get(f"/materials/{flour}/receive")
    baker.post(f"/materials/{flour}/receive", {"quantity": "10", "cost_per_unit": "0.80",
                                               "purchase_date": "2026-03-01", "supplier": "Mill A",
                                               "key": "k-2"})
    page = baker.get(f"/materials/{flour}").text
    assert page.index("2026-03-01") < page.index("2026-03-10")
    assert "35 kg" in page  # on hand
    assert "30.50" in page  # value: 25 x 0.90 + 10 x 0.80


def test_a_resent_receive_form_books_one_batch(admin, bakery, sessions):
    flour = bakery.material("Flour")
    page = admin.get(f"/materials/{flour}/receive").text
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    form = {"quantity": "25", "cost_per_unit": "0.90", "key": key}
    admin.post(f"/materials/{flour}/receive", form)
    admin.post(f"/materials/{flour}/receive", form)
    assert count(sessions, MaterialBatch) == 1


def test_bad_batch_input_shows_field_errors(admin, bakery, sessions):
    flour = bakery.material("Flour")
    admin.get(f"/materials/{flour}/receive")
    page = admin.post(f"/materials/{flour}/receive", {
        "quantity": "0", "cost_per_unit": "-1", "purchase_date": "2026-02-30", "key": "x"},
        status=400).text
    assert "must be greater than zero" in page
    assert "must not be negative" in page
    assert "real date" in page and 'value="2026-02-30"' in page
    assert count(sessions, MaterialBatch) == 0


def test_receiving_needs_at_least_the_baker_role(browser_as, bakery):
    flour = bakery.material("Flour")
    browser_as("cashier").get(f"/materials/{flour}/receive", status=403)


def test_products_with_prices(browser_as, sessions):
    manager = browser_as("manager")
    manager.get("/products/new")
    response = manager.post("/products/new", {"name": "Baguette", "price": "1.30"})
    product_id = _id_from(response.headers["Location"])
    assert "1.30" in manager.get(f"/products/{product_id}").text
    manager.get(f"/products/{product_id}/edit")
    manager.post(f"/products/{product_id}/edit", {"name": "Baguette", "price": "1.40"})
    assert "1.40" in manager.get("/products").text


def test_bad_price_is_refused_next_to_the_field(admin, sessions):
    admin.get("/products/new")
    page = admin.post("/products/new", {"name": "Bun", "price": "1.999"}, status=400).text
    assert 'id="e-price"' in page and "at most 2 decimal places" in page
    assert count(sessions, Product) == 0


def test_cashier_sees_products_but_cannot_change_prices(browser_as, bakery):
    bread = bakery.product("Bread")
    cashier = browser_as("cashier")
    page = cashier.get("/products").text
    assert "Bread" in page and "Add a product" not in page
    cashier.get(f"/products/{bread}/edit", status=403)


def _recipe_form(product_id, rows, name="Baguette dough", yield_quantity="20"):
    data = {"name": name, "product_id": str(product_id), "yield_quantity": yield_quantity}
    for index, (material, qty) in enumerate(rows):
        data[f"ingredients-{index}-material_id"] = str(material)
        data[f"ingredients-{index}-quantity"] = qty
    return data


def test_recipe_with_many_ingredient_rows_shows_costs_and_max_batches(admin, bakery):
    flour, salt, yeast = bakery.material("Flour"), bakery.material("Salt"), bakery.material("Yeast")
    bakery.batch(flour, "50", "1.00", "2026-01-01")
    bakery.batch(salt, "1", "2.00", "2026-01-01")
    bakery.batch(yeast, "1", "5.00", "2026-01-01")
    bread = bakery.product("Baguette", "1.30")
    admin.get("/recipes/new")
    rows = [(flour, "5"), ("", ""), (salt, "0.1"), (yeast, "0.05"), ("", "")]
    response = admin.post("/recipes/new", _recipe_form(bread, rows))
    page = admin.get(response.headers["Location"]).text
    assert "5.45" in page  # cost per batch: 5 + 0.20 + 0.25
    assert "0.27" in page  # per unit: 5.45 / 20
    assert "Batches stock allows now</dt><dd>10" in page  # flour 50 / 5 and salt 1 / 0.1
    listing = admin.get("/recipes").text
    assert "Baguette dough" in listing


def test_recipe_form_errors_land_on_the_right_row(admin, bakery, sessions):
    flour = bakery.material("Flour")
    bread = bakery.product("Bread")
    admin.get("/recipes/new")
    rows = [(flour, "5"), ("", ""), (flour, "-1"), ("", "2")]
    page = admin.post("/recipes/new", _recipe_form(bread, rows), status=400).text
    assert 'id="e-ingredients-2-quantity">must be greater than zero' in page
    assert 'id="e-ingredients-3-material_id">choose a material' in page
    assert 'id="e-ingredients-0-quantity"' not in page
    assert 'value="-1"' in page  # the input is kept
    assert count(sessions, Recipe) == 0


def test_recipe_needs_a_product_and_an_ingredient(admin, sessions):
    admin.get("/recipes/new")
    page = admin.post("/recipes/new", {"name": "Air", "product_id": "", "yield_quantity": "1",
                                       "ingredients-0-material_id": "",
                                       "ingredients-0-quantity": ""}, status=400).text
    assert 'id="e-product_id"' in page
    assert 'id="e-ingredients"' in page
    assert count(sessions, Recipe) == 0


def test_recipe_naming_an_unknown_material_is_refused(admin, bakery, sessions):
    bread = bakery.product("Bread")
    admin.get("/recipes/new")
    page = admin.post("/recipes/new", _recipe_form(bread, [(987654, "1")]), status=400).text
    assert 'id="e-ingredients-0-material_id">no material with id 987654' in page
    assert count(sessions, Recipe) == 0


def test_recipe_edit_shows_current_rows_and_replaces_them(admin, bakery):
    flour, butter = bakery.material("Flour"), bakery.material("Butter")
    bread = bakery.product("Brioche")
    recipe = bakery.recipe(bread, {flour: "2"}, name="Brioche")
    page = admin.get(f"/recipes/{recipe}/edit").text
    # a material kept in kg is edited in grams
    assert 'name="ingredients-0-quantity" type="text" value="2000"' in page
    assert '<option value="g" selected>g</option>' in page
    assert 'name="ingredients-3-quantity"' in page  # blank rows to add more without JS
    admin.post(f"/recipes/{recipe}/edit", _recipe_form(bread, [(flour, "2"), (butter, "1")],
                                                       name="Brioche", yield_quantity="8"))
    page = admin.get(f"/recipes/{recipe}").text
    assert "Butter" in page and "8 × Brioche" in page


def test_baker_reads_recipes_but_cannot_edit(browser_as, bakery):
    flour = bakery.material("Flour")
    recipe = bakery.recipe(bakery.product("Bread"), {flour: "1"})
    baker = browser_as("baker")
    baker.get(f"/recipes/{recipe}")
    baker.get(f"/recipes/{recipe}/edit", status=403)


def test_long_lists_come_in_pages_with_a_link_to_the_next(admin, bakery, monkeypatch):
    from bakery.web import catalog

    monkeypatch.setattr(catalog, "LIST_PAGE", 2)
    names = [f"Flour {n}" for n in range(5)]
    for name in names:
        bakery.material(name, min_quantity="1")
    shown, url, pages = [], "/materials", 0
    while url:
        page = admin.get(url).text
        shown += re.findall(r">(Flour \d)</a>", page)
        found = re.search(r'href="(\?cursor=[^"]+)" rel="next"', page)
        url = "/materials" + found.group(1) if found else None
        pages += 1
        assert ("Total on this page" in page) and "low stock" in page
    assert shown == names and pages == 3


def test_forms_offer_every_item_even_beyond_one_page_of_the_queries(admin, bakery, monkeypatch):
    from bakery.web import catalog

    monkeypatch.setattr(catalog, "MAX_LIMIT", 2)
    for n in range(5):
        bakery.product(f"Roll {n}")
        bakery.material(f"Rye {n}")
    recipe_form = admin.get("/recipes/new").text
    adjust_form = admin.get("/stock/adjust").text
    for n in range(5):
        assert f"Roll {n}</option>" in recipe_form and f"Rye {n} (kg)</option>" in recipe_form
        assert f"Roll {n}" in adjust_form and f"Rye {n}" in adjust_form
    assert all(f"Roll {n}" in admin.get("/pos").text for n in range(5))
