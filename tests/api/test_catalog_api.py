"""Materials, batches, products and recipes through the API: happy paths and refusals."""

from decimal import Decimal as D

from .conftest import error_of


def test_creating_and_reading_a_material(api, bakery):
    created = api.ok("POST", "/materials", 201,
                     json={"name": " Flour ", "unit": "kg", "min_quantity": 20})
    assert created == {"id": created["id"], "name": "Flour", "unit": "kg",
                       "min_quantity": "20.000", "on_hand": "0.000", "stock_value": "0.00",
                       "low_stock": True, "allergens": [], "may_contain": [], "pack_sizes": [],
                       "grams_per_unit": None, "issue_order": "fifo"}
    bakery.batch(created["id"], "25.5", "0.80", "2026-11-20")
    bakery.batch(created["id"], "10", "0.60", "2026-11-01")
    shown = api.ok("GET", f"/materials/{created['id']}")
    assert (shown["on_hand"], shown["stock_value"], shown["low_stock"]) == ("35.500", "26.40", False)
    assert [b["purchase_date"] for b in shown["batches"]] == ["2026-11-01", "2026-11-20"]
    assert [m["id"] for m in api.ok("GET", "/materials")["items"]] == [created["id"]]


def test_material_defaults_and_changes(api, unchanged):
    material = api.ok("POST", "/materials", 201, json={"name": "Salt", "unit": "kg"})
    assert material["min_quantity"] == "0.000" and material["low_stock"] is False
    changed = api.ok("PATCH", f"/materials/{material['id']}", json={"min_quantity": "1.5",
                                                                    "unit": "g"})
    assert (changed["name"], changed["unit"], changed["min_quantity"]) == ("Salt", "g", "1.500")
    assert api.ok("PATCH", f"/materials/{material['id']}", json={}) == changed
    api.ok("POST", "/materials", 201, json={"name": "Sugar", "unit": "kg"})
    with unchanged():
        error_of(api.patch(f"/materials/{material['id']}", json={"name": "SUGAR"}), 409, "conflict")
        error_of(api.patch(f"/materials/{material['id']}", json={"unit": None}), 422)
        error_of(api.patch("/materials/99999", json={"unit": "kg"}), 404, "not_found")
        error_of(api.post("/materials", json={"name": "salt", "unit": "kg"}), 409, "conflict")


def test_receiving_a_batch_returns_it(api, bakery):
    flour = bakery.material()
    batch = api.ok("POST", f"/materials/{flour}/batches", 201, json={
        "quantity": 12.5, "cost_per_unit": "0.85", "purchase_date": "2026-10-01",
        "expiry_date": "2027-01-01", "lot": "L-77", "supplier": "Mill & Co"})
    assert {k: batch[k] for k in ("material_id", "quantity", "remaining", "cost_per_unit",
                                  "purchase_date", "expiry_date", "lot", "supplier")} == {
        "material_id": flour, "quantity": "12.500", "remaining": "12.500", "cost_per_unit": "0.85",
        "purchase_date": "2026-10-01", "expiry_date": "2027-01-01", "lot": "L-77",
        "supplier": "Mill & Co"}
    free = api.ok("POST", f"/materials/{flour}/batches", 201,
                  json={"quantity": "1", "cost_per_unit": 0})
    assert free["cost_per_unit"] == "0.00" and free["purchase_date"]


def test_refused_batches_write_nothing(api, bakery, unchanged):
    flour = bakery.material()
    with unchanged():
        error_of(api.post("/materials/4242/batches", json={"quantity": "1", "cost_per_unit": "1"}),
                 404, "not_found")
        error = error_of(api.post(f"/materials/{flour}/batches", json={
            "quantity": "1", "cost_per_unit": "1", "purchase_date": "2026-02-01",
            "expiry_date": "2026-01-01"}), 422, "validation_error")
        assert "expiry_date" in error["message"]
        for bad_date in ("2026-02-30", "yesterday", 20260101, "01/02/2026"):
            details = error_of(api.post(f"/materials/{flour}/batches", json={
                "quantity": "1", "cost_per_unit": "1", "purchase_date": bad_date}), 422)["details"]
            assert "purchase_date" in details, bad_date
        error_of(api.post(f"/materials/{flour}/batches", json={
            "quantity": "1", "cost_per_unit": "1", "lot": "x" * 121}), 422)


def test_products_with_prices_and_stock(api, bakery, unchanged):
    product = api.ok("POST", "/products", 201, json={"name": "Baguette", "price": "2.5"})
    assert product == {"id": product["id"], "name": "Baguette", "price": "2.50",
                       "on_hand": "0.000", "min_quantity": None, "low_stock": False,
                       "sellable": True, "allergens": [], "may_contain": [], "ingredients": [],
                       "tax_rate": "0.00", "eat_in_tax_rate": None,
                       "shelf_life_hours": None, "expired": "0.000", "day_old_product_id": None}
    changed = api.ok("PATCH", f"/products/{product['id']}", json={"price": 2.75,
                                                                  "min_quantity": "10"})
    assert (changed["price"], changed["min_quantity"], changed["low_stock"]) == (
        "2.75", "10.000", True)
    assert api.ok("PATCH", f"/products/{product['id']}",
                  json={"min_quantity": None})["min_quantity"] is None
    bread = bakery.stocked_bread(4)
    shown = api.ok("GET", f"/products/{bread}")
    assert shown["on_hand"] == "4.000"
    assert [(lot["remaining"], lot["unit_cost"]) for lot in shown["lots"]] == [("4.000", "1.00")]
    assert {p["id"] for p in api.ok("GET", "/products")["items"]} == {product["id"], bread}
    with unchanged():
        error_of(api.get("/products/99999"), 404, "not_found")
        error_of(api.patch("/products/99999", json={"price": "1"}), 404)
        error_of(api.patch(f"/products/{bread}", json={"price": None}), 422)
        error_of(api.post("/products", json={"name": "baguette", "price": "1"}), 409)
        error_of(api.post("/products", json={"name": "Free", "price": "-0.01"}), 422)


def test_recipes_carry_fifo_cost_and_the_batches_stock_allows(api, bakery):
    flour, butter = bakery.material("Flour"), bakery.material("Butter")
    bakery.batch(flour, "4", "0.50", "2026-01-01")
    bakery.batch(flour, "100", "1.00", "2026-01-02")
    bakery.batch(butter, "3", "8.00")
    croissant = bakery.product("Croissant", "2.00")
    recipe = api.ok("POST", "/recipes", 201, json={
        "name": "Croissants", "product_id": croissant, "yield_quantity": "40",
        "ingredients": [{"material_id": flour, "quantity": "3"},
                        {"material_id": butter, "quantity": "1"},
                        {"material_id": flour, "quantity": "2"}]})
    assert recipe["ingredients"] == [{"material_id": flour, "quantity": "5.000"},
                                     {"material_id": butter, "quantity": "1.000"}]
    # 4 kg at 0.50 + 1 kg at 1.00 + 1 kg butter at 8.00
    assert (recipe["cost_per_batch"], recipe["cost_per_unit"], recipe["max_batches"]) == (
        "11.00", "0.28", 3)
    changed = api.ok("PATCH", f"/recipes/{recipe['id']}", json={
        "yield_quantity": "20", "ingredients": [{"material_id": butter, "quantity": "0.5"}]})
    assert (changed["cost_per_batch"], changed["cost_per_unit"], changed["max_batches"]) == (
        "4.00", "0.20", 6)
    assert api.ok("GET", f"/recipes/{recipe['id']}") == changed
    assert [r["id"] for r in api.ok("GET", "/recipes")["items"]] == [recipe["id"]]


def test_refused_recipes_write_nothing(api, bakery, unchanged):
    flour = bakery.material()
    bread = bakery.product()
    api.ok("POST", "/recipes", 201, json={"name": "Loaf", "product_id": bread,
                                          "yield_quantity": "1",
                                          "ingredients": [{"material_id": flour, "quantity": 1}]})
    good = {"name": "Other", "product_id": bread, "yield_quantity": "1",
            "ingredients": [{"material_id": flour, "quantity": "1"}]}
    with unchanged():
        details = error_of(api.post("/recipes", json={**good, "product_id": 999, "ingredients": [
            {"material_id": flour, "quantity": 1}, {"material_id": 998, "quantity": 1}]}),
            422)["details"]
        assert set(details) == {"product_id", "ingredients.1.material_id"}
        error_of(api.post("/recipes", json={**good, "name": "LOAF"}), 409, "conflict")
        error_of(api.post("/recipes", json={**good, "ingredients": []}), 422)
        error_of(api.post("/recipes", json={**good, "ingredients": [{"material_id": flour}]}), 422)
        error_of(api.post("/recipes", json={**good, "yield_quantity": "0"}), 422)
        error_of(api.post("/recipes", json={**good, "ingredients": [
            {"material_id": flour, "quantity": "-1"}]}), 422)
        error_of(api.patch("/recipes/999", json={"yield_quantity": "2"}), 404)
        error_of(api.get("/recipes/999"), 404, "not_found")


def test_low_stock_alerts_list_materials_below_their_minimum(api, bakery):
    flour = bakery.material("Flour", min_quantity="20")
    salt = bakery.material("Salt", min_quantity="1")
    bakery.material("Water", min_quantity="0")
    bakery.batch(flour, "5", "1.00")
    bakery.batch(salt, "0.4", "1.00")
    alerts = api.ok("GET", "/alerts/low-stock")["items"]
    assert [(a["material_id"], a["on_hand"], a["min_quantity"], a["shortfall"]) for a in alerts] == [
        (flour, "5.000", "20.000", "15.000"), (salt, "0.400", "1.000", "0.600")]
    assert D(alerts[0]["shortfall"]) == D("15")
