"""The planning pages in a real browser under a strict CSP: the bake plan (and its Print
button), the backtest, the orders and a delivery note, on the demo bakery."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from bakery.clock import UTC, Clock, install
from bakery.demo import seed_demo
from bakery.services.users import create_user

from .conftest import ARTIFACTS

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # a Saturday afternoon


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_planning_pages_render_and_print_under_a_strict_csp(chromium, live_server):
    @live_server.app.after_request
    def strict_policy(response):
        response.headers["Content-Security-Policy"] = "default-src 'self'; object-src 'none'"
        return response

    install(live_server.app, Clock(UTC, frozen_at=NOW))
    factory = live_server.app.extensions["bakery.sessions"]
    with live_server.app.app_context():
        seed_demo(factory)
    create_user(factory, email="owner@demo.test", role="admin", password=PASSWORD)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("owner@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/plan?date=2026-11-30")
    expect(page.locator("h1")).to_have_text("Bake plan for Monday 30 November 2026")
    expect(page.locator("table.plan tbody tr")).to_have_count(7)
    page.screenshot(path=str(folder / "bake-plan.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    page.screenshot(path=str(folder / "bake-plan-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.goto(live_server.url + "/plan/backtest?from=2026-10-31&to=2026-11-27")
    expect(page.locator(".score")).to_contain_text("Over 27 open days")
    page.screenshot(path=str(folder / "backtest.png"), full_page=True)

    page.goto(live_server.url + "/orders?due=2026-11-29")
    expect(page.get_by_text("Mme Laurent (birthday)")).to_be_visible()
    page.screenshot(path=str(folder / "orders.png"), full_page=True)
    page.get_by_role("link", name="Delivery note").first.click()
    expect(page.locator("h1")).to_contain_text("Delivery note")
    page.screenshot(path=str(folder / "delivery-note.png"), full_page=True)

    page.goto(live_server.url + "/plan?date=2026-11-30")  # butter and chocolate are short
    page.get_by_role("button", name="Record the production runs").click()
    expect(page.locator(".flash-error")).to_contain_text("not enough stock")
    assert problems == []
    context.close()
