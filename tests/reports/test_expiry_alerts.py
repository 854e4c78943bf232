"""The webhook's expiring event, and deliveries retried with backoff when the receiver fails.

The watcher's thread runs outside any request and reads the system clock, so the lots here
carry best-before instants relative to now, never a time of day.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from bakery.db.models import ExpiryAlert
from bakery.services.alerts import deliver_with_retries
from tests.builders import Bakery, ThroughApi
from tests.conftest import login

from .conftest import Receiver


def test_a_failed_delivery_is_retried_with_growing_waits() -> None:
    receiver = Receiver(failures=2)
    waits: list[float] = []
    try:
        assert deliver_with_retries(receiver.url, {"event": "expiring", "alert_id": 1},
                                    retries=3, backoff=0.5, sleep=waits.append)
    finally:
        receiver.close()
    assert (receiver.attempts, waits) == (3, [0.5, 1.0])
    assert receiver.bodies == [{"event": "expiring", "alert_id": 1}]


def test_a_delivery_gives_up_after_the_last_retry() -> None:
    receiver = Receiver(failures=10)
    waits: list[float] = []
    try:
        assert not deliver_with_retries(receiver.url, {"event": "low_stock"}, retries=2,
                                        backoff=0.25, sleep=waits.append)
    finally:
        receiver.close()
    assert (receiver.attempts, waits) == (3, [0.25, 0.5])


def test_stock_about_to_expire_is_told_once_even_after_failed_tries(make_app: Any) -> None:
    receiver = Receiver(failures=1)
    try:
        app = make_app(alert_webhook_url=receiver.url)
        watcher = app.extensions["bakery.alerts"]
        watcher.backoff = 0.01
        api = login(app, "admin")
        bakery = Bakery(ThroughApi(api))
        scene = bakery.stocked(loaves=0)
        bakery.batch(scene.flour, "10", "1.00")
        soon = datetime.now(timezone.utc) + timedelta(hours=3)
        bakery.bake(scene.recipe, 2, best_before=soon.isoformat())
        watcher.wait_idle()
        bakery.sell({scene.bread: "1"})  # another sweep: nothing new to tell
        watcher.wait_idle()
    finally:
        receiver.close()
    expiring = [b for b in receiver.bodies if b["event"] == "expiring"]
    assert len(expiring) == 1
    assert (expiring[0]["product_id"], expiring[0]["remaining"], expiring[0]["expired"]) == (
        scene.bread, "2.000", False)
    with app.extensions["bakery.sessions"]() as session:
        (alert,) = session.execute(select(ExpiryAlert)).scalars()
    assert alert.notified_at is not None
