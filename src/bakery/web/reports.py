"""Report pages for owners: charts (server-side SVG by pygal, no scripts), tables, CSV links."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pygal
from flask import Blueprint, Response, abort, render_template, request

from ..clock import bakery_zone, today
from ..contract.downloads import report_csv, valuation_csv
from ..contract.food_safety import WASTE_COLUMNS, WasteReport
from ..contract.schemas import SalesReport
from ..queries import plans, reports
from ..queries.food_safety import WASTE_GROUPINGS, waste_report
from ..queries.inventory import low_stock
from ..runtime import sessions
from .access import MANAGERS, requires

reports_pages = Blueprint("reports_pages", __name__, url_prefix="/reports")
MAX_DAYS = 3660
CHART_STYLE = {"js": [], "disable_xml_declaration": True, "width": 760, "height": 320,
               "show_legend": False, "explicit_size": True, "x_label_rotation": 30}


def _range() -> tuple[date, date]:
    """?from=&to= as dates (default: the bakery's last 30 days); 400 on nonsense."""
    try:
        end = date.fromisoformat(request.args.get("to") or today().isoformat())
        start = date.fromisoformat(request.args.get("from") or (end - timedelta(days=29)).isoformat())
    except ValueError:
        abort(400, "from and to must be dates as YYYY-MM-DD")
    if end < start or (end - start).days > MAX_DAYS:
        abort(400, "'to' must not be before 'from', and a report covers at most ten years")
    return start, end


def _sales(group_by: str, start: date, end: date) -> dict:
    with sessions()() as session:
        return reports.sales_report(session, start, end, group_by, bakery_zone())


def _valuation() -> dict:
    with sessions()() as session:
        return reports.inventory_valuation(session)


@reports_pages.get("/")
@requires(*MANAGERS)
def dashboard() -> str:
    start, end = _range()
    with sessions()() as session:
        best = reports.best_sellers(session, start, end, 10, "quantity", bakery_zone())
        alerts = low_stock(session)
        bakeable = plans.what_can_i_bake(session)
        valuation = reports.inventory_valuation(session)
        waste = waste_report(session, start, end, "product", bakery_zone())
    totals = _sales("day", start, end)["totals"]
    query = {"from": start.isoformat(), "to": end.isoformat()}
    return render_template("reports/dashboard.html", start=start, end=end, totals=totals,
                           best=best["rows"], alerts=alerts, bakeable=bakeable,
                           valuation=valuation["totals"], query=query, waste=waste)


def _svg(chart: Any) -> Response:
    """The chart as a static SVG image: pygal's tooltip script is removed (CSP forbids it)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    try:
        svg = ElementTree.tostring(tree, encoding="unicode")
    except TypeError:  # pygal builds with lxml when that is installed
        from lxml import etree

        svg = etree.tostring(tree, encoding="unicode")
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def _number(value: Decimal) -> float:
    """Chart coordinates only: pygal plots floats; the figures themselves stay Decimal."""
    return float(value)


def _bars(title: str, series: str, points: list[tuple[str, Decimal]]) -> Response:
    chart = pygal.HorizontalBar(title=title, **CHART_STYLE)
    chart.x_labels = [label for label, _ in points]
    chart.add(series, [_number(value) for _, value in points])
    return _svg(chart)


@reports_pages.get("/charts/revenue.svg")
@requires(*MANAGERS)
def revenue_chart() -> Response:
    start, end = _range()
    rows = _sales("day", start, end)["rows"]
    chart = pygal.Line(title="Revenue and cost per day", **{**CHART_STYLE, "show_legend": True})
    chart.x_labels = [r["key"] for r in rows]
    chart.add("Revenue", [_number(r["revenue"]) for r in rows])
    chart.add("Cost", [_number(r["cost"]) for r in rows])
    return _svg(chart)


@reports_pages.get("/charts/margin.svg")
@requires(*MANAGERS)
def margin_chart() -> Response:
    start, end = _range()
    rows = _sales("product", start, end)["rows"]
    return _bars("Margin by product", "Margin", [(r["key"], r["margin"]) for r in rows])


@reports_pages.get("/charts/stock-value.svg")
@requires(*MANAGERS)
def stock_value_chart() -> Response:
    rows = sorted(_valuation()["rows"], key=lambda r: r["value"], reverse=True)[:20]
    return _bars("Stock value at cost", "Value",
                 [(f"{r['name']} ({r['kind']})", r["value"]) for r in rows])


CSV_REPORTS = ("day", "product", "hour", "weekday")


@reports_pages.get("/csv/sales-by-<group_by>.csv")
@requires(*MANAGERS)
def sales_csv(group_by: str) -> Response:
    if group_by not in CSV_REPORTS:
        abort(404)
    start, end = _range()
    return report_csv(SalesReport, _sales(group_by, start, end),
                      f"sales-by-{group_by}-{start}-{end}.csv")


@reports_pages.get("/csv/inventory-value.csv")
@requires(*MANAGERS)
def inventory_csv() -> Response:
    return valuation_csv(_valuation())


def _waste(group_by: str, start: date, end: date) -> dict:
    with sessions()() as session:
        return waste_report(session, start, end, group_by, bakery_zone())


@reports_pages.get("/charts/waste.svg")
@requires(*MANAGERS)
def waste_chart() -> Response:
    """Waste per day, at cost and at the price it would have sold for."""
    start, end = _range()
    rows = _waste("day", start, end)["rows"]
    chart = pygal.Bar(title="Waste per day", **{**CHART_STYLE, "show_legend": True})
    chart.x_labels = [r["key"] for r in rows]
    chart.add("At cost", [_number(r["cost"]) for r in rows])
    chart.add("At retail value", [_number(r["retail_value"]) for r in rows])
    return _svg(chart)


@reports_pages.get("/csv/waste-by-<group_by>.csv")
@requires(*MANAGERS)
def waste_csv(group_by: str) -> Response:
    if group_by not in WASTE_GROUPINGS:
        abort(404)
    start, end = _range()
    return report_csv(WasteReport, _waste(group_by, start, end),
                      f"waste-by-{group_by}-{start}-{end}.csv", WASTE_COLUMNS)
