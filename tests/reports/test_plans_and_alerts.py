"""What can I bake, the shopping list, low-stock alerts for products, and the webhook."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from bakery.db.engine import transaction
from bakery.db.migrate import alembic_config, upgrade
from bakery.db.models import StockAlert, utcnow
from tests.builders import Bakery, ThroughApi
from tests.conftest import login

from .conftest import Receiver


def test_what_can_i_bake_lists_every_recipe_most_batches_first(api: Any, bakery: Bakery) -> None:
    flour = bakery.material("Flour")
    butter = bakery.material("Butter")
    bakery.batch(flour, "10", "1.00")
    bakery.batch(butter, "1", "8.00")
    bread = bakery.recipe(bakery.product("Bread"), {flour: "2"}, yield_quantity="1", name="Bread")
    croissant = bakery.recipe(bakery.product("Croissant"), {flour: "1", butter: "0.3"},
                              yield_quantity="12", name="Croissant")
    items = api.ok("GET", "/plans/what-can-i-bake")["items"]
    assert [(i["recipe_id"], i["max_batches"], i["max_units"]) for i in items] == [
        (bread, 5, "5.000"), (croissant, 3, "36.000")]  # butter: 1 / 0.3 = 3 batches


def test_shopping_list_says_what_to_buy_at_the_latest_price(api: Any, bakery: Bakery) -> None:
    flour = bakery.material("Flour")
    butter = bakery.material("Butter")
    yeast = bakery.material("Yeast", unit="g")
    bakery.batch(flour, "10", "1.00", "2026-01-01")
    bakery.batch(flour, "2", "1.20", "2026-02-01")  # latest price 1.20
    bakery.batch(butter, "5", "8.00")
    bread = bakery.recipe(bakery.product("Bread"), {flour: "2", yeast: "10"}, yield_quantity="1")
    croissant = bakery.recipe(bakery.product("Croissant"), {flour: "1", butter: "0.5"},
                              yield_quantity="12")
    body = api.ok("POST", "/plans/shopping-list", json={"items": [
        {"recipe_id": bread, "batches": 5}, {"recipe_id": croissant, "batches": 4}]})
    items = {i["name"]: i for i in body["items"]}
    # flour: 5*2 + 4*1 = 14 needed, 12 on hand, buy 2 @1.20 = 2.40
    assert items["Flour"] == {"material_id": flour, "name": "Flour", "unit": "kg",
                                   "needed": "14.000", "on_hand": "12.000", "to_buy": "2.000",
                                   "latest_cost_per_unit": "1.20", "estimated_cost": "2.40",
                                   "supplier": None, "lead_time_days": None, "order_by": None}
    # butter: 4*0.5 = 2 needed, 5 on hand, nothing to buy
    assert (items["Butter"]["to_buy"], items["Butter"]["estimated_cost"]) == ("0.000", "0.00")
    # yeast was never bought: 50 g to buy, no price known
    assert (items["Yeast"]["to_buy"], items["Yeast"]["estimated_cost"]) == ("50.000", None)
    assert body["estimated_total"] == "2.40"
    assert body["unpriced"] == [yeast]


def test_shopping_list_refuses_bad_plans_and_changes_nothing(api: Any, bakery: Bakery) -> None:
    flour = bakery.material("Flour")
    recipe = bakery.recipe(bakery.product("Bread"), {flour: "1"})
    for body in ({"items": []}, {"items": [{"recipe_id": recipe, "batches": 0}]},
                 {"items": [{"recipe_id": recipe, "batches": "2"}]},
                 {"items": [{"recipe_id": recipe, "batches": 1, "extra": 1}]},
                 {"items": [{"recipe_id": 999999, "batches": 1}]}, {"plan": []}):
        response = api.post("/plans/shopping-list", json=body)
        assert response.status_code == 422, body
    unknown = api.post("/plans/shopping-list", json={"items": [{"recipe_id": 999999, "batches": 1}]})
    assert unknown.get_json()["error"]["details"] == {"items.0.recipe_id": "no recipe with id 999999"}
    assert api.post("/plans/shopping-list", data="[", content_type="application/json") \
        .status_code == 400


def test_low_stock_alerts_include_products_with_a_minimum(api: Any, bakery: Bakery) -> None:
    flour = bakery.material("Flour", min_quantity="5")
    bread = bakery.stocked_bread(loaves=3)
    api.ok("PATCH", f"/products/{bread}", json={"min_quantity": "4"})
    bakery.stocked_bread(loaves=3)  # no minimum: never low
    items = api.ok("GET", "/alerts/low-stock")["items"]
    assert {(i["kind"], i.get("material_id") or i.get("product_id"), i["shortfall"])
            for i in items} == {("material", flour, "5.000"), ("product", bread, "1.000")}


def _alerts(app: Any) -> list[Any]:
    with app.extensions["bakery.sessions"]() as session:
        return list(session.execute(select(StockAlert).order_by(StockAlert.id)).scalars())


def test_webhook_is_told_once_per_crossing(make_app: Any, receiver: Receiver) -> None:
    app = make_app(alert_webhook_url=receiver.url)
    watcher = app.extensions["bakery.alerts"]
    api = login(app, "admin")
    bakery = Bakery(ThroughApi(api))
    bread = bakery.stocked_bread(loaves=10)
    api.ok("PATCH", f"/products/{bread}", json={"min_quantity": "5"})
    watcher.wait_idle()
    assert receiver.bodies == []
    bakery.sell({bread: "6"})  # 4 left: crosses below 5
    watcher.wait_idle()
    bakery.sell({bread: "1"})  # still below: no second message
    watcher.wait_idle()
    assert len(receiver.bodies) == 1
    message = receiver.bodies[0]
    assert (message["event"], message["kind"], message["product_id"], message["on_hand"],
            message["min_quantity"], message["shortfall"]) == \
        ("low_stock", "product", bread, "4.000", "5.000", "1.000")
    api.ok("POST", "/stock-adjustments", 201, json={"product_id": bread, "quantity_delta": "5",
                                                    "reason": "count"})  # 8: recovered
    watcher.wait_idle()
    bakery.sell({bread: "4"})  # 4 again: a new crossing
    watcher.wait_idle()
    assert [m["on_hand"] for m in receiver.bodies] == ["4.000", "4.000"]
    alerts = _alerts(app)
    assert [(a.cleared_at is None, a.notified_at is not None) for a in alerts] == [
        (False, True), (True, True)]


def test_a_dead_webhook_never_fails_the_sale(make_app: Any) -> None:
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(alert_webhook_url=f"http://127.0.0.1:{port}/nobody")
    app.extensions["bakery.alerts"].backoff = 0.01  # retried, quickly, then given up
    api = login(app, "admin")
    bakery = Bakery(ThroughApi(api))
    flour = bakery.material("Flour", min_quantity="1")
    bakery.batch(flour, "1", "1.00")
    bread = bakery.product("Bread")
    bakery.bake(bakery.recipe(bread, {flour: "1"}, yield_quantity="1"))  # flour 0: low
    app.extensions["bakery.alerts"].wait_idle()
    alerts = _alerts(app)
    assert (alerts[-1].material_id, alerts[-1].cleared_at) == (flour, None)
    assert [a.notified_at for a in alerts] == [None] * len(alerts)
    assert bakery.sell({bread: "1"})["total"] == "3.00"


def test_no_webhook_means_no_watcher(app: Any) -> None:
    assert "bakery.alerts" not in app.extensions


def test_an_item_has_at_most_one_open_alert(app: Any, bakery: Bakery) -> None:
    """The partial unique index is what makes a crossing told once across processes."""
    flour = bakery.material("Flour", min_quantity="1")
    row = {"material_id": flour, "on_hand": 0, "min_quantity": 1, "crossed_at": utcnow()}
    factory = app.extensions["bakery.sessions"]
    with transaction(factory) as session:
        session.execute(insert(StockAlert), row)
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.execute(insert(StockAlert), row)
    with transaction(factory) as session:  # a cleared alert does not block a new one
        session.execute(insert(StockAlert), row | {"cleared_at": utcnow()})
    assert len(_alerts(app)) == 2


def test_revision_0003_downgrades_and_upgrades_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    engine = create_engine(database_url)
    assert "stock_alerts" not in inspect(engine).get_table_names()
    upgrade(database_url)
    assert "stock_alerts" in inspect(engine).get_table_names()
    engine.dispose()
