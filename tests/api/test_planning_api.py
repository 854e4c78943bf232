"""Planning through the API: forecasts and their backtest, customer and standing orders, the
bake plan, its runs and the shopping list; every bad input a 422 that writes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from bakery.clock import UTC, Clock, install
from bakery.services import stock

from .conftest import error_of

TODAY = date(2026, 11, 18)  # a Wednesday
NOW = datetime.combine(TODAY, time(9, 0), UTC)


@pytest.fixture(autouse=True)
def frozen(app):
    install(app, Clock(UTC, frozen_at=NOW))


def _history(app, sessions, product_id: int, per_day: int = 10, weeks: int = 4) -> None:
    """`per_day` sold at noon on every day of the last `weeks` weeks (Sundays closed)."""
    with app.app_context():
        for back in range(weeks * 7, 0, -1):
            day = TODAY - timedelta(days=back)
            if day.isoweekday() == 7:
                continue
            stock.record_sale(sessions, [(product_id, Decimal(per_day))],
                              at=datetime.combine(day, time(12, 0), UTC))


@pytest.fixture
def shop(app, sessions, bakery):
    flour = bakery.material("Flour")
    bakery.batch(flour, "500", "1.00", "2026-10-01", supplier="Mill")
    bread = bakery.product("Bread", price="2.00")
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="12")
    bakery.bake(recipe, 30)  # 360 loaves
    _history(app, sessions, bread)
    return flour, bread, recipe


def test_forecast_learns_a_flat_history(api, shop):
    body = api.ok("GET", "/plans/forecast?date=2026-11-19")
    assert body["date"] == "2026-11-19"
    assert body["items"] == [{"product_id": shop[1], "name": "Bread", "forecast": "10.000"}]


def test_backtest_scores_the_method_and_the_naive_rule(api, shop):
    body = api.ok("GET", "/plans/forecast/backtest?from=2026-11-09&to=2026-11-17")
    assert body["days"] == 8  # the Sunday is closed and not scored
    assert body["wape"] == "0.0000" and body["naive_wape"] == "0.0000"


def test_an_order_is_taken_fulfilled_once_as_a_sale_and_counted_by_the_plan(api, shop):
    _, bread, recipe = shop
    order = api.ok("POST", "/orders", 201, json={
        "customer": "Mme Dupont", "due_date": "2026-11-19", "deposit": "5.00",
        "items": [{"product_id": bread, "quantity": "24"}], "note": "sliced"})
    assert order["status"] == "open" and order["total"] == "48.00" and order["balance"] == "43.00"
    assert api.ok("GET", "/orders?due=2026-11-19")["items"][0]["id"] == order["id"]
    plan = api.ok("GET", "/plans/bake?date=2026-11-19")
    line = plan["items"][0]
    assert (line["recipe_id"], line["forecast"], line["ordered"]) == (recipe, "10.000", "24.000")
    # today's forecast (10, none sold yet) comes out of the 120 left before tomorrow
    assert (line["on_hand"], line["sold_before"], line["in_stock"]) == ("120.000", "10.000",
                                                                        "110.000")
    done = api.ok("POST", f"/orders/{order['id']}/fulfil")
    assert done["status"] == "fulfilled" and done["sale_id"]
    sale = api.ok("GET", f"/sales/{done['sale_id']}")
    assert sale["total"] == "48.00" and sale["cost"] == "2.00"  # 24 loaves at 1/12 each
    error_of(api.post(f"/orders/{order['id']}/fulfil"), 409, "conflict")
    error_of(api.post(f"/orders/{order['id']}/cancel"), 409, "conflict")
    assert api.ok("GET", "/plans/bake?date=2026-11-19")["items"][0]["ordered"] == "0.000"


def test_a_short_order_sells_nothing_and_stays_open(api, shop, unchanged):
    order = api.ok("POST", "/orders", 201, json={
        "customer": "Cafe", "due_date": "2026-11-19",
        "items": [{"product_id": shop[1], "quantity": "100000"}]})
    with unchanged():
        error_of(api.post(f"/orders/{order['id']}/fulfil"), 409, "insufficient_stock")
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "open"


def test_a_cancelled_order_leaves_the_plan(api, shop):
    order = api.ok("POST", "/orders", 201, json={
        "customer": "X", "due_date": "2026-11-19", "items": [{"product_id": shop[1],
                                                              "quantity": 5}]})
    assert api.ok("POST", f"/orders/{order['id']}/cancel")["status"] == "cancelled"
    assert api.ok("GET", "/plans/bake?date=2026-11-19")["items"][0]["ordered"] == "0.000"


def test_a_standing_order_counts_on_its_weekdays_until_delivered_or_ended(api, shop):
    _, bread, _ = shop
    standing = api.ok("POST", "/standing-orders", 201, json={
        "customer": "Cafe Central", "weekdays": [1, 2, 3, 4, 5], "starts_on": "2026-11-18",
        "items": [{"product_id": bread, "quantity": "10"}]})
    assert standing["weekdays"] == [1, 2, 3, 4, 5]
    assert api.ok("GET", "/plans/bake?date=2026-11-19")["items"][0]["ordered"] == "10.000"
    assert api.ok("GET", "/plans/bake?date=2026-11-21")["items"][0]["ordered"] == "0.000"  # Sat
    delivered = api.ok("POST", f"/standing-orders/{standing['id']}/deliveries", 201,
                       json={"date": "2026-11-19"})
    assert delivered["status"] == "fulfilled" and delivered["standing_order_id"] == standing["id"]
    error_of(api.post(f"/standing-orders/{standing['id']}/deliveries",
                      json={"date": "2026-11-19"}), 409, "conflict")
    assert api.ok("GET", "/plans/bake?date=2026-11-19")["items"][0]["ordered"] == "0.000"
    skipped = api.ok("POST", f"/standing-orders/{standing['id']}/skips", 201,
                     json={"date": "2026-11-20"})
    assert skipped["status"] == "cancelled"
    ended = api.ok("POST", f"/standing-orders/{standing['id']}/end", json={"ends_on": "2026-11-20"})
    assert ended["ends_on"] == "2026-11-20"
    assert api.ok("GET", "/plans/bake?date=2026-11-23")["items"][0]["ordered"] == "0.000"


def test_the_bake_plan_rounds_up_to_whole_batches_and_prices_the_materials(api, bakery, app,
                                                                           sessions):
    flour = bakery.material("Rye")
    bakery.batch(flour, "2", "1.50", "2026-10-01")
    bread = bakery.product("Rye bread", price="4.00")
    recipe = bakery.recipe(bread, {flour: "0.5"}, yield_quantity="4")
    _history(app, sessions, bread, per_day=0, weeks=0)
    api.ok("POST", "/orders", 201, json={"customer": "A", "due_date": "2026-11-19",
                                         "items": [{"product_id": bread, "quantity": "9"}]})
    plan = api.ok("GET", "/plans/bake?date=2026-11-19")
    assert plan["items"] == [{
        "recipe_id": recipe, "product_id": bread, "name": "Rye bread", "forecast": "0.000",
        "ordered": "9.000", "for_recipes": "0.000", "on_hand": "0.000", "sold_before": "0.000",
        "in_stock": "0.000", "to_make": "9.000",
        "batches": 3, "units": "12.000"}]
    assert plan["materials"] == [{"material_id": flour, "name": "Rye", "unit": "kg",
                                  "required": "1.500", "on_hand": "2.000",
                                  "shortfall": "0.000"}]
    assert plan["cost"] == "2.25"
    runs = api.ok("POST", "/plans/bake/runs", 201,
                  json={"items": [{"recipe_id": recipe, "batches": 3}]})
    assert [r["produced_quantity"] for r in runs["runs"]] == ["12.000"]
    after = api.ok("GET", "/plans/bake?date=2026-11-19")["items"][0]
    assert (after["in_stock"], after["batches"]) == ("12.000", 0)


def test_a_plan_stock_cannot_cover_records_no_run(api, bakery, unchanged):
    flour = bakery.material()
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "1"})
    with unchanged():
        error = error_of(api.post("/plans/bake/runs",
                                  json={"items": [{"recipe_id": recipe, "batches": 2}]}),
                         409, "insufficient_stock")
    assert error["details"]["shortfalls"][0]["material_id"] == flour


def test_the_shopping_list_groups_what_to_buy_by_supplier(api, bakery):
    flour, butter = bakery.material("Flour"), bakery.material("Butter")
    bakery.batch(flour, "1", "0.80", "2026-10-01", supplier="Old mill")
    bakery.batch(butter, "1", "7.00", "2026-10-01", supplier="Dairy")
    api.ok("PUT", f"/materials/{flour}/supplier", json={"supplier": "Mill", "lead_time_days": 2})
    bread = bakery.product("Loaf")
    bakery.recipe(bread, {flour: "5", butter: "2"}, yield_quantity="10")
    api.ok("POST", "/orders", 201, json={"customer": "A", "due_date": "2026-11-20",
                                         "items": [{"product_id": bread, "quantity": "10"}]})
    body = api.ok("GET", "/plans/bake/shopping-list?date=2026-11-20")
    groups = {g["supplier"]: [(i["name"], i["to_buy"], i["order_by"]) for i in g["items"]]
              for g in body["suppliers"]}
    assert groups == {"Dairy": [("Butter", "1.000", None)],
                      "Mill": [("Flour", "4.000", "2026-11-18")]}
    assert body["estimated_total"] == "10.20"
    csv = api.client.get("/api/v1/plans/bake/shopping-list?date=2026-11-20&format=csv",
                         headers={"Authorization": f"Bearer {api.token}"})
    lines = csv.get_data(as_text=True).replace('"', "").splitlines()  # every field is quoted
    assert lines[0].startswith("supplier,material_id,name")
    assert lines[1].startswith("Dairy,") and lines[2].startswith("Mill,")


@pytest.mark.parametrize(("path", "field"), [
    ("/plans/forecast?date=2026-13-01", "date"),
    ("/plans/forecast", "date"),
    ("/plans/bake?date=tomorrow", "date"),
    ("/plans/forecast/backtest?from=2026-11-10&to=2026-11-01", "to"),
    ("/plans/forecast/backtest?from=2026-11-10&to=2026-11-18", "to"),  # today is not over
    ("/plans/forecast/backtest?from=2025-01-01&to=2026-11-17", "to"),  # over 366 days
    ("/orders?due=2026-02-30", "due"),
])
def test_bad_dates_in_queries_are_refused(api, path, field):
    error = error_of(api.get(path), 422, "validation_error")
    assert any(field in key for key in error["details"]), error


@pytest.mark.parametrize(("change", "field"), [
    ({"due_date": "2026-11-17"}, "due_date"),  # in the past
    ({"due_date": "18/11/2026"}, "due_date"),
    ({"items": [{"product_id": 999999, "quantity": "1"}]}, "items.0.product_id"),
    ({"items": [{"product_id": "PRODUCT", "quantity": "0"}]}, "items.0.quantity"),
    ({"items": [{"product_id": "PRODUCT", "quantity": "-2"}]}, "items.0.quantity"),
    ({"items": []}, "items"),
    ({"deposit": "-1"}, "deposit"),
    ({"customer": ""}, "customer"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_orders_are_refused_and_write_nothing(api, bakery, unchanged, change, field):
    bread = bakery.product()
    body = {"customer": "A", "due_date": "2026-11-19",
            "items": [{"product_id": bread, "quantity": "1"}]} | change
    for item in body["items"]:
        if item.get("product_id") == "PRODUCT":
            item["product_id"] = bread
    with unchanged():
        error = error_of(api.post("/orders", json=body), 422, "validation_error")
    assert field in error["details"], error


@pytest.mark.parametrize(("change", "field"), [
    ({"weekdays": [0]}, "weekdays.0"),
    ({"weekdays": []}, "weekdays"),
    ({"starts_on": "2026-11-01"}, "starts_on"),
    ({"ends_on": "2026-11-19"}, "ends_on"),  # before it starts
    ({"items": [{"product_id": 999999, "quantity": "1"}]}, "items.0.product_id"),
])
def test_bad_standing_orders_are_refused_and_write_nothing(api, bakery, unchanged, change,
                                                           field):
    bread = bakery.product()
    body = {"customer": "Cafe", "weekdays": [1, 3], "starts_on": "2026-11-20",
            "items": [{"product_id": bread, "quantity": "4"}]} | change
    with unchanged():
        error = error_of(api.post("/standing-orders", json=body), 422, "validation_error")
    assert field in error["details"], error


def test_a_delivery_on_a_day_the_standing_order_does_not_deliver_is_refused(api, bakery,
                                                                            unchanged):
    bread = bakery.product()
    standing = api.ok("POST", "/standing-orders", 201, json={
        "customer": "Cafe", "weekdays": [1], "starts_on": "2026-11-18",
        "items": [{"product_id": bread, "quantity": "4"}]})
    with unchanged():
        error_of(api.post(f"/standing-orders/{standing['id']}/deliveries",
                          json={"date": "2026-11-19"}), 422, "validation_error")
        error_of(api.post("/orders/999999/fulfil"), 404, "not_found")
        error_of(api.post("/standing-orders/999999/end", json={"ends_on": "2026-11-30"}), 404)


def test_a_cashier_takes_orders_but_may_not_plan(as_role, bakery):
    cashier = as_role("cashier")
    bread = bakery.product()
    cashier.ok("POST", "/orders", 201, json={"customer": "A", "due_date": "2026-11-19",
                                             "items": [{"product_id": bread, "quantity": 1}]})
    error_of(cashier.get("/plans/bake?date=2026-11-19"), 403, "forbidden")


def test_a_repeated_key_records_the_plan_and_a_delivery_once(api, bakery):
    flour = bakery.material()
    bakery.batch(flour, "3", "1.00", "2026-10-01")
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="2")
    body = {"items": [{"recipe_id": recipe, "batches": 2}]}
    first = api.ok("POST", "/plans/bake/runs", 201, json=body, headers={"Idempotency-Key": "k1"})
    again = api.ok("POST", "/plans/bake/runs", 201, json=body, headers={"Idempotency-Key": "k1"})
    assert [r["id"] for r in again["runs"]] == [r["id"] for r in first["runs"]]
    assert len(api.ok("GET", "/production-runs")["items"]) == 1  # 1 kg of flour left
    standing = api.ok("POST", "/standing-orders", 201, json={
        "customer": "Cafe", "weekdays": [4], "starts_on": "2026-11-18",
        "items": [{"product_id": bread, "quantity": "1"}]})
    path = f"/standing-orders/{standing['id']}/deliveries"
    one = api.ok("POST", path, 201, json={"date": "2026-11-19"}, headers={"Idempotency-Key": "d"})
    two = api.ok("POST", path, 201, json={"date": "2026-11-19"}, headers={"Idempotency-Key": "d"})
    assert one["id"] == two["id"] and len(api.ok("GET", "/sales")["items"]) == 1


def test_stock_past_its_best_before_on_the_day_is_not_counted_as_in_stock(api, bakery, app,
                                                                          sessions):
    flour = bakery.material("Spelt")
    bakery.batch(flour, "10", "1.00", "2026-10-01")
    bread = bakery.product("Spelt loaf", price="3.00")
    api.ok("PATCH", f"/products/{bread}", json={"shelf_life_hours": 24})
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="12")
    _history(app, sessions, bread, per_day=0, weeks=0)
    bakery.bake(recipe, 1)  # 12 loaves at 09:00 on the 18th, best before 09:00 on the 19th

    def on_hand(day: str) -> str:
        items = api.ok("GET", f"/plans/bake?date={day}")["items"]
        return next(i["on_hand"] for i in items if i["product_id"] == bread)

    assert on_hand("2026-11-18") == "12.000"
    assert on_hand("2026-11-19") == "12.000"  # sellable on the morning of the 19th
    assert on_hand("2026-11-20") == "0.000"   # stale by then


def test_the_plan_makes_the_dough_that_the_finished_products_need(api, bakery, app, sessions):
    flour = bakery.material("Wheat")
    bakery.batch(flour, "100", "1.00", "2026-10-01")
    dough = api.ok("POST", "/products", 201, json={"name": "Croissant dough", "price": "0.00",
                                                    "sellable": False})["id"]
    dough_recipe = bakery.recipe(dough, {flour: "1"}, yield_quantity="4")  # 4 kg a batch
    croissant = bakery.product("Croissant", price="1.50")
    croissant_recipe = api.ok("POST", "/recipes", 201, json={
        "name": "Croissants", "product_id": croissant, "yield_quantity": "10",
        "ingredients": [{"product_id": dough, "quantity": "2"}]})["id"]
    _history(app, sessions, croissant, per_day=0, weeks=0)
    api.ok("POST", "/orders", 201, json={"customer": "Cafe", "due_date": "2026-11-19",
                                         "items": [{"product_id": croissant, "quantity": "25"}]})
    items = {i["recipe_id"]: i for i in api.ok("GET", "/plans/bake?date=2026-11-19")["items"]}
    assert items[croissant_recipe]["batches"] == 3           # 25 croissants: 3 batches of 10
    assert items[dough_recipe]["for_recipes"] == "6.000"      # 3 batches x 2 kg of dough
    assert items[dough_recipe]["batches"] == 2                # 6 kg: 2 batches of 4
