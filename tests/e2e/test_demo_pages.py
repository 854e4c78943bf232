"""The main pages of the demo bakery, at tablet and laptop sizes, as the README shows them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bakery.demo import seed_demo

from .conftest import demo_owner


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_bakery_pages_render_without_errors_under_a_strict_csp(chromium, live_server):
    factory = live_server.app.extensions["bakery.sessions"]
    with live_server.app.app_context():  # the app's clock: today has sales at any hour
        seed_demo(factory)
    context, page, problems, folder = demo_owner(chromium, live_server)

    expect(page.locator("[data-test=sales-count]")).not_to_have_text("0")
    page.screenshot(path=str(folder / "dashboard.png"))

    page.goto(live_server.url + "/pos")
    for name in ("Croissant", "Croissant", "Baguette", "Pain au chocolat"):
        page.locator(".product-button", has_text=name).first.click()
    expect(page.locator("#cart-total")).to_have_text("6.00")
    page.screenshot(path=str(folder / "pos.png"))

    page.goto(live_server.url + "/recipes")
    page.get_by_role("link", name="Croissant").first.click()
    expect(page.locator("h1")).to_have_text("Croissant")
    page.screenshot(path=str(folder / "recipe.png"))

    page.goto(live_server.url + "/materials")
    page.get_by_role("link", name="Butter").click()
    expect(page.locator("table tbody tr")).not_to_have_count(0)
    page.screenshot(path=str(folder / "material.png"))

    for path in ("/materials", "/products", "/production", "/sales", "/stock/adjust", "/users",
                 "/recipes/new", "/account/password"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
    assert problems == []
    context.close()
