"""Close the day and the recall page in a real browser, under a strict CSP, with the
screenshots docs/food-safety.md shows (saved under test-artifacts/screenshots/)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bakery.clock import Clock, install
from bakery.services import catalog, stock
from bakery.services.users import create_user

from .conftest import ARTIFACTS, signed_in_page

PASSWORD = "correct horse battery"
BERLIN = ZoneInfo("Europe/Berlin")


def _at(app: Any, hour: int, minute: int = 0, day: int = 20) -> None:
    install(app, Clock(BERLIN, frozen_at=datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)))


def _bakery_day(app: Any) -> dict:
    """Two deliveries of flour (lots L-41 and L-42), bakes on two days, a day of sales."""
    factory = app.extensions["bakery.sessions"]
    with app.app_context():
        _at(app, 5, day=19)
        flour = catalog.create_material(factory, name="Flour T65", unit="kg")
        butter = catalog.create_material(factory, name="Butter", unit="kg")
        stock.receive_batch(factory, flour, quantity=D(12), cost_per_unit=D("0.90"),
                            purchase_date=date(2026, 11, 10), lot="L-41", supplier="Moulin Dupont",
                            expiry_date=date(2027, 3, 1))
        stock.receive_batch(factory, flour, quantity=D(25), cost_per_unit=D("0.92"),
                            purchase_date=date(2026, 11, 17), lot="L-42", supplier="Moulin Dupont",
                            expiry_date=date(2027, 3, 8))
        stock.receive_batch(factory, butter, quantity=D(5), cost_per_unit=D("8.40"),
                            purchase_date=date(2026, 11, 12), lot="B-7", supplier="Laiterie",
                            expiry_date=date(2026, 11, 21))
        products = {
            "Baguette": catalog.create_product(factory, name="Baguette", price=D("1.30"),
                                               shelf_life_hours=10),
            "Croissant": catalog.create_product(factory, name="Croissant", price=D("1.60"),
                                                shelf_life_hours=14),
            "Sourdough loaf": catalog.create_product(factory, name="Sourdough loaf",
                                                     price=D("5.20"), shelf_life_hours=72),
        }
        day_old = catalog.create_product(factory, name="Croissant (day-old)", price=D("0.80"),
                                         shelf_life_hours=24)
        catalog.update_product(factory, products["Croissant"], day_old_product_id=day_old)
        recipes = {
            "Baguette": {flour: D("4")},
            "Croissant": {flour: D("1.2"), butter: D("0.6")},
            "Sourdough loaf": {flour: D("5")},
        }
        ids = {name: catalog.save_recipe(factory, None, {
            "name": name, "product_id": products[name], "yield_quantity": D(24 if name != "Sourdough loaf" else 8),
            "ingredients": [{"material_id": m, "quantity": q} for m, q in lines.items()]})
            for name, lines in recipes.items()}
        stock.run_production(factory, recipe_id=ids["Sourdough loaf"], batches=2)
        stock.run_production(factory, recipe_id=ids["Baguette"], batches=1)
        _at(app, 9, day=19)
        stock.record_sale(factory, [(products["Baguette"], D(20)), (products["Sourdough loaf"], D(5))])
        _at(app, 4, 30)
        stock.run_production(factory, recipe_id=ids["Baguette"], batches=2)
        stock.run_production(factory, recipe_id=ids["Croissant"], batches=1)
        for hour, items in ((7, {"Baguette": 12, "Croissant": 6}), (9, {"Baguette": 9, "Croissant": 8}),
                            (11, {"Sourdough loaf": 3, "Baguette": 7}), (14, {"Croissant": 4, "Baguette": 6})):
            _at(app, hour)
            stock.record_sale(factory, [(products[n], D(q)) for n, q in items.items()])
        _at(app, 16, 30)  # 17:30 in Berlin: closing time
    return {"flour": flour}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_close_the_day_and_recall_pages_in_chromium(chromium, live_server):
    app = live_server.app

    @app.after_request
    def strict_policy(response):  # no inline script or style may be needed
        response.headers["Content-Security-Policy"] = "default-src 'self'; object-src 'none'"
        return response

    app.extensions["bakery.settings"].token_hours = 24 * 30
    scene = _bakery_day(app)
    create_user(app.extensions["bakery.sessions"], email="owner@demo.test", role="admin",
                password=PASSWORD)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context, page, problems = signed_in_page(chromium, live_server.url, "owner@demo.test",
                                             PASSWORD, {"width": 1100, "height": 900})

    page.goto(live_server.url + "/close-day")
    expect(page.locator(".badge.low").first).to_have_text("expired")
    expect(page.locator(".badge.warn", has_text="expires today")).to_have_count(1)
    expect(page.locator("button", has_text="Mark down")).to_have_count(1)
    page.screenshot(path=str(folder / "close-the-day.png"), full_page=True)
    page.locator("[data-test=write-off]").click()
    expect(page.locator(".flash-success")).to_contain_text("Wrote off")

    page.goto(live_server.url + "/recall")
    page.get_by_label("Material").select_option(label="Flour T65")
    page.get_by_label("Supplier's lot code").fill("L-42")
    page.get_by_role("button", name="Trace").click()
    expect(page.locator("#answer")).to_contain_text("Lot L-42: 5 sales")
    page.screenshot(path=str(folder / "recall.png"), full_page=True)
    page.locator("[data-test=hold]").click()
    expect(page.locator(".flash-success")).to_contain_text("On hold")
    assert scene["flour"] and problems == []
    context.close()
