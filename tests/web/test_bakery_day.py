"""The bakery's day follows its zone: at 00:30 in Berlin (23:30 UTC) every page says it is the
next day already, and a sale made then counts on that day."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bakery.clock import UTC, Clock, install

LATE = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # 00:30 on the 29th in Berlin


def _input(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert found, name
    return found.group(1)


@pytest.mark.parametrize(("zone", "day", "week_ago", "month_ago", "shown"), [
    ("Europe/Berlin", "2026-11-29", "2026-11-23", "2026-10-31", "2026-11-29 00:30"),
    ("UTC", "2026-11-28", "2026-11-22", "2026-10-30", "2026-11-28 23:30"),
])
def test_dashboard_sales_page_and_reports_agree_on_the_bakery_day(
        app, admin, bakery, zone, day, week_ago, month_ago, shown):
    install(app, Clock(ZoneInfo(zone), frozen_at=LATE))
    bread = bakery.stocked_bread(5)
    bakery.sell({bread: "2"})

    dashboard = admin.get("/").text
    assert re.search(r'data-test="sales-count">1<', dashboard)
    assert f"{day} ({zone})" in dashboard

    sales = admin.get("/sales").text
    assert (_input(sales, "from"), _input(sales, "to")) == (week_ago, day)
    assert shown in sales and 'data-test="total-revenue"><strong>6.00' in sales

    reports = admin.get("/reports/").text
    assert (_input(reports, "from"), _input(reports, "to")) == (month_ago, day)
    assert f"Sales {month_ago} to {day}" in reports

    listed = bakery.through.api.ok("GET", f"/sales?from={day}&to={day}")["items"]
    assert len(listed) == 1
