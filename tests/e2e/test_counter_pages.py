"""The counter in a real browser under a strict CSP: a sale with change, a refund, a Z report.

The screenshots are the ones docs/counter.md shows (copied from test-artifacts/screenshots).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bakery.services import catalog
from bakery.services.users import create_user
from tests.builders import Bakery, ThroughServices

from .conftest import ARTIFACTS

PASSWORD = "correct horse battery"


def _stock(factory) -> None:
    bakery = Bakery(ThroughServices(factory))
    flour = bakery.material("Flour")
    bakery.batch(flour, "100", "0.80", date(2026, 1, 1))
    for name, price, rate in (("Croissant", "1.50", "7"), ("Baguette", "2.20", "7"),
                              ("Coffee", "2.80", "19")):
        product = catalog.create_product(factory, name=name, price=Decimal(price),
                                         tax_rate=Decimal(rate), eat_in_tax_rate=Decimal("19"))
        bakery.bake(bakery.recipe(product, {flour: "1"}, yield_quantity="20"), 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_counter_day_in_the_browser(chromium, live_server):
    @live_server.app.after_request
    def strict_policy(response):  # no inline script or style may be needed
        response.headers["Content-Security-Policy"] = "default-src 'self'; object-src 'none'"
        return response

    factory = live_server.app.extensions["bakery.sessions"]
    _stock(factory)
    create_user(factory, email="owner@counter.test", role="manager", password=PASSWORD)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("Email").fill("owner@counter.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # the till has no session: the POS asks for one
    page.goto(base + "/pos")
    page.get_by_label("Opening float").fill("100.00")
    page.get_by_role("button", name="Open the till").click()
    expect(page.locator("[data-test=till-session]")).to_contain_text("Till counter")

    # three croissants and a baguette, paid with a 10 note: the change in large type
    for name in ("Croissant", "Croissant", "Croissant", "Baguette"):
        page.locator(".product-button", has_text=name).click()
    expect(page.locator("#cart-total")).to_have_text("6.70")
    page.get_by_label("Cash tendered").fill("10")
    checkout = page.get_by_role("button", name="Charge 6.70")
    box = checkout.bounding_box()
    assert box and box["y"] + box["height"] <= 768  # in reach without scrolling
    checkout.click()
    expect(page.locator("[data-test=change]")).to_have_text("Change 3.30")
    page.screenshot(path=str(folder / "counter-pos-change.png"))

    # a coffee by card, one tap
    page.locator(".product-button", has_text="Coffee").click()
    page.get_by_role("button", name="Card").click()
    expect(page.locator("[data-test=last-sale]")).to_contain_text("paid card 2.80")

    # one croissant comes back stale: refunded from the sales history, booked as waste
    page.goto(base + "/sales")
    page.locator("tr", has_text="Baguette").get_by_role("link", name="Refund").click()
    page.get_by_label("Croissant").fill("1")
    page.get_by_label("Reason").fill("stale")
    page.get_by_label(re.compile("Back on the shelf")).uncheck()
    page.get_by_role("button", name="Refund the lines chosen").click()
    expect(page.locator(".flash-success")).to_contain_text("1.50 back (cash), booked as waste")
    page.screenshot(path=str(folder / "counter-refund.png"), full_page=True)

    # cash-up: count the drawer, close, print the Z report
    page.goto(base + "/till")
    expect(page.locator("[data-test=expected]")).to_have_text("105.20")  # 100 + 6.70 - 1.50
    page.get_by_label("Cash counted").fill("105.00")
    page.get_by_role("button", name="Close and print the Z report").click()
    expect(page.locator("h1")).to_have_text("Z report 1")
    expect(page.locator("[data-test=variance]")).to_have_text("-0.20")
    page.screenshot(path=str(folder / "counter-z-report.png"), full_page=True)
    assert problems == []
    context.close()
