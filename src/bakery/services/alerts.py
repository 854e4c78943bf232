"""Low-stock crossings, recorded once each and pushed to ALERT_WEBHOOK_URL.

Why a background thread: a sale must never wait for, or fail because of, someone else's web
server. After a request that changed something has committed, the app only *pokes* a per-process
worker thread (a non-blocking put on a queue). The worker compares what is low now with the open
alerts in `stock_alerts`, opens one row per new crossing and closes the rows of items back at
their minimum, in one transaction, then POSTs each new crossing with a short timeout. A partial
unique index allows one open alert per item, so with many processes exactly one of them records
(and tells) a crossing.

The same sweep tells of stock about to expire (event `expiring`): each batch or lot within
EXPIRING_DAYS of its date (or past it) is recorded once in `expiry_alerts` (unique per layer)
and told once.

A failed delivery (no answer, or not 2xx) is retried with exponential backoff (RETRIES more
times, BACKOFF seconds doubling), on the worker thread, so no request waits for it; after the
last try it is logged and `notified_at` stays empty.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import today
from ..db.engine import transaction
from ..db.models import ExpiryAlert, StockAlert, as_utc, utcnow
from ..domain.numbers import quantity_text
from ..queries.food_safety import expiring
from ..queries.inventory import low_stock
from .unit_of_work import SessionFactory

log = logging.getLogger("bakery.alerts")
A = StockAlert.__table__
E = ExpiryAlert.__table__
WEBHOOK_TIMEOUT = 3  # seconds
EXPIRING_DAYS = 1  # tell of stock that expires by this time tomorrow
RETRIES = 3  # further tries after a failed delivery
BACKOFF = 1  # seconds before the first retry; doubles each time


def _key(item: dict) -> tuple[str, int]:
    return ("material", item["material_id"]) if item["kind"] == "material" \
        else ("product", item["product_id"])


def sweep(factory: SessionFactory) -> list[dict]:
    """Open an alert for each item newly below its minimum, clear the recovered; return the new."""
    try:
        with transaction(factory) as session:
            now = utcnow()
            lows = {_key(item): item for item in low_stock(session)}
            open_alerts = {
                (("material", r.material_id) if r.material_id is not None
                 else ("product", r.product_id)): r.id
                for r in session.execute(select(A.c.id, A.c.material_id, A.c.product_id)
                                         .where(A.c.cleared_at.is_(None)))
            }
            recovered = [alert_id for key, alert_id in open_alerts.items() if key not in lows]
            if recovered:
                session.execute(update(A).where(A.c.id.in_(recovered)).values(cleared_at=now))
            crossings = []
            for key, item in lows.items():
                if key in open_alerts:
                    continue
                alert_id = session.execute(insert(A).returning(A.c.id), {
                    "material_id": item.get("material_id"), "product_id": item.get("product_id"),
                    "on_hand": item["on_hand"], "min_quantity": item["min_quantity"],
                    "crossed_at": now}).scalar_one()
                crossings.append({"event": "low_stock", "alert_id": alert_id, **item,
                                  "crossed_at": now})
            return crossings + _expiring_news(session, now)
    except IntegrityError:
        # Another process recorded the same crossing at the same moment; it tells the webhook.
        log.info("low-stock crossing recorded concurrently elsewhere")
        return []


def _expiring_news(session: Any, now: Any) -> list[dict]:
    """Record each batch or lot newly within EXPIRING_DAYS of its date; return them as events."""
    soon = expiring(session, EXPIRING_DAYS, now, today())
    if not soon:
        return []
    told = {("batch", r.batch_id) if r.batch_id is not None else ("lot", r.lot_id)
            for r in session.execute(select(E.c.batch_id, E.c.lot_id))}
    news = []
    for item in soon:
        key = ("batch", item["batch_id"]) if "batch_id" in item else ("lot", item["lot_id"])
        if key in told:
            continue
        alert_id = session.execute(insert(E).returning(E.c.id), {
            "batch_id": item.get("batch_id"), "lot_id": item.get("lot_id"),
            "created_at": now}).scalar_one()
        news.append({"event": "expiring", "alert_id": alert_id,
                     "kind": "material" if "batch_id" in item else "product", **item})
    return news


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):  # every figure of a crossing or an expiry is a quantity
        return quantity_text(value)
    if not hasattr(value, "hour"):  # a date (a batch's expiry date)
        return str(value.isoformat())
    return as_utc(value).isoformat()


def deliver(url: str, alert: dict, timeout: float = WEBHOOK_TIMEOUT) -> bool:
    """POST one crossing as JSON; True when the receiver answered 2xx."""
    payload = {k: v for k, v in alert.items() if v is not None}
    body = json.dumps(payload, default=_json_default).encode()
    req = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - checked at start
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "bakery-alerts"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 # nosec B310 - http(s) only, checked at start
            return 200 <= response.status < 300
    except Exception as exc:  # noqa: BLE001 - a webhook must never break the app
        log.warning("stock webhook failed: %s", exc.__class__.__name__)
        return False


def deliver_with_retries(url: str, alert: dict, timeout: float = WEBHOOK_TIMEOUT,
                         retries: int = RETRIES, backoff: float = BACKOFF,
                         sleep: Callable[[float], None] = time.sleep) -> bool:
    """Deliver, and after a failure try again `retries` times, waiting backoff, 2x, 4x..."""
    for attempt in range(retries + 1):
        if deliver(url, alert, timeout):
            return True
        if attempt < retries:
            sleep(backoff * 2 ** attempt)
    log.warning("stock webhook gave up on %s %s after %d tries", alert.get("event"),
                alert.get("alert_id"), retries + 1)
    return False


class AlertWatcher:
    """A per-process worker that sweeps for crossings after writes and tells the webhook."""

    def __init__(self, factory: SessionFactory, url: str, timeout: float = WEBHOOK_TIMEOUT,
                 retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.factory, self.url, self.timeout = factory, url, timeout
        self.retries, self.backoff = retries, backoff
        self._queue: queue.Queue[None] = queue.Queue(maxsize=1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def poke(self) -> None:
        """Ask for a sweep soon; never blocks (pokes arriving while one is pending merge)."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass

    def wait_idle(self) -> None:
        """Block until every poke so far has been swept and delivered (for tests and shutdown)."""
        self._queue.join()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="bakery-alerts", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._queue.get()
            try:
                self.run_once()
            except Exception:  # keep the worker alive whatever happens
                log.exception("low-stock sweep failed")
            finally:
                self._queue.task_done()

    def run_once(self) -> None:
        for alert in sweep(self.factory):
            if deliver_with_retries(self.url, alert, self.timeout, self.retries, self.backoff):
                table = E if alert["event"] == "expiring" else A
                with transaction(self.factory) as session:
                    session.execute(update(table).where(table.c.id == alert["alert_id"])
                                    .values(notified_at=utcnow()))
