"""Sales reports: local days in the bakery's time zone (across DST changes), range edges,
hours, weekdays, best sellers, stock value, CSV, roles and bad input."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bakery.queries.reports import offset_segments
from tests.builders import Bakery, ThroughApi
from tests.conftest import login

from .conftest import sell_at


def test_berlin_transitions_of_2026_are_found_to_the_second() -> None:
    lower = datetime(2026, 1, 1, tzinfo=timezone.utc)
    upper = datetime(2027, 1, 1, tzinfo=timezone.utc)
    assert offset_segments(ZoneInfo("Europe/Berlin"), lower, upper) == [
        (datetime(2026, 3, 29, 1, tzinfo=timezone.utc), 60),
        (datetime(2026, 10, 25, 1, tzinfo=timezone.utc), 120),
        (None, 60),
    ]
    assert offset_segments(ZoneInfo("Asia/Kathmandu"), lower, upper) == [(None, 345)]


def test_local_days_follow_the_spring_dst_change(zoned: Any) -> None:
    app, api, bread = zoned
    sell_at(app, "2026-03-28T22:59:59", {bread: "1"})  # 23:59:59 CET on the 28th
    sell_at(app, "2026-03-28T23:00:00", {bread: "2"})  # 00:00 CET on the 29th
    sell_at(app, "2026-03-29T21:59:59", {bread: "3"})  # 23:59:59 CEST on the 29th
    sell_at(app, "2026-03-29T22:00:00", {bread: "4"})  # 00:00 CEST on the 30th
    body = api.ok("GET", "/reports/sales?from=2026-03-28&to=2026-03-30&group_by=day")
    assert [(r["key"], r["quantity"], r["revenue"]) for r in body["rows"]] == [
        ("2026-03-28", "1.000", "2.00"), ("2026-03-29", "5.000", "10.00"),
        ("2026-03-30", "4.000", "8.00")]
    one_day = api.ok("GET", "/reports/sales?from=2026-03-29&to=2026-03-29")
    assert one_day["totals"]["quantity"] == "5.000"
    assert one_day["totals"]["cost"] == "5.00"  # loaves cost 1.00 each


def test_local_days_follow_the_autumn_dst_change(zoned: Any) -> None:
    app, api, bread = zoned
    sell_at(app, "2026-10-24T21:59:00", {bread: "1"})  # 23:59 CEST on the 24th
    sell_at(app, "2026-10-24T22:00:00", {bread: "2"})  # 00:00 CEST on the 25th
    sell_at(app, "2026-10-25T22:59:00", {bread: "3"})  # 23:59 CET on the 25th (a 25-hour day)
    sell_at(app, "2026-10-25T23:00:00", {bread: "4"})  # 00:00 CET on the 26th
    body = api.ok("GET", "/reports/sales?from=2026-03-01&to=2026-10-31")
    assert [(r["key"], r["quantity"]) for r in body["rows"]] == [
        ("2026-10-24", "1.000"), ("2026-10-25", "5.000"), ("2026-10-26", "4.000")]


def test_range_edges_are_inclusive_local_dates_in_utc(api: Any, bakery: Bakery, app: Any) -> None:
    bread = bakery.stocked_bread(loaves=10, price="3.00")
    sell_at(app, "2026-04-30T23:59:59", {bread: "1"})
    sell_at(app, "2026-05-01T00:00:00", {bread: "2"})
    sell_at(app, "2026-05-31T23:59:59.999999", {bread: "3"})
    sell_at(app, "2026-06-01T00:00:00", {bread: "4"})
    body = api.ok("GET", "/reports/sales?from=2026-05-01&to=2026-05-31")
    assert [(r["key"], r["quantity"]) for r in body["rows"]] == [
        ("2026-05-01", "2.000"), ("2026-05-31", "3.000")]
    assert body["totals"] == {"quantity": "5.000", "revenue": "15.00", "cost": "5.00",
                              "margin": "10.00", "margin_percent": "66.67", "refunds": "0.00", "tax": "0.00"}
    empty = api.ok("GET", "/reports/sales?from=2026-07-01&to=2026-07-01")
    assert empty == {"rows": [], "totals": {"quantity": "0.000", "revenue": "0.00",
                                            "cost": "0.00", "margin": "0.00",
                                            "margin_percent": None, "refunds": "0.00",
                                            "tax": "0.00"}}


def test_hours_and_weekdays_are_local(zoned: Any) -> None:
    app, api, bread = zoned
    sell_at(app, "2026-03-29T00:30:00", {bread: "1"})  # Sunday 01:30 CET
    sell_at(app, "2026-03-29T01:30:00", {bread: "2"})  # Sunday 03:30 CEST (02:xx never happens)
    sell_at(app, "2026-03-30T06:15:00", {bread: "3"})  # Monday 08:15 CEST
    hours = api.ok("GET", "/reports/sales-by-hour?from=2026-03-29&to=2026-03-30")
    assert len(hours["rows"]) == 24
    assert {r["key"]: r["quantity"] for r in hours["rows"] if r["quantity"] != "0.000"} == {
        "01": "1.000", "03": "2.000", "08": "3.000"}
    days = api.ok("GET", "/reports/sales-by-weekday?from=2026-03-29&to=2026-03-30")
    assert [r["key"] for r in days["rows"]][0] == "Monday"
    assert {r["key"]: r["revenue"] for r in days["rows"] if r["revenue"] != "0.00"} == {
        "Sunday": "6.00", "Monday": "6.00"}
    same = api.ok("GET", "/reports/sales?from=2026-03-29&to=2026-03-30&group_by=weekday")
    assert same == days


def test_a_zone_behind_utc_moves_late_sales_to_the_previous_day(make_app: Any) -> None:
    app = make_app(timezone="America/New_York")
    api = login(app, "admin")
    bread = Bakery(ThroughApi(api)).stocked_bread(loaves=5)
    sell_at(app, "2026-01-02T03:00:00", {bread: "1"})  # 22:00 EST on Jan 1
    body = api.ok("GET", "/reports/sales?from=2026-01-01&to=2026-01-01")
    assert [r["key"] for r in body["rows"]] == ["2026-01-01"]


def test_best_sellers_rank_by_quantity_or_revenue(api: Any, bakery: Bakery, app: Any) -> None:
    cheap = bakery.stocked_bread(loaves=10, price="1.00")
    dear = bakery.stocked_bread(loaves=10, price="5.00")
    sell_at(app, "2026-02-01T10:00:00", {cheap: "6", dear: "2"})
    by_qty = api.ok("GET", "/reports/best-sellers?from=2026-02-01&to=2026-02-01")
    assert [(r["rank"], r["product_id"], r["quantity"]) for r in by_qty["rows"]] == [
        (1, cheap, "6.000"), (2, dear, "2.000")]
    by_rev = api.ok("GET", "/reports/best-sellers?from=2026-02-01&to=2026-02-01"
                           "&rank_by=revenue&limit=1")
    assert [(r["product_id"], r["revenue"]) for r in by_rev["rows"]] == [(dear, "10.00")]


def test_inventory_is_valued_at_batch_and_lot_cost(api: Any, bakery: Bakery) -> None:
    flour = bakery.material("Flour")
    bakery.batch(flour, "10", "1.00", "2026-01-01")
    bakery.batch(flour, "4", "2.50", "2026-01-02")
    sugar = bakery.material("Sugar")
    rolls = bakery.product("Rolls", "3.00")
    recipe = bakery.recipe(rolls, {flour: "3"}, yield_quantity="4")
    bakery.bake(recipe, 4)  # 12 kg: 10 @1.00 + 2 @2.50 = 15.00 -> 16 rolls @0.9375
    bakery.sell({rolls: "6"})
    body = api.ok("GET", "/reports/inventory-value")
    values = {(r["kind"], r["name"]): (r["on_hand"], r["value"]) for r in body["rows"]}
    assert values[("material", "Flour")] == ("2.000", "5.00")  # 2 kg @2.50
    assert values[("material", "Sugar")] == ("0.000", "0.00")
    assert values[("product", "Rolls")] == ("10.000", "9.38")  # 10 @0.9375
    assert body["totals"] == {"materials": "5.00", "products": "9.38", "total": "14.38"}
    assert sugar


def test_every_report_downloads_as_csv(api: Any, bakery: Bakery, app: Any) -> None:
    bread = bakery.stocked_bread(loaves=5)
    sell_at(app, "2026-02-01T10:00:00", {bread: "2"})
    by_param = api.get("/reports/sales?from=2026-02-01&to=2026-02-02&format=csv")
    assert by_param.status_code == 200
    assert by_param.mimetype == "text/csv"
    assert "attachment" in by_param.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(by_param.get_data(as_text=True))))
    assert rows == [["key", "quantity", "revenue", "cost", "margin", "margin_percent", "refunds",
                     "tax"],
                    ["2026-02-01", "2.000", "6.00", "2.00", "4.00", "66.67", "0.00", "0.00"],
                    ["total", "2.000", "6.00", "2.00", "4.00", "66.67", "0.00", "0.00"]]
    by_accept = api.get("/reports/sales?from=2026-02-01&to=2026-02-02",
                        headers={"Accept": "text/csv"})
    assert by_accept.get_data(as_text=True) == by_param.get_data(as_text=True)
    for path in ("/reports/sales-by-hour?from=2026-02-01&to=2026-02-01",
                 "/reports/sales-by-weekday?from=2026-02-01&to=2026-02-01",
                 "/reports/best-sellers?from=2026-02-01&to=2026-02-01",
                 "/reports/inventory-value", "/plans/what-can-i-bake"):
        response = api.get(path + ("&" if "?" in path else "?") + "format=csv")
        assert response.status_code == 200, path
        assert response.mimetype == "text/csv", path
        assert len(response.get_data(as_text=True).splitlines()) >= 2, path
    assert api.get("/reports/inventory-value").mimetype == "application/json"


def test_reports_are_for_managers_and_admins(as_role: Any) -> None:
    for role, status in (("cashier", 403), ("baker", 403), ("manager", 200)):
        response = as_role(role).get("/reports/inventory-value")
        assert response.status_code == status, role


def test_bad_report_queries_are_refused_with_details(api: Any) -> None:
    for query in ("from=2026-02-02&to=2026-02-01", "from=2026-02-01", "from=nope&to=2026-02-01",
                  "from=2026-02-01&to=2026-02-01&group_by=week",
                  "from=2026-02-01&to=2026-02-01&format=xml",
                  "from=2026-02-01&to=2026-02-01&colour=red"):
        response = api.get(f"/reports/sales?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_error"
    for query in ("limit=0", "limit=501", "rank_by=profit"):
        response = api.get(f"/reports/best-sellers?from=2026-02-01&to=2026-02-01&{query}")
        assert response.status_code == 422, query


def test_the_new_reports_are_in_the_openapi_document(api: Any) -> None:
    paths = api.ok("GET", "/openapi.json")["paths"]
    for path in ("/reports/sales", "/reports/best-sellers", "/reports/sales-by-hour",
                 "/reports/sales-by-weekday", "/reports/inventory-value",
                 "/plans/what-can-i-bake", "/plans/shopping-list"):
        assert path in paths, path
    assert "text/csv" in paths["/reports/sales"]["get"]["responses"]["200"]["content"]


def test_the_sales_list_filters_by_local_days_too(zoned: Any) -> None:
    app, api, bread = zoned
    early = sell_at(app, "2026-03-28T23:30:00", {bread: "1"})  # 00:30 CET on the 29th
    sell_at(app, "2026-03-28T22:30:00", {bread: "1"})  # 23:30 CET on the 28th
    items = api.ok("GET", "/sales?from=2026-03-29&to=2026-03-29")["items"]
    assert [s["id"] for s in items] == [early.id]
