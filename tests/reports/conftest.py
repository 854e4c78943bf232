"""Fixtures for reports, alerts and planning: a bakery in a time zone, a webhook receiver."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bakery import create_app
from bakery.services.stock import record_sale
from tests.builders import Bakery, ThroughApi
from tests.conftest import login, make_settings


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build the app with settings overrides (timezone=..., alert_webhook_url=...)."""
    built: list[Any] = []

    def build(**overrides: Any) -> Any:
        application = create_app(settings=make_settings(database_url, tmp_path, **overrides))
        built.append(application)
        return application

    yield build
    for application in built:
        watcher = application.extensions.get("bakery.alerts")
        if watcher is not None:
            watcher.wait_idle()
        application.extensions["bakery.engine"].dispose()


def sell_at(app: Any, moment: str, items: dict[int, str]) -> Any:
    """Record a sale at a given UTC instant ('2026-03-28T23:00:00')."""
    at = datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)
    return record_sale(app.extensions["bakery.sessions"],
                       [(pid, Decimal(q)) for pid, q in items.items()], at=at).result


@pytest.fixture
def zoned(make_app: Any) -> Any:
    """An app in Europe/Berlin with an admin client and a stocked bread at 2.00."""
    app = make_app(timezone="Europe/Berlin")
    api = login(app, "admin")
    bread = Bakery(ThroughApi(api)).stocked_bread(loaves=50, price="2.00")
    return app, api, bread


def web_client(app: Any, role: str) -> Any:
    """A browser-like client signed in, through the login form, as a user of `role`."""
    from tests.web.conftest import Browser, make_user

    browser = Browser(app)
    browser.login(make_user(app, role))
    return browser.client


class Receiver:
    """A tiny HTTP server on 127.0.0.1 (free port) that records the JSON bodies POSTed to it.

    With `failures`, it answers 503 to that many POSTs first (recording nothing), then 204.
    """

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict] = []
        self.attempts = 0
        received, owner = self.bodies, self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib's name
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                owner.attempts += 1
                if owner.attempts <= failures:
                    self.send_response(503)
                else:
                    received.append(body)
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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()
