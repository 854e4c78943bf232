"""A product's answer, byte for byte: what a till reads most often stays exactly as it is.

The product is as rich as a product gets: lots fresh, expired, held and sold from, a best-before
on each, a composition through an intermediate product, declared and derived allergens, both
tax rates. The expected body is written out in full, so any change to a field name, its order,
a decimal's scale or a timestamp's form fails here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bakery.clock import Clock, install

MORNING = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(app: Any) -> Any:
    install(app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=MORNING))
    return lambda at: install(app, Clock(ZoneInfo("Europe/Berlin"), frozen_at=at))


def _rich_product(api: Any, bakery: Any, clock: Any) -> dict[str, int]:
    """A seeded rye bread: three lots (one expired, one held, one partly sold), a dough made
    in-house, allergens declared on the bread and on its materials."""
    flour = api.ok("POST", "/materials", 201, json={
        "name": "Rye flour", "unit": "kg", "allergens": ["gluten"]})["id"]
    seeds = api.ok("POST", "/materials", 201, json={
        "name": "Sesame seeds", "unit": "g", "allergens": ["sesame"],
        "may_contain": ["nuts"]})["id"]
    egg = api.ok("POST", "/materials", 201, json={
        "name": "Egg", "unit": "pcs", "allergens": ["eggs"], "grams_per_unit": "60"})["id"]
    bakery.batch(flour, "2", "0.80", "2026-11-01", lot="R-1", supplier="Mill")
    bakery.batch(flour, "1", "0.90", "2026-11-02", lot="R-2", supplier="Mill")
    bakery.batch(flour, "20", "1.10", "2026-11-03", lot="R-3", supplier="Mill")
    bakery.batch(seeds, "5000", "0.012", "2026-11-01")
    bakery.batch(egg, "30", "0.25", "2026-11-01")
    dough = bakery.product("Sourdough starter", "0", sellable=False)
    bakery.bake(bakery.recipe(dough, {flour: "1"}, yield_quantity="4"), 1)  # draws R-1
    bread = bakery.product("Seeded rye — Körnerbrot", "3.45", min_quantity="10", allergens=["milk"],
                           tax_rate="7", eat_in_tax_rate="19", shelf_life_hours=30)
    recipe = api.ok("POST", "/recipes", 201, json={
        "name": "Seeded rye", "product_id": bread, "yield_quantity": "3", "ingredients": [
            {"material_id": flour, "quantity": "1"},
            {"material_id": seeds, "quantity": "150"},
            {"material_id": egg, "quantity": "2"},
            {"product_id": dough, "quantity": "1"}]})["id"]
    first = bakery.bake(recipe, 1)  # best before 12:00 the next day
    clock(MORNING + timedelta(hours=12))
    held = bakery.bake(recipe, 1)  # then held by a recall of R-2
    api.ok("POST", "/trace/recall/hold", 201, json={"material_id": flour, "lot": "R-2"})
    clock(MORNING + timedelta(hours=24))
    fresh = bakery.bake(recipe, 2)
    bakery.sell({bread: "2"})
    clock(MORNING + timedelta(hours=31))  # the first lot has expired
    dough_lot = first["consumed_products"][0]["lot_id"]  # the bread's lots come next, in order
    return {"flour": flour, "seeds": seeds, "egg": egg, "bread": bread,
            "first": first["id"], "held": held["id"], "fresh": fresh["id"],
            "first_lot": dough_lot + 1, "held_lot": dough_lot + 2, "fresh_lot": dough_lot + 3}


def test_a_products_answer_is_the_same_bytes_as_it_has_always_been(api, bakery, clock):
    ids = _rich_product(api, bakery, clock)
    response = api.get(f"/products/{ids['bread']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    expected = Template(
        '{"id":$bread,"name":"Seeded rye — Körnerbrot","price":"3.45","on_hand":"6.000",'
        '"min_quantity":"10.000","low_stock":true,"sellable":true,'
        '"allergens":["gluten","eggs","milk","sesame"],"may_contain":["nuts"],'
        '"ingredients":[{"material_id":$flour,"name":"Rye flour","share":"82.24"},'
        '{"material_id":$seeds,"name":"Sesame seeds","share":"9.87"},'
        '{"material_id":$egg,"name":"Egg","share":"7.89"}],'
        '"tax_rate":"7.00","eat_in_tax_rate":"19.00","shelf_life_hours":30,"expired":"1.000",'
        '"day_old_product_id":null,"lots":['
        '{"id":$first_lot,"quantity":"3.000","remaining":"1.000","unit_cost":"1.10",'
        '"production_run_id":$first,"created_at":"2026-11-20T06:00:00Z",'
        '"best_before":"2026-11-21T12:00:00Z","on_hold":false},'
        '{"id":$held_lot,"quantity":"3.000","remaining":"3.000","unit_cost":"1.13",'
        '"production_run_id":$held,"created_at":"2026-11-20T18:00:00Z",'
        '"best_before":"2026-11-22T00:00:00Z","on_hold":true},'
        '{"id":$fresh_lot,"quantity":"6.000","remaining":"6.000","unit_cost":"1.20",'
        '"production_run_id":$fresh,"created_at":"2026-11-21T06:00:00Z",'
        '"best_before":"2026-11-22T12:00:00Z","on_hold":false}]}\n'
    ).substitute(ids)
    assert response.data.decode() == expected


def test_a_products_answer_matches_the_list_and_the_change_that_made_it(api, bakery, clock):
    """The GET, the list's item and a PATCH's answer agree field for field."""
    ids = _rich_product(api, bakery, clock)
    shown = api.ok("GET", f"/products/{ids['bread']}")
    listed = [p for p in api.ok("GET", "/products")["items"] if p["id"] == ids["bread"]]
    changed = api.ok("PATCH", f"/products/{ids['bread']}", json={"min_quantity": "10"})
    assert listed == [{k: v for k, v in shown.items() if k != "lots"}]
    assert changed == listed[0]
    assert json.loads(api.get(f"/products/{ids['bread']}").data) == shown
