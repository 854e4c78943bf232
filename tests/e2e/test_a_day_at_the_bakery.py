"""A day at the bakery in a real browser: set up stock, bake, sell, watch the dashboard."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from bakery.services.users import create_user

PASSWORD = "correct horse battery"


def _user(server, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:6]}@bakery.test"
    create_user(server.app.extensions["bakery.sessions"], email=email, role=role,
                password=PASSWORD)
    return email


def _login_by_keyboard(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".who")).to_contain_text(email)


def _new_material(page: Page, base: str, name: str, unit: str, minimum: str) -> None:
    page.goto(base + "/materials/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Unit").fill(unit)
    page.get_by_label("Minimum stock").fill(minimum)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text(name)


def _receive(page: Page, quantity: str, cost: str, purchased: str) -> None:
    page.get_by_role("link", name="Receive a batch").click()
    page.get_by_label(re.compile(r"^Quantity")).fill(quantity)
    page.get_by_label(re.compile(r"^Cost per")).fill(cost)
    page.get_by_label("Purchase date").fill(purchased)
    page.get_by_role("button", name="Receive").click()
    expect(page.locator(".flash-success")).to_contain_text("Received")


def _sales_today(page: Page, base: str) -> tuple[str, str]:
    page.goto(base + "/")
    return (page.locator("[data-test=sales-count]").inner_text(),
            page.locator("[data-test=revenue]").inner_text())


def test_a_day_at_the_bakery(chromium, live_server, artifacts):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login_by_keyboard(page, base, _user(live_server, "admin"))
    assert _sales_today(page, base) == ("0", "0.00")

    # materials and their batches: the older batch is used first whatever the order of receipt
    _new_material(page, base, "Flour", "kg", "10")
    _receive(page, "10", "1.00", "2026-03-10")
    _receive(page, "20", "0.80", "2026-03-01")
    rows = page.locator("table tbody tr")
    expect(rows.nth(0)).to_contain_text("2026-03-01")
    expect(rows.nth(1)).to_contain_text("2026-03-10")
    page.screenshot(path=str(artifacts / "01-material.png"), full_page=True)
    _new_material(page, base, "Butter", "kg", "1")
    _receive(page, "2", "8.00", "2026-03-05")

    # a product, and a recipe with a row added by the "add row" button
    page.goto(base + "/products/new")
    page.get_by_label("Name").fill("Croissant")
    page.get_by_label("Price").fill("1.50")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved Croissant at 1.50")

    page.goto(base + "/recipes/new")
    page.get_by_label("Name").fill("Croissants")
    page.get_by_label("Makes the product").select_option(label="Croissant")
    page.get_by_label("Units per batch").fill("10")
    assert page.locator(".ingredient-row").count() == 3
    page.get_by_role("button", name="Add an ingredient row").click()
    assert page.locator(".ingredient-row").count() == 4
    page.locator("#f-ingredients-0-material_id").select_option(label="Flour (kg)")
    page.locator("#f-ingredients-0-quantity").fill("-2")
    page.locator("#f-ingredients-3-material_id").select_option(label="Butter (kg)")
    page.locator("#f-ingredients-3-quantity").fill("0.5")
    page.get_by_role("button", name="Save recipe").click()
    expect(page.locator("#e-ingredients-0-quantity")).to_have_text("must be greater than zero")
    expect(page.locator("#f-ingredients-3-quantity")).to_have_value("0.5")  # input kept
    page.locator("#f-ingredients-0-quantity").fill("2")
    page.get_by_role("button", name="Save recipe").click()
    expect(page.locator("h1")).to_have_text("Croissants")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("5.60")  # 2 kg flour at 0.80 + 0.5 kg butter at 8.00
    expect(facts).to_contain_text("0.56")
    expect(facts.locator("div", has_text="Batches stock allows now").locator("dd")).to_have_text("4")
    page.screenshot(path=str(artifacts / "02-recipe.png"), full_page=True)

    # a shortfall names every short material, and nothing can be confirmed
    page.goto(base + "/production")
    page.get_by_label("Recipe").select_option(label="Croissants (stock allows 4)")
    page.get_by_label("Batches").fill("20")
    page.get_by_role("button", name="Preview").click()
    shortfall = page.locator(".shortfall")
    expect(shortfall).to_contain_text("Flour: needs 40 kg, 30 kg in stock")
    expect(shortfall).to_contain_text("Butter: needs 10 kg, 2 kg in stock")
    expect(page.get_by_role("button", name=re.compile("^Bake"))).to_have_count(0)
    page.screenshot(path=str(artifacts / "03-shortfall.png"), full_page=True)

    # bake two batches after seeing what they use
    page.goto(base + "/production")
    page.get_by_label("Recipe").select_option(label="Croissants (stock allows 4)")
    page.get_by_label("Batches").fill("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".lead")).to_contain_text("20 × Croissant")
    expect(page.locator(".lead")).to_contain_text("11.20")
    page.screenshot(path=str(artifacts / "04-preview.png"), full_page=True)
    page.get_by_role("button", name="Bake 2 batches").dblclick()
    expect(page.locator(".flash-success")).to_contain_text("Baked 2 batches: 20 Croissant for 11.20")
    expect(page.locator("table tbody tr")).to_have_count(1)  # the double click baked once

    # the till on a tablet: tap, change quantities, charge with a double tap
    tablet = chromium.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    till = tablet.new_page()
    till.on("pageerror", lambda exc: errors.append(str(exc)))
    _login_by_keyboard(till, base, _user(live_server, "cashier"))
    expect(till).to_have_url(re.compile(r"/pos$"))
    till.get_by_label("Opening float").fill("50.00")  # the till's first session of the day
    till.get_by_role("button", name="Open the till").tap()
    croissant = till.locator(".product-button", has_text="Croissant")
    expect(croissant).to_contain_text("20 in stock")
    for _ in range(3):
        croissant.tap()
    till.get_by_role("button", name="One less Croissant").tap()
    expect(till.locator("#cart-total")).to_have_text("3.00")
    checkout = till.get_by_role("button", name="Charge 3.00")
    box = checkout.bounding_box()
    assert box and box["y"] + box["height"] <= 768  # in reach without scrolling
    till.screenshot(path=str(artifacts / "05-pos-cart-1024x768.png"))
    checkout.dblclick()
    expect(till.locator("[data-test=last-sale]")).to_contain_text("recorded: 3.00")
    expect(croissant).to_contain_text("18 in stock")
    assert _sales_today(page, base) == ("1", "3.00")

    # portrait tablet, and no JavaScript at all: the form still works, a double tap sells once
    plain = chromium.new_context(viewport={"width": 768, "height": 1024}, has_touch=True,
                                 java_script_enabled=False)
    no_js = plain.new_page()
    _login_by_keyboard(no_js, base, _user(live_server, "cashier"))
    no_js.locator(".product-button", has_text="Croissant").click()
    no_js.get_by_role("button", name="One more Croissant").click()
    expect(no_js.locator("#cart-total")).to_have_text("3.00")
    no_js.screenshot(path=str(artifacts / "06-pos-no-js-768x1024.png"))
    no_js.get_by_role("button", name="Charge").dblclick()
    expect(no_js.locator("[data-test=last-sale]")).to_contain_text("recorded: 3.00")
    assert _sales_today(page, base) == ("2", "6.00")

    # selling more than there is names the product and sells nothing
    for _ in range(20):
        till.locator(".product-button", has_text="Croissant").click()
    till.get_by_role("button", name="One more Croissant").tap()  # past the stock on purpose
    till.locator("#checkout").click()
    expect(till.locator("#cart-error")).to_contain_text("not enough stock: Croissant")
    expect(till.locator(".cart-line", has_text="Croissant").locator(".error")).to_have_text(
        "only 16 in stock")
    assert _sales_today(page, base) == ("2", "6.00")

    page.goto(base + "/")
    expect(page.locator("section", has_text="Recent production")).to_contain_text("20 Croissant")
    page.screenshot(path=str(artifacts / "07-dashboard.png"), full_page=True)
    assert errors == []
    for ctx in (context, tablet, plain):
        ctx.close()
