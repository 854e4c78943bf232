"""Stock adjustments, the ledger, the sales history and the dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from bakery.db.models import StockAdjustment
from bakery.services.stock import record_sale

from .conftest import count


def test_waste_lowers_stock_and_shows_in_the_ledger(browser_as, bakery):
    flour = bakery.material("Flour")
    bakery.batch(flour, "10", "1.00", "2026-01-01")
    baker = browser_as("baker")
    baker.get(f"/stock/adjust?item=material:{flour}")
    response = baker.post("/stock/adjust", {"item": f"material:{flour}", "quantity_delta": "-2.5",
                                            "reason": "waste", "note": "mice"})
    assert response.headers["Location"] == f"/materials/{flour}/ledger"
    page = baker.get(response.headers["Location"]).text
    assert "7.5 kg" in page and "waste" in page and "-2.5" in page and baker.email in page


def test_a_count_can_add_product_stock(browser_as, bakery):
    bread = bakery.stocked_bread(loaves=2)
    manager = browser_as("manager")
    manager.get("/stock/adjust")
    manager.post("/stock/adjust", {"item": f"product:{bread}", "quantity_delta": "3",
                                   "reason": "count"})
    assert "On hand now: <strong>5</strong>" in manager.get(f"/products/{bread}/ledger").text


def test_removing_more_than_there_is_changes_nothing(browser_as, bakery, sessions):
    flour = bakery.material("Flour")
    bakery.batch(flour, "1", "1.00")
    baker = browser_as("baker")
    baker.get("/stock/adjust")
    page = baker.post("/stock/adjust", {"item": f"material:{flour}", "quantity_delta": "-5",
                                        "reason": "damage"}, status=400).text
    assert 'id="e-quantity_delta">only 1 in stock; cannot remove 5' in page
    assert count(sessions, StockAdjustment) == 0


def test_adjustment_input_errors_are_shown_per_field(browser_as, bakery, sessions):
    baker = browser_as("baker")
    baker.get("/stock/adjust")
    page = baker.post("/stock/adjust", {"item": "", "quantity_delta": "0", "reason": "theft",
                                        "note": "x" * 1001}, status=400).text
    assert 'id="e-item">choose a material or product' in page
    assert 'id="e-quantity_delta">must not be zero' in page
    assert 'id="e-reason">choose one of the options' in page
    assert 'id="e-note"' in page
    assert count(sessions, StockAdjustment) == 0


def test_unknown_item_is_refused(browser_as, sessions):
    baker = browser_as("baker")
    baker.get("/stock/adjust")
    page = baker.post("/stock/adjust", {"item": "material:424242", "quantity_delta": "1",
                                        "reason": "count"}, status=400).text
    assert 'id="e-item">no material with id 424242' in page
    assert count(sessions, StockAdjustment) == 0


def test_sales_history_filters_by_date(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=10, price="2.00")
    now = datetime.now(timezone.utc)
    record_sale(sessions, [(bread, Decimal(1))], at=now - timedelta(days=10))
    record_sale(sessions, [(bread, Decimal(2))], at=now - timedelta(days=3))
    record_sale(sessions, [(bread, Decimal(4))], at=now)
    cashier = browser_as("cashier")
    page = cashier.get("/sales").text  # the last seven days by default
    assert 'data-test="total-revenue"><strong>12.00' in page
    old_day = (now - timedelta(days=10)).date().isoformat()
    page = cashier.get(f"/sales?from={old_day}&to={old_day}").text
    assert 'data-test="total-revenue"><strong>2.00' in page
    assert page.count("<td class=\"num\">2.00</td>") >= 1


def test_bad_dates_are_shown_next_to_the_filter(browser_as):
    cashier = browser_as("cashier")
    page = cashier.get("/sales?from=2026-13-01&to=2026-01-01", status=400).text
    assert 'id="e-from"' in page and 'value="2026-13-01"' in page
    page = cashier.get("/sales?from=2026-02-01&to=2026-01-01", status=400).text
    assert 'id="e-to">is before the first day' in page


def test_dashboard_shows_todays_sales_low_stock_and_what_can_be_baked(admin, bakery):
    flour = bakery.material("Flour", min_quantity="50")
    bakery.batch(flour, "20", "1.00")
    bread = bakery.product("Loaf", "3.00")
    recipe = bakery.recipe(bread, {flour: "2"}, yield_quantity="4", name="Loaf")
    page = admin.get("/").text
    assert 'data-test="sales-count">0' in page
    assert "Flour</a>:" in page and "short 30" in page
    assert ">10</td>" in page  # 20 kg / 2 kg per batch
    bakery.bake(recipe, 1)
    bakery.sell({bread: "3"})
    page = admin.get("/").text
    assert 'data-test="sales-count">1' in page and 'data-test="revenue">9.00' in page
    assert ">9</td>" in page and "4 Loaf" in page


def test_cashier_dashboard_has_sales_but_no_stock(browser_as):
    page = browser_as("cashier").get("/").text
    assert "Today's sales" in page and "Low stock" not in page and "What can be baked" not in page


def test_baker_dashboard_has_stock_but_no_takings(browser_as):
    page = browser_as("baker").get("/").text
    assert "Today's sales" not in page and "Low stock" in page
