"""The planning pages: the printable bake plan and its button, the backtest, orders and their
delivery notes, on the same services and queries as the API."""

from __future__ import annotations

from datetime import datetime

import pytest

from bakery.clock import UTC, Clock, install
from bakery.db.models import CustomerOrder, ProductionRun, Sale

from .conftest import count


@pytest.fixture(autouse=True)
def frozen(app):
    install(app, Clock(UTC, frozen_at=datetime(2026, 11, 18, 9, 0, tzinfo=UTC)))


def _bakehouse(bakery, api):
    flour = bakery.material("Flour")
    bakery.batch(flour, "10", "1.00", "2026-10-01", supplier="Mill")
    bread = bakery.product("Bread", price="2.50")
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="4", name="Bread")
    order = api.ok("POST", "/orders", 201, json={
        "customer": "Cafe", "due_date": "2026-11-19", "deposit": "2.00", "note": "by 8",
        "items": [{"product_id": bread, "quantity": "6"}]})
    return flour, bread, recipe, order


def test_the_bake_plan_page_prints_and_records_its_runs(browser_as, bakery, api, sessions):
    _bakehouse(bakery, api)
    baker = browser_as("baker")
    page = baker.get("/plan?date=2026-11-19").text
    assert "Bake plan for Thursday 19 November 2026" in page
    assert "data-print" in page and "Record the production runs" in page
    assert "Stock covers the plan: nothing to buy." in page
    baker.post("/plan/runs", {"date": "2026-11-19"})
    assert count(sessions, ProductionRun) == 1
    after = baker.get("/plan?date=2026-11-19").text
    assert "Record the production runs" not in after  # 8 in stock now cover the order


def test_the_shopping_list_downloads_as_csv(browser_as, bakery, api):
    flour = bakery.material("Rye")
    bread = bakery.product("Rye bread")
    bakery.recipe(bread, {flour: "2"}, yield_quantity="1")
    api.ok("PUT", f"/materials/{flour}/supplier", json={"supplier": "Mill", "lead_time_days": 3})
    api.ok("POST", "/orders", 201, json={"customer": "A", "due_date": "2026-11-25",
                                         "items": [{"product_id": bread, "quantity": 2}]})
    response = browser_as("baker").get("/plan/shopping.csv?date=2026-11-25")
    lines = response.get_data(as_text=True).replace('"', "").splitlines()  # fields are quoted
    assert lines[0].startswith("supplier,material_id")
    assert lines[1].startswith(f"Mill,{flour},Rye,kg,4.000,0.000,4.000")
    assert lines[1].endswith(",3,2026-11-22")


def test_the_backtest_page_shows_both_scores(browser_as):
    page = browser_as("manager").get("/plan/backtest?from=2026-11-01&to=2026-11-17").text
    assert "How good is the forecast?" in page and "Last week WAPE" in page
    browser_as("baker").get("/plan/backtest", status=403)


def test_an_order_is_taken_fulfilled_and_has_a_delivery_note(browser_as, bakery, api, sessions):
    _, bread, recipe, _ = _bakehouse(bakery, api)
    bakery.bake(recipe, 2)
    cashier = browser_as("cashier")
    cashier.get("/orders")
    cashier.post("/orders", {"customer": "Mme Roux", "due_date": "2026-11-20",
                             "deposit": "1.50", "product_0": str(bread), "quantity_0": "2"})
    page = cashier.get("/orders?due=2026-11-20").text
    assert "Mme Roux" in page and "Fulfil (sell)" in page
    with sessions() as db:
        order_id = db.query(CustomerOrder.id).filter_by(customer="Mme Roux").scalar()
    note = cashier.get(f"/orders/{order_id}/note").text
    assert "Delivery note" in note and "To pay" in note and "3.50" in note  # 5.00 - 1.50
    cashier.post(f"/orders/{order_id}/fulfil", {"due": "2026-11-20"})
    assert count(sessions, Sale) == 1
    assert "fulfilled" in cashier.get("/orders?due=2026-11-20").text


def test_a_bad_order_form_shows_its_errors_and_takes_nothing(browser_as, bakery, sessions):
    bread = bakery.product()
    cashier = browser_as("cashier")
    cashier.get("/orders")
    page = cashier.post("/orders", {"customer": "", "due_date": "2026-11-01",
                                    "product_0": str(bread), "quantity_0": "-1"}, status=400).text
    assert "aria-invalid" in page
    assert count(sessions, CustomerOrder) == 0


def test_a_standing_order_is_taken_and_delivered_from_the_page(browser_as, bakery, api, sessions):
    _, bread, recipe, _ = _bakehouse(bakery, api)
    bakery.bake(recipe, 3)
    manager = browser_as("manager")
    manager.get("/orders")
    manager.post("/standing-orders", {"customer": "Cafe Central", "starts_on": "2026-11-18",
                                      "weekdays": ["1", "2", "3", "4", "5"],
                                      "product_0": str(bread), "quantity_0": "3"})
    page = manager.get("/orders?due=2026-11-19").text
    assert "Standing orders to deliver that day" in page and "Mon Tue Wed Thu Fri" in page
    with sessions() as db:
        from bakery.db.models import StandingOrder
        standing_id = db.query(StandingOrder.id).scalar()
    manager.post(f"/standing-orders/{standing_id}/deliver", {"date": "2026-11-19"})
    assert count(sessions, Sale) == 1
    manager.post(f"/standing-orders/{standing_id}/end", {"ends_on": "2026-11-20"})
    assert "2026-11-20" in manager.get("/orders").text
