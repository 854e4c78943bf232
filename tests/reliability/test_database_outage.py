"""PostgreSQL goes away during the load and comes back: the app answers 503 (JSON, quickly)
while it is down and recovers by itself, without a restart; /readyz follows."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from bakery.db.engine import PING_AFTER_IDLE
from bakery.db.migrate import upgrade
from bench.servers import PrivatePostgres, http

from .load import Load, audit, scarce_bakery


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    problem = server.available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    try:
        server.init().start()
        yield server
    finally:
        server.destroy()


def _poll(base: str, path: str, want: int, timeout: float) -> float:
    """Seconds until GET path answers `want`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, _ = http("GET", base + path, timeout=10)
        if status == want:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{path} did not answer {want} within {timeout}s")


def test_app_answers_503_while_the_database_is_down_and_recovers_by_itself(
        private_pg, start_servers, heavy, report):
    url = private_pg.create_database("bakery_outage")
    upgrade(url)
    shop = scarce_bakery(url, products=4, loaves=2000, flour_per_batch="2000")
    [server] = start_servers(url, count=1, workers=2, threads=4,
                             env={"DB_CONNECT_TIMEOUT": "2"})
    outages = 2 if heavy else 1
    load = Load([server.base], shop, clients=8, requests_per_client=100_000, timeout=20)
    threads = load.start()
    down_answers: list[tuple[int, float, object]] = []
    ready_during_outage: list[int] = []
    recovery_seconds = []
    try:
        for _ in range(outages):
            time.sleep(0.5)
            before = len(load.acknowledged("sale"))
            private_pg.stop("fast")
            for _ in range(10):
                started = time.monotonic()
                status, body = http("POST", server.base + "/api/v1/sales", {"items": [
                    {"product_id": shop.products[0], "quantity": "1"}]}, shop.headers, timeout=30)
                down_answers.append((status, time.monotonic() - started, body))
                ready_during_outage.append(http("GET", server.base + "/readyz")[0])
            private_pg.start()
            recovery_seconds.append(round(_poll(server.base, "/readyz", 200, 60), 2))
            deadline = time.monotonic() + 30
            while len(load.acknowledged("sale")) <= before + 10:
                assert time.monotonic() < deadline, f"sales did not resume: {load.statuses()}"
                time.sleep(0.05)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)

    # A restart while the app is idle: pooled connections are dead, but the first sale after
    # the pause still succeeds, because a connection idle for a while is checked before use.
    private_pg.stop("fast")
    private_pg.start()
    time.sleep(PING_AFTER_IDLE + 0.5)
    after_idle = http("POST", server.base + "/api/v1/sales", {"items": [
        {"product_id": shop.products[1], "quantity": "1"}]}, shop.headers)[0]

    statuses = load.statuses()
    figures = audit(url, load, exact=False)
    slowest = max(elapsed for _, elapsed, _ in down_answers)
    report({"outages": outages, "requests": len(load.answers) + len(down_answers),
            "statuses": dict(statuses), "probes_while_down": len(down_answers),
            "slowest_503_s": round(slowest, 3), "readyz_while_down": sorted(set(ready_during_outage)),
            "recovery_s": recovery_seconds, "first_sale_after_idle_restart": after_idle,
            "app_restarts": 0, **figures})

    assert all(status == 503 for status, _, _ in down_answers), down_answers
    assert all(body["error"]["code"] == "unavailable" for _, _, body in down_answers)
    assert slowest < 3.0, f"a 503 took {slowest:.2f}s"
    assert set(ready_during_outage) == {503}
    assert set(statuses) <= {201, 409, 503}, statuses
    assert server.process is not None and server.process.poll() is None, "the app was restarted"
    assert after_idle == 201
    assert figures["problems"] == {}
