"""Report pages: signed-in owners see figures, script-free SVG charts and CSV downloads."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from tests.builders import Bakery

from .conftest import sell_at, web_client


def test_dashboard_shows_figures_charts_and_csv_links(app: Any, bakery: Bakery) -> None:
    bread = bakery.stocked_bread(loaves=5, price="3.00")
    sell_at(app, "2026-02-01T10:00:00", {bread: "2"})
    client = web_client(app, "manager")
    page = client.get("/reports/?from=2026-02-01&to=2026-02-28")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<dd data-figure="revenue">6.00</dd>' in html
    assert '<dd data-figure="margin">4.00</dd>' in html
    assert '<strong data-figure="stock-value">3.00</strong>' in html  # 3 loaves @1.00
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script
    assert "/reports/charts/revenue.svg?from=2026-02-01&amp;to=2026-02-28" in html
    assert "/reports/csv/sales-by-day.csv?from=2026-02-01&amp;to=2026-02-28" in html


def test_charts_are_svg_without_scripts_or_remote_assets(app: Any, bakery: Bakery) -> None:
    bread = bakery.stocked_bread(loaves=5)
    sell_at(app, "2026-02-01T10:00:00", {bread: "2"})
    client = web_client(app, "admin")
    for path in ("/reports/charts/revenue.svg?from=2026-02-01&to=2026-02-07",
                 "/reports/charts/margin.svg?from=2026-02-01&to=2026-02-07",
                 "/reports/charts/stock-value.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "image/svg+xml"
        svg = response.get_data(as_text=True)
        assert svg.startswith("<svg") and "<script" not in svg and "http://kozea" not in svg


def test_csv_downloads_from_the_pages(app: Any, bakery: Bakery) -> None:
    bread = bakery.stocked_bread(loaves=5)
    sell_at(app, "2026-02-01T10:00:00", {bread: "2"})
    client = web_client(app, "manager")
    response = client.get("/reports/csv/sales-by-product.csv?from=2026-02-01&to=2026-02-01")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][1:] == ["2.000", "6.00", "2.00", "4.00", "66.67", "0.00", "0.00"]
    assert client.get("/reports/csv/inventory-value.csv").mimetype == "text/csv"
    assert client.get("/reports/csv/sales-by-week.csv").status_code == 404


def test_pages_are_for_owners_only_and_refuse_bad_dates(app: Any) -> None:
    anonymous = app.test_client().get("/reports/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert web_client(app, "cashier").get("/reports/").status_code == 403
    owner = web_client(app, "admin")
    assert owner.get("/reports/?from=2026-02-10&to=2026-02-01").status_code == 400
    assert owner.get("/reports/charts/revenue.svg?from=yesterday").status_code == 400
