"""Food safety over HTTP: shelf life, write-off, expiring alerts, waste, trace, recall and holds.

A frozen clock is installed on the app; every bad input is a 4xx with the contract's body and
changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bakery.clock import Clock, install

from .conftest import error_of

UTC = timezone.utc
MORNING = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def frozen(app: Any) -> Any:
    app.extensions["bakery.settings"].token_hours = 24 * 30  # the tests move the clock by days
    install(app, Clock(BERLIN, frozen_at=MORNING))
    return lambda at: install(app, Clock(BERLIN, frozen_at=at))


def _shop(api: Any, bakery: Any, hours: int | None = 24, loaves: int = 10) -> Any:
    scene = bakery.stocked(loaves=0)
    bakery.batch(scene.flour, "50", "1.00", "2026-11-01", lot="L-42", supplier="Mill")
    api.ok("PATCH", f"/products/{scene.bread}", json={"shelf_life_hours": hours})
    if loaves:
        bakery.bake(scene.recipe, loaves)
    return scene


def test_a_product_with_a_shelf_life_stocks_lots_with_a_best_before(api, bakery, frozen):
    scene = _shop(api, bakery)
    product = api.ok("GET", f"/products/{scene.bread}")
    assert product["shelf_life_hours"] == 24
    assert product["lots"][0]["best_before"] == "2026-11-21T06:00:00Z"
    frozen(MORNING + timedelta(hours=24))
    product = api.ok("GET", f"/products/{scene.bread}")
    assert (product["on_hand"], product["expired"]) == ("0.000", "10.000")
    error_of(api.post("/sales", json={"items": [{"product_id": scene.bread, "quantity": 1}]}),
             409, "insufficient_stock")


def test_a_run_with_an_explicit_best_before_answers_it(api, bakery):
    scene = _shop(api, bakery, loaves=0)
    run = bakery.bake(scene.recipe, 1, best_before="2026-11-20T18:00:00+01:00")
    assert run["best_before"] == "2026-11-20T17:00:00Z"
    assert api.ok("GET", f"/production-runs/{run['id']}")["best_before"] == run["best_before"]


def test_bad_food_safety_input_is_refused_and_changes_nothing(api, bakery, unchanged):
    scene = _shop(api, bakery, loaves=1)
    with unchanged():
        for body in ({"recipe_id": scene.recipe, "batches": 1, "best_before": "2026-11-20T18:00"},
                     {"recipe_id": scene.recipe, "batches": 1, "best_before": "tomorrow"},
                     {"recipe_id": scene.recipe, "batches": 1, "best_before": 5}):
            assert "best_before" in error_of(api.post("/production-runs", json=body), 422,
                                             "validation_error")["details"]
        for hours in (0, -1, "24h", 10**9, 1.5, True, "1.5"):
            error_of(api.patch(f"/products/{scene.bread}", json={"shelf_life_hours": hours}),
                     422, "validation_error")
        error_of(api.patch(f"/materials/{scene.flour}", json={"issue_order": "lifo"}), 422)
        error_of(api.post("/materials", json={"name": "Rye", "unit": "kg",
                                              "issue_order": "random"}), 422)
        for query in ("days=-1", "days=366", "days=x"):
            error_of(api.get(f"/alerts/expiring?{query}"), 422, "validation_error")
        error_of(api.get("/reports/waste?from=2026-11-02&to=2026-11-01"), 422)
        error_of(api.get("/reports/waste?from=2026-11-01&to=2026-11-02&group_by=colour"), 422)
        error_of(api.get("/trace/recall?material_id=x&lot=L-42"), 422)
        error_of(api.get("/trace/recall?material_id=1"), 422)
        error_of(api.post("/trace/recall/hold", json={"material_id": scene.flour}), 422)
        error_of(api.post("/trace/recall/hold", json={"material_id": scene.flour, "lot": "nope"}),
                 404, "not_found")
        error_of(api.post("/trace/recall/hold", json={"material_id": 999999, "lot": "L-42"}), 404)
        error_of(api.post("/trace/recall/hold", json={"material_id": scene.flour, "lot": "L-42",
                                                       "extra": 1}), 422)
        error_of(api.post("/trace/holds/999999/release"), 404, "not_found")
        error_of(api.get("/trace/batches/999999"), 404)
        error_of(api.get("/trace/sales/999999"), 404)
        error_of(api.get("/trace/lots/999999"), 404)


def test_write_off_answers_each_layer_and_writes_nothing_the_second_time(api, bakery, frozen):
    scene = _shop(api, bakery, loaves=4)
    frozen(MORNING + timedelta(days=2))
    first = api.ok("POST", "/stock/expire")
    assert first["items"] == [{"product_id": scene.bread, "lot_id": first["items"][0]["lot_id"],
                               "material_id": None, "batch_id": None, "quantity": "4.000",
                               "cost": "4.00"}]
    assert first["cost"] == "4.00"
    assert api.ok("POST", "/stock/expire") == {"items": [], "cost": "0.00"}
    moves = api.ok("GET", f"/stock-moves?product_id={scene.bread}")["items"]
    assert moves[0]["reason"] == "expired" and moves[0]["delta"] == "-4.000"


def test_a_cashier_may_not_write_off_or_recall(as_role):
    cashier = as_role("cashier")
    error_of(cashier.post("/stock/expire"), 403, "forbidden")
    error_of(cashier.get("/trace/recall?material_id=1&lot=L"), 403)
    error_of(as_role("baker").post("/trace/recall/hold", json={"material_id": 1, "lot": "L"}), 403)


def test_expiring_alerts_list_lots_and_batches(api, bakery):
    scene = _shop(api, bakery, hours=30, loaves=2)
    bakery.batch(scene.flour, "5", "1.00", "2026-11-01", expiry_date="2026-11-19")
    items = api.ok("GET", "/alerts/expiring?days=2")["items"]
    assert [(i.get("material_id"), i.get("product_id"), i["expired"]) for i in items] == [
        (scene.flour, None, True), (None, scene.bread, False)]
    assert api.ok("GET", "/alerts/expiring?days=0")["items"][0]["expired"] is True


def test_recall_finds_the_sales_a_supplier_lot_reached_and_holds_them(api, bakery):
    scene = _shop(api, bakery, hours=None, loaves=5)
    sale = bakery.sell({scene.bread: "2"})
    recall = api.ok("GET", f"/trace/recall?material_id={scene.flour}&lot=L-42")
    assert [s["sale_id"] for s in recall["sales"]] == [sale["id"]]
    assert recall["totals"]["quantity_sold"] == "2.000"
    assert recall["totals"]["quantity_in_stock"] == "3.000"
    back = api.ok("GET", f"/trace/sales/{sale['id']}")
    assert [b["lot"] for b in back["batches"]] == ["L-42"]
    forward = api.ok("GET", f"/trace/batches/{recall['batches'][0]['batch_id']}")
    assert forward["sales"] == recall["sales"]
    lot = api.ok("GET", f"/trace/lots/{recall['lots'][0]['lot_id']}")
    assert lot["sales"] == recall["sales"]
    hold = api.ok("POST", "/trace/recall/hold", 201, headers={"Idempotency-Key": "recall-1"},
                  json={"material_id": scene.flour, "lot": "L-42", "note": "supplier call"})
    assert hold["lot_ids"] == [recall["lots"][0]["lot_id"]]
    again = api.ok("POST", "/trace/recall/hold", 201, headers={"Idempotency-Key": "recall-1"},
                   json={"material_id": scene.flour, "lot": "L-42", "note": "supplier call"})
    assert again["id"] == hold["id"]
    assert api.ok("GET", f"/products/{scene.bread}")["on_hand"] == "0.000"
    error_of(api.post("/sales", json={"items": [{"product_id": scene.bread, "quantity": 1}]}),
             409, "insufficient_stock")
    released = api.ok("POST", f"/trace/holds/{hold['id']}/release")
    assert released["released_at"] is not None
    error_of(api.post(f"/trace/holds/{hold['id']}/release"), 409, "conflict")
    assert api.ok("GET", f"/products/{scene.bread}")["on_hand"] == "3.000"


def test_waste_report_by_product_reason_and_day(api, bakery, frozen):
    scene = _shop(api, bakery, hours=24, loaves=10)
    bakery.sell({scene.bread: "7"})
    frozen(MORNING + timedelta(days=1))
    api.ok("POST", "/stock/expire")
    report = api.ok("GET", "/reports/waste?from=2026-11-20&to=2026-11-21&group_by=product")
    assert report["rows"][0] | {"product_id": None} == {
        "key": report["rows"][0]["key"], "product_id": None, "material_id": None,
        "quantity": "3.000", "cost": "3.00", "retail_value": "9.00", "produced": "10.000",
        "waste_rate": "30.00"}
    by_day = api.ok("GET", "/reports/waste?from=2026-11-20&to=2026-11-21&group_by=day")
    assert [r["key"] for r in by_day["rows"]] == ["2026-11-21"]


def test_marking_a_lot_down_over_http(api, bakery, unchanged):
    scene = _shop(api, bakery, loaves=3)
    lot_id = api.ok("GET", f"/products/{scene.bread}")["lots"][0]["id"]
    with unchanged():
        error_of(api.post(f"/stock/lots/{lot_id}/mark-down"), 409, "conflict")
        error_of(api.post("/stock/lots/999999/mark-down"), 404, "not_found")
        error_of(api.patch(f"/products/{scene.bread}", json={"day_old_product_id": scene.bread}),
                 422, "validation_error")
        error_of(api.patch(f"/products/{scene.bread}", json={"day_old_product_id": "2"}), 422)
    day_old = api.ok("POST", "/products", 201, json={"name": "Day-old", "price": "1.00",
                                                      "shelf_life_hours": 24})["id"]
    api.ok("PATCH", f"/products/{scene.bread}", json={"day_old_product_id": day_old})
    done = api.ok("POST", f"/stock/lots/{lot_id}/mark-down", 201)
    assert (done["quantity"], done["day_old_product_id"]) == ("3.000", day_old)
    assert api.ok("GET", f"/products/{day_old}")["on_hand"] == "3.000"


def test_a_replayed_key_answers_the_first_write_off_and_mark_down(api, bakery, frozen):
    scene = _shop(api, bakery, loaves=4)
    day_old = api.ok("POST", "/products", 201, json={"name": "Day-old", "price": "1.00"})["id"]
    api.ok("PATCH", f"/products/{scene.bread}", json={"day_old_product_id": day_old})
    bakery.bake(scene.recipe, 2)
    lots = api.ok("GET", f"/products/{scene.bread}")["lots"]
    marked = api.ok("POST", f"/stock/lots/{lots[1]['id']}/mark-down", 201,
                    headers={"Idempotency-Key": "md-1"})
    assert api.ok("POST", f"/stock/lots/{lots[1]['id']}/mark-down", 201,
                  headers={"Idempotency-Key": "md-1"}) == marked
    frozen(MORNING + timedelta(days=2))
    first = api.ok("POST", "/stock/expire", headers={"Idempotency-Key": "night-1"})
    assert first["cost"] == "4.00" and len(first["items"]) == 1
    assert api.ok("POST", "/stock/expire", headers={"Idempotency-Key": "night-1"}) == first
    assert api.ok("POST", "/stock/expire", headers={"Idempotency-Key": "night-2"}) == {
        "items": [], "cost": "0.00"}
