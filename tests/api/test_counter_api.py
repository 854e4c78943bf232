"""The counter through the API: tax, payments and change, refunds and voids, till sessions.

Every test runs on SQLite and PostgreSQL; the clock is frozen wherever time matters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from bakery.clock import Clock, install
from bakery.queries.inventory import ledger_mismatches

from .conftest import error_of

NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(app):
    install(app, Clock(frozen_at=NOON))


def at(app, moment: datetime) -> None:
    install(app, Clock(frozen_at=moment))


def clean_ledger(sessions) -> None:
    with sessions() as session:
        assert ledger_mismatches(session) == []


def lots_of(api, product_id: int) -> dict[int, str]:
    return {lot["id"]: lot["remaining"] for lot in api.ok("GET", f"/products/{product_id}")["lots"]}


# --- tax -------------------------------------------------------------------------------------

def test_each_line_carries_its_tax_and_the_sale_their_sum(api, bakery):
    bread = bakery.stocked_bread(10, price="3.30")
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "10"})
    sale = api.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": 1}]})
    assert sale["items"][0]["tax_rate"] == "10.00" and sale["items"][0]["tax"] == "0.30"
    assert sale["tax"] == "0.30"


def test_eat_in_sales_use_the_eat_in_rate(api, bakery):
    bread = bakery.stocked_bread(10, price="11.00")
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "10", "eat_in_tax_rate": "20"})
    take_away = bakery.sell({bread: "1"})
    eaten_in = bakery.sell({bread: "1"}, eat_in=True)
    assert (take_away["tax"], take_away["eat_in"]) == ("1.00", False)
    assert (eaten_in["tax"], eaten_in["eat_in"]) == ("1.83", True)


def test_products_show_their_rates_and_refuse_rates_out_of_range(api, bakery, unchanged):
    product = api.ok("POST", "/products", 201,
                     json={"name": "Croissant", "price": "1.80", "tax_rate": "5.5"})
    assert (product["tax_rate"], product["eat_in_tax_rate"]) == ("5.50", None)
    with unchanged():
        for rate in ("-1", "100.01", "5.555", "NaN"):
            error = error_of(api.post("/products", json={"name": "X", "price": "1",
                                                          "tax_rate": rate}), 422)
            assert "tax_rate" in str(error["details"])


# --- payments --------------------------------------------------------------------------------

def test_an_existing_client_pays_cash_exactly_as_before(bakery):
    bread = bakery.stocked_bread(5, price="2.50")
    sale = bakery.sell({bread: "2"})
    assert sale["payments"] == [{"method": "cash", "amount": "5.00"}]
    assert (sale["change"], sale["tax"], sale["till_session_id"]) == ("0.00", "0.00", None)


def test_a_split_payment_shows_its_payments_and_the_change_from_cash(api, bakery):
    bread = bakery.stocked_bread(5, price="2.50")
    sale = bakery.sell({bread: "3"}, payments=[{"method": "card", "amount": "5.00"},
                                               {"method": "cash", "amount": "5.00"}])
    assert sale["payments"] == [{"method": "card", "amount": "5.00"},
                                {"method": "cash", "amount": "5.00"}]
    assert sale["change"] == "2.50"
    assert api.ok("GET", f"/sales/{sale['id']}") == sale


@pytest.mark.parametrize("payments, field", [
    ([{"method": "cash", "amount": "4.99"}], "payments"),
    ([{"method": "card", "amount": "6.00"}], "payments"),
    ([{"method": "cheque", "amount": "5.00"}], "payments.0.method"),
    ([{"method": "cash", "amount": "-5.00"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "0"}], "payments.0.amount"),
    ([{"method": "cash"}], "payments.0.amount"),
    ([], "payments"),
])
def test_bad_payments_are_refused_and_nothing_is_sold(api, bakery, unchanged, payments, field):
    bread = bakery.stocked_bread(5, price="2.50")
    with unchanged():
        error = error_of(api.post("/sales", json={"items": [{"product_id": bread, "quantity": 2}],
                                                  "payments": payments}), 422,
                         "validation_error")
    assert field in error["details"], error


# --- refunds ---------------------------------------------------------------------------------

def test_a_partial_refund_restocks_the_lot_the_units_came_from_at_their_cost(
        api, bakery, sessions):
    stocked = bakery.stocked(4, price="3.00")  # one lot of 4 at 1.00 each
    first_lot = next(iter(lots_of(api, stocked.bread)))
    sale = bakery.sell({stocked.bread: "3"})
    bakery.batch(stocked.flour, "4", "2.50")  # dearer flour: a new lot at 2.50
    bakery.bake(stocked.recipe, 4)
    refund = api.ok("POST", f"/sales/{sale['id']}/refunds", 201, json={
        "items": [{"product_id": stocked.bread, "quantity": 2}], "reason": "stale"})
    assert refund["items"] == [{"product_id": stocked.bread, "quantity": "2.000",
                                "amount": "6.00", "tax_rate": "0.00", "tax": "0.00",
                                "cost": "2.00"}]
    assert (refund["amount"], refund["cost"], refund["restock"], refund["method"]) == (
        "6.00", "2.00", True, "cash")
    assert lots_of(api, stocked.bread)[first_lot] == "3.000"
    moves = api.ok("GET", f"/stock-moves?product_id={stocked.bread}")["items"]
    back = [m for m in moves if m["reason"] == "refund"]
    assert [(m["lot_id"], m["delta"], m["unit_cost"]) for m in back] == [
        (first_lot, "2.000", "1.00")]
    assert api.ok("GET", f"/sales/{sale['id']}")["refunded"] == "6.00"
    clean_ledger(sessions)


def test_a_refund_without_items_gives_back_all_that_is_left(api, bakery, sessions):
    bread = bakery.stocked_bread(5, price="2.00")
    sale = bakery.sell({bread: "3"})
    api.ok("POST", f"/sales/{sale['id']}/refunds", 201,
           json={"items": [{"product_id": bread, "quantity": 1}]})
    rest = api.ok("POST", f"/sales/{sale['id']}/refunds", 201, json={})
    assert rest["items"][0]["quantity"] == "2.000" and rest["amount"] == "4.00"
    error_of(api.post(f"/sales/{sale['id']}/refunds", json={}), 409, "conflict")
    assert [r["amount"] for r in api.ok("GET", f"/sales/{sale['id']}/refunds")["items"]] == [
        "2.00", "4.00"]
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "5.000"
    clean_ledger(sessions)


def test_units_not_restocked_are_booked_as_waste(api, bakery, sessions):
    bread = bakery.stocked_bread(5, price="2.00")
    sale = bakery.sell({bread: "2"})
    refund = api.ok("POST", f"/sales/{sale['id']}/refunds", 201,
                    json={"restock": False, "reason": "dropped"})
    assert refund["restock"] is False
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "3.000"
    reasons = [m["reason"] for m in api.ok("GET", f"/stock-moves?product_id={bread}")["items"]]
    assert reasons.count("refund") == 1 and reasons.count("waste") == 1
    clean_ledger(sessions)


def test_refund_tax_follows_the_sale_and_partial_refunds_add_up_to_the_cent(api, bakery):
    bread = bakery.stocked_bread(5, price="1.05")
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "10"})
    sale = bakery.sell({bread: "3"})  # 3.15, tax 0.29
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "20", "price": "9.99"})
    parts = [api.ok("POST", f"/sales/{sale['id']}/refunds", 201,
                    json={"items": [{"product_id": bread, "quantity": 1}]}) for _ in range(3)]
    assert sum(D(p["amount"]) for p in parts) == D(sale["total"])
    assert sum(D(p["tax"]) for p in parts) == D(sale["tax"]) == D("0.29")


@pytest.mark.parametrize("body, status, field", [
    ({"items": [{"product_id": 999999, "quantity": 1}]}, 422, "items.0.product_id"),
    ({"items": [{"product_id": "BREAD", "quantity": 3}]}, 409, None),
    ({"items": [{"product_id": "BREAD", "quantity": -1}]}, 422, "items.0.quantity"),
    ({"method": "cheque"}, 422, "method"),
    ({"restock": "yes"}, 422, "restock"),
    ({"till_session_id": 999999}, 422, "till_session_id"),
    ({"unknown": 1}, 422, "unknown"),
])
def test_bad_refunds_are_refused_and_change_nothing(api, bakery, unchanged, body, status, field):
    bread = bakery.stocked_bread(5)
    sale = bakery.sell({bread: "2"})
    for item in body.get("items", []):
        if item["product_id"] == "BREAD":
            item["product_id"] = bread
    with unchanged():
        error = error_of(api.post(f"/sales/{sale['id']}/refunds", json=body), status)
    if field:
        assert field in error["details"], error


def test_refunds_of_unknown_sales_are_not_found(api, unchanged):
    with unchanged():
        error_of(api.post("/sales/424242/refunds", json={}), 404, "not_found")
        error_of(api.get("/sales/424242/refunds"), 404, "not_found")


# --- voids -----------------------------------------------------------------------------------

def test_a_cashier_voids_their_own_sale_within_the_void_minutes(app, as_role, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    cashier = as_role("cashier")
    sale = cashier.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": 2}]})
    at(app, NOON + timedelta(minutes=10))
    void = cashier.ok("POST", f"/sales/{sale['id']}/refunds", 201, json={"reason": "mistake"})
    assert void["amount"] == sale["total"]


def test_a_cashier_may_not_void_late_partially_or_anothers_sale(app, as_role, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    cashier, other = as_role("cashier"), as_role("cashier")
    sale = cashier.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": 2}]})
    with unchanged():
        error_of(other.post(f"/sales/{sale['id']}/refunds", json={}), 403, "forbidden")
        error_of(cashier.post(f"/sales/{sale['id']}/refunds", json={
            "items": [{"product_id": bread, "quantity": 1}]}), 403, "forbidden")
        at(app, NOON + timedelta(minutes=10, seconds=1))
        error_of(cashier.post(f"/sales/{sale['id']}/refunds", json={}), 403, "forbidden")
    manager = as_role("manager")
    manager.ok("POST", f"/sales/{sale['id']}/refunds", 201,
               json={"items": [{"product_id": bread, "quantity": 1}]})


def test_bakers_may_not_refund(as_role, bakery):
    bread = bakery.stocked_bread(5)
    sale = bakery.sell({bread: "1"})
    error_of(as_role("baker").post(f"/sales/{sale['id']}/refunds", json={}), 403, "forbidden")


# --- till sessions ---------------------------------------------------------------------------

def test_a_till_day_from_float_to_z_report(app, api, bakery, sessions):
    bread = bakery.stocked_bread(20, price="2.20")
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "10"})
    opened = api.ok("POST", "/till-sessions", 201, json={"till": "front", "opening_float": "50"})
    assert (opened["status"], opened["number"], opened["opening_float"]) == ("open", None, "50.00")
    till = opened["id"]
    error_of(api.post("/till-sessions", json={"till": "front", "opening_float": "0"}), 409)
    bakery.sell({bread: "2"}, till_session_id=till)  # 4.40 cash exactly
    paid = bakery.sell({bread: "3"}, till_session_id=till,
                       payments=[{"method": "card", "amount": "2.60"},
                                 {"method": "cash", "amount": "5.00"}])  # 6.60, change 1.00
    bakery.sell({bread: "1"}, till_session_id=till, payments=[{"method": "other",
                                                               "amount": "2.20"}])
    api.ok("POST", f"/sales/{paid['id']}/refunds", 201, json={
        "items": [{"product_id": bread, "quantity": 1}], "till_session_id": till})  # card 2.20
    api.ok("POST", f"/till-sessions/{till}/cash-moves", 201,
           json={"amount": "-10", "note": "window cleaner"})
    x = api.ok("GET", f"/till-sessions/{till}")
    assert x["status"] == "open" and x["sales_count"] == 3
    assert x["payments"] == {"cash": "8.40", "card": "2.60", "other": "2.20"}
    assert x["refunds_by_method"] == {"cash": "0.00", "card": "2.20", "other": "0.00"}
    assert (x["gross_sales"], x["refunds"], x["revenue"]) == ("13.20", "2.20", "11.00")
    assert x["tax"] == "1.00" and x["tax_by_rate"] == [{"rate": "10.00", "tax": "1.00"}]
    assert x["expected_cash"] == "48.40"  # 50 + 8.40 - 10
    z = api.ok("POST", f"/till-sessions/{till}/close", json={"counted_cash": "48.00"})
    assert (z["status"], z["number"], z["counted_cash"], z["variance"]) == (
        "closed", 1, "48.00", "-0.40")
    assert {k: v for k, v in z.items() if k not in ("status", "number", "closed_at",
                                                      "closed_by", "counted_cash", "variance")} \
        == {k: v for k, v in x.items() if k not in ("status", "number", "closed_at", "closed_by",
                                                      "counted_cash", "variance")}
    assert api.ok("GET", f"/till-sessions/{till}") == z
    clean_ledger(sessions)


def test_closed_sessions_are_numbered_in_sequence_and_never_change(api, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    numbers = []
    for till in ("front", "back", "front"):
        session = api.ok("POST", "/till-sessions", 201, json={"till": till, "opening_float": 0})
        numbers.append(api.ok("POST", f"/till-sessions/{session['id']}/close",
                              json={"counted_cash": 0})["number"])
    assert numbers == [1, 2, 3]
    closed = session["id"]
    with unchanged():
        error_of(api.post(f"/till-sessions/{closed}/close", json={"counted_cash": 1}), 409)
        error_of(api.post(f"/till-sessions/{closed}/cash-moves", json={"amount": 1}), 409)
        error_of(api.post("/sales", json={"items": [{"product_id": bread, "quantity": 1}],
                                          "till_session_id": closed}), 409, "conflict")
    listed = api.ok("GET", "/till-sessions?status=closed")["items"]
    assert [s["number"] for s in listed] == [3, 2, 1]


@pytest.mark.parametrize("path, body, status", [
    ("/till-sessions", {"till": "", "opening_float": 0}, 422),
    ("/till-sessions", {"till": "front", "opening_float": "-1"}, 422),
    ("/till-sessions", {"till": "front"}, 422),
    ("/till-sessions/424242/close", {"counted_cash": 0}, 404),
    ("/till-sessions/424242/cash-moves", {"amount": 5}, 404),
    ("/till-sessions/OPEN/close", {"counted_cash": "-0.01"}, 422),
    ("/till-sessions/OPEN/cash-moves", {"amount": 0}, 422),
])
def test_bad_till_requests_are_refused_and_change_nothing(api, unchanged, path, body, status):
    opened = api.ok("POST", "/till-sessions", 201, json={"till": "spare", "opening_float": 0})
    with unchanged():
        error_of(api.post(path.replace("OPEN", str(opened["id"])), json=body), status)


def test_a_sale_in_an_unknown_session_is_refused(api, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    with unchanged():
        error = error_of(api.post("/sales", json={"items": [{"product_id": bread, "quantity": 1}],
                                                  "till_session_id": 424242}), 422)
    assert "till_session_id" in error["details"]


def test_a_bakery_may_require_a_till_session_for_every_sale(app, api, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    app.extensions["bakery.settings"].require_till_session = True
    with unchanged():
        error_of(api.post("/sales", json={"items": [{"product_id": bread, "quantity": 1}]}), 422)
    till = api.ok("POST", "/till-sessions", 201, json={"till": "front", "opening_float": 0})
    bakery.sell({bread: "1"}, till_session_id=till["id"])


# --- reports ---------------------------------------------------------------------------------

def test_reports_show_revenue_net_of_refunds_with_refund_and_tax_columns(app, as_role, api,
                                                                          bakery):
    bread = bakery.stocked_bread(10, price="11.00")  # cost 1.00 each
    api.ok("PATCH", f"/products/{bread}", json={"tax_rate": "10"})
    sale = bakery.sell({bread: "3"}, payments=[{"method": "card", "amount": "33.00"}])
    at(app, NOON + timedelta(days=1))
    api = as_role("admin")  # the first token has expired overnight
    api.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": 1}],
                                        "payments": [{"method": "cash", "amount": "20.00"}]})
    api.ok("POST", f"/sales/{sale['id']}/refunds", 201,
           json={"items": [{"product_id": bread, "quantity": 1}]})
    report = api.ok("GET", "/reports/sales?from=2026-03-14&to=2026-03-15&group_by=day")
    assert [(r["key"], r["revenue"], r["refunds"], r["tax"], r["cost"], r["margin"])
            for r in report["rows"]] == [
        ("2026-03-14", "33.00", "0.00", "3.00", "3.00", "27.00"),
        ("2026-03-15", "0.00", "11.00", "0.00", "0.00", "0.00"),
    ]
    assert (report["totals"]["revenue"], report["totals"]["refunds"]) == ("33.00", "11.00")
    by_product = api.ok("GET", "/reports/sales?from=2026-03-14&to=2026-03-15&group_by=product")
    assert by_product["rows"][0]["revenue"] == "33.00"
    payments = api.ok("GET", "/reports/payments?from=2026-03-14&to=2026-03-15")
    assert payments["rows"] == [
        {"key": "2026-03-14", "cash": "0.00", "card": "33.00", "other": "0.00",
         "refunds": "0.00", "total": "33.00"},
        {"key": "2026-03-15", "cash": "11.00", "card": "0.00", "other": "0.00",
         "refunds": "11.00", "total": "0.00"},
    ]
    auth = {"Authorization": f"Bearer {api.token}"}  # CSV: past the JSON-checking client
    csv = api.client.get("/api/v1/reports/payments?from=2026-03-14&to=2026-03-15&format=csv",
                         headers=auth)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    rows = [line.replace('"', "") for line in csv.data.decode().splitlines()]  # every field quoted
    assert rows == [
        "key,cash,card,other,refunds,total", "2026-03-14,0.00,33.00,0.00,0.00,33.00",
        "2026-03-15,11.00,0.00,0.00,11.00,0.00", "total,11.00,33.00,0.00,11.00,33.00"]
    sales_csv = api.client.get("/api/v1/reports/sales?from=2026-03-14&to=2026-03-15&format=csv",
                               headers=auth)
    assert sales_csv.data.decode().splitlines()[0].endswith(',"refunds","tax"')
