"""The planning pages in a real browser under a strict CSP: the bake plan (and its Print
button), the backtest, the orders and a delivery note, on the demo bakery."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from bakery.clock import UTC, Clock, install
from bakery.demo import seed_demo

from .conftest import demo_owner

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # a Saturday afternoon


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_planning_pages_render_and_print_under_a_strict_csp(chromium, live_server):
    install(live_server.app, Clock(UTC, frozen_at=NOW))
    with live_server.app.app_context():
        seed_demo(live_server.app.extensions["bakery.sessions"])
    context, page, problems, folder = demo_owner(chromium, live_server)

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
