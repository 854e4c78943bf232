"""Close the day, the recall page, the POS's expiring mark and the dashboard's expiring tile.

A frozen clock in Europe/Berlin; best-before times are shown on the bakery's wall clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bakery.clock import Clock, install
from bakery.queries.food_safety import holds

UTC = timezone.utc
NOON = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def frozen(app: Any) -> Any:
    app.extensions["bakery.settings"].token_hours = 24 * 30  # the tests move the clock by days
    install(app, Clock(BERLIN, frozen_at=NOON))
    return lambda at: install(app, Clock(BERLIN, frozen_at=at))


def _shop(api: Any, bakery: Any, hours: int) -> Any:
    scene = bakery.stocked(loaves=0)
    bakery.batch(scene.flour, "50", "1.00", "2026-11-01", lot="L-42", supplier="Mill")
    api.ok("PATCH", f"/products/{scene.bread}", json={"shelf_life_hours": hours})
    bakery.bake(scene.recipe, 5)
    return scene


def test_close_the_day_shows_what_expires_today_and_writes_off_in_one_tap(
        api, bakery, browser_as, frozen):
    scene = _shop(api, bakery, hours=6)  # best before 18:00 Berlin today
    baker = browser_as("baker")
    page = baker.get("/close-day").text
    assert "expires today" in page and "2026-11-20 18:00" in page
    frozen(NOON + timedelta(hours=7))
    page = baker.get("/close-day").text
    assert 'class="badge low">expired' in page and 'data-test="expired-cost">5.00' in page
    baker.post("/close-day/write-off")
    page = baker.get("/close-day").text
    assert "Wrote off 1 expired lot" in page and "Nothing is left" in page
    assert api.ok("GET", f"/products/{scene.bread}")["expired"] == "0.000"
    baker.post("/close-day/write-off")
    assert "Nothing has expired" in baker.get("/close-day").text


def test_the_pos_marks_what_expires_today_and_the_dashboard_warns(api, bakery, browser_as):
    _shop(api, bakery, hours=6)
    page = browser_as("cashier").get("/pos").text
    assert 'data-test="expires-today">5 expire today' in page
    dashboard = browser_as("baker").get("/").text
    assert 'data-test="expiring"' in dashboard and "by 2026-11-20 18:00" in dashboard


def test_the_recall_page_answers_who_got_a_lot_holds_and_releases(api, bakery, browser_as,
                                                                    sessions):
    scene = _shop(api, bakery, hours=48)
    sale = bakery.sell({scene.bread: "2"})
    manager = browser_as("manager")
    page = manager.get(f"/recall?material_id={scene.flour}&lot=L-42").text
    assert "Lot L-42: 1 sale, 2 units sold, 3 still in stock" in page
    assert f"#{sale['id']}" in page and "2026-11-20 12:00" in page
    csv = manager.get(f"/recall.csv?material_id={scene.flour}&lot=L-42")
    assert csv.mimetype == "text/csv" and f'"sale","{sale["id"]}"' in csv.text
    manager.post("/recall/hold", {"material_id": str(scene.flour), "lot": "L-42",
                                  "note": "supplier notice"})
    page = manager.get(f"/recall?material_id={scene.flour}&lot=L-42").text
    assert "On hold: 1 batches and 1 lots" in page and "supplier notice" in page
    assert api.ok("GET", f"/products/{scene.bread}")["on_hand"] == "0.000"
    with sessions() as session:
        (hold,) = holds(session)
    manager.post(f"/recall/holds/{hold.id}/release")
    assert api.ok("GET", f"/products/{scene.bread}")["on_hand"] == "3.000"


def test_the_recall_page_says_when_a_lot_is_unknown_and_refuses_nonsense(
        api, bakery, browser_as):
    scene = _shop(api, bakery, hours=48)
    manager = browser_as("manager")
    assert "No batch" not in manager.get(f"/recall?material_id={scene.flour}&lot=nope").text
    assert manager.get("/recall?material_id=99999999&lot=L-42", status=404)
    manager.get("/recall.csv?material_id=x&lot=", status=400)
    manager.post("/recall/hold", {"material_id": "x", "lot": ""}, status=400)
    assert browser_as("cashier").get("/recall", status=403)
    assert browser_as("cashier").get("/close-day", status=403)


def test_the_reports_page_shows_waste_with_its_chart_and_csv(api, bakery, browser_as, frozen):
    scene = _shop(api, bakery, hours=6)
    bakery.sell({scene.bread: "1"})
    frozen(NOON + timedelta(days=1))
    api.ok("POST", "/stock/expire")
    owner = browser_as("manager")
    page = owner.get("/reports/?from=2026-11-20&to=2026-11-21").text
    assert 'data-figure="waste-cost">4.00' in page
    assert "/reports/charts/waste.svg" in page
    chart = owner.get("/reports/charts/waste.svg?from=2026-11-20&to=2026-11-21")
    assert chart.mimetype == "image/svg+xml" and b"<script" not in chart.data
    csv = owner.get("/reports/csv/waste-by-reason.csv?from=2026-11-20&to=2026-11-21")
    assert csv.text.replace('"', "").splitlines()[1].startswith(
        "expired,4.000,4.00,12.00,5.000,80.00")


def test_the_forms_set_a_shelf_life_and_the_issue_order(api, browser_as):
    manager = browser_as("manager")
    manager.get("/products/new")
    response = manager.post("/products/new", {"name": "Croissant", "price": "1.30",
                                              "shelf_life_hours": "12"})
    product_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert api.ok("GET", f"/products/{product_id}")["shelf_life_hours"] == 12
    page = manager.post("/products/new", {"name": "Roll", "price": "1", "shelf_life_hours": "1.5"},
                        status=400).text
    assert 'id="e-shelf_life_hours"' in page
    manager.get("/materials/new")
    response = manager.post("/materials/new", {"name": "Yeast", "unit": "kg", "min_quantity": "0",
                                               "issue_order": "fefo"})
    material_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert api.ok("GET", f"/materials/{material_id}")["issue_order"] == "fefo"
    assert 'value="fefo" selected' in manager.get(f"/materials/{material_id}/edit").text


def test_close_the_day_marks_a_lot_down_where_the_owner_allows(api, bakery, browser_as):
    scene = _shop(api, bakery, hours=6)
    manager = browser_as("manager")
    day_old = api.ok("POST", "/products", 201, json={"name": "Day-old bread", "price": "1.00",
                                                      "shelf_life_hours": 24})["id"]
    page = manager.get(f"/products/{scene.bread}/edit").text
    assert f'<option value="{day_old}">Day-old bread</option>' in page
    manager.post(f"/products/{scene.bread}/edit", {"name": "Bread", "price": "3.00",
                                                   "shelf_life_hours": "6",
                                                   "day_old_product_id": str(day_old)})
    assert api.ok("GET", f"/products/{scene.bread}")["day_old_product_id"] == day_old
    lot_id = api.ok("GET", f"/products/{scene.bread}")["lots"][0]["id"]
    baker = browser_as("baker")
    assert f'data-test="mark-down-{lot_id}"' in baker.get("/close-day").text
    baker.post(f"/close-day/mark-down/{lot_id}")
    assert "Marked down 5 to the day-old product" in baker.get("/close-day").text
    assert api.ok("GET", f"/products/{day_old}")["on_hand"] == "5.000"
    baker.post(f"/close-day/mark-down/{lot_id}")
    assert "nothing left to sell" in baker.get("/close-day").text
