"""The webhook's expiring event, and deliveries retried with backoff when the receiver fails.

The watcher's thread runs outside any request and reads the system clock, so the lots here
carry best-before instants relative to now, never a time of day.
"""

from __future__ import annotations

import http.server
import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from bakery.db.models import ExpiryAlert
from bakery.services.alerts import deliver_with_retries
from tests.builders import Bakery, ThroughApi
from tests.conftest import login


class FlakyReceiver:
    """A server on 127.0.0.1 that answers 503 to the first `failures` POSTs, then 204."""

    def __init__(self, failures: int) -> None:
        self.bodies: list[dict] = []
        self.attempts = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                owner.attempts += 1
                if owner.attempts <= failures:
                    self.send_response(503)
                else:
                    owner.bodies.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/stock"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_a_failed_delivery_is_retried_with_growing_waits() -> None:
    receiver = FlakyReceiver(failures=2)
    waits: list[float] = []
    try:
        assert deliver_with_retries(receiver.url, {"event": "expiring", "alert_id": 1},
                                    retries=3, backoff=0.5, sleep=waits.append)
    finally:
        receiver.close()
    assert (receiver.attempts, waits) == (3, [0.5, 1.0])
    assert receiver.bodies == [{"event": "expiring", "alert_id": 1}]


def test_a_delivery_gives_up_after_the_last_retry() -> None:
    receiver = FlakyReceiver(failures=10)
    waits: list[float] = []
    try:
        assert not deliver_with_retries(receiver.url, {"event": "low_stock"}, retries=2,
                                        backoff=0.25, sleep=waits.append)
    finally:
        receiver.close()
    assert (receiver.attempts, waits) == (3, [0.25, 0.5])


def test_stock_about_to_expire_is_told_once_even_after_failed_tries(make_app: Any) -> None:
    receiver = FlakyReceiver(failures=1)
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
