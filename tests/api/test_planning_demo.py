"""On the demo bakery's nine weeks of history the forecast beats "same as last week"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bakery.clock import UTC, Clock, install
from bakery.demo import seed_demo


def test_the_forecast_beats_the_naive_rule_on_the_demo_bakery(app, sessions, api):
    install(app, Clock(UTC, frozen_at=datetime(2026, 11, 28, 15, 0, tzinfo=UTC)))
    with app.app_context():
        seed_demo(sessions)
    score = api.ok("GET", "/plans/forecast/backtest?from=2026-10-31&to=2026-11-27")
    assert score["days"] == 27  # one holiday closed
    assert Decimal(score["wape"]) < Decimal(score["naive_wape"])
    plan = api.ok("GET", "/plans/bake?date=2026-11-30")  # a Monday: the cafe's standing order
    baguette = next(i for i in plan["items"] if i["name"] == "Baguette")
    assert baguette["ordered"] == "10.000"
    assert Decimal(baguette["forecast"]) > 0
    orders = api.ok("GET", "/orders?due=2026-11-29")["items"]
    assert [o["customer"] for o in orders] == ["Mme Laurent (birthday)"]
