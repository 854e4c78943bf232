"""The production server as the container runs it: gunicorn, production settings, PostgreSQL.

One server start covers start-up (migrations first), health, readiness, a sale, request ids in
JSON logs, metrics added up across workers, and a graceful stop that lets a request in flight
finish: the test holds a row lock so a sale waits inside the database, sends SIGTERM, then lets
the sale go and sees it answered before the server exits.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from .server import BAKERY, Server, wait_for

pytestmark = pytest.mark.postgres


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def empty_pg_url(pg_server: Any) -> Any:
    """A PostgreSQL database with no schema at all: `bakery serve` must migrate it first."""
    url = pg_server.create(migrated=False)
    yield url
    pg_server.drop(url)


@pytest.fixture(params=["1", "4"], ids=["sync-workers", "threaded-workers"])
def server(request: pytest.FixtureRequest, empty_pg_url: str, tmp_path: Path) -> Any:
    env = {
        "BAKERY_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": empty_pg_url,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": request.param,
        "GUNICORN_GRACEFUL_TIMEOUT": "60",
        "BAKERY_ADMIN_EMAIL": "owner@bakery.test",
        "BAKERY_ADMIN_PASSWORD": "a long and honest password",
        "BAKERY_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    running = Server(env, tmp_path / "server.log")
    running.worker_class = "sync" if request.param == "1" else "gthread"
    try:
        yield running
    finally:
        running.stop()


def _blocked_backends(url: str) -> int:
    """How many sessions on this database are waiting for a lock right now."""
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(_libpq(url).rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                           "AND wait_event_type = 'Lock'", (name,)).fetchone()
    return int(row[0]) if row else 0


def _metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


def test_production_server_serves_a_sale_and_finishes_it_when_stopped(server: Server,
                                                                       empty_pg_url: str) -> None:
    server.wait_until_healthy()
    assert f"Using worker: {server.worker_class}" in server.output()
    # Every line the server writes is one JSON object, from the first (migrations, the admin).
    lines = [json.loads(line) for line in server.output().splitlines()]
    assert [line["message"] for line in lines[:2]] == [
        "database schema is up to date", "created the first admin owner@bakery.test"]
    assert server.get("/readyz").json() == {"status": "ok", "database": "ok"}
    # The container's HEALTHCHECK command, as Docker and ECS run it.
    for path in ("/healthz", "/readyz"):
        check = subprocess.run([BAKERY, "healthcheck", "--path", path], capture_output=True,
                               text=True, timeout=30, env={**os.environ, "PORT": str(server.port)})
        assert check.returncode == 0, check.stderr

    token = server.post("/api/v1/auth/tokens", json={
        "email": "owner@bakery.test", "password": "a long and honest password"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    def ok(path: str, body: dict, status: int = 201, **headers: str) -> dict:
        response = server.post("/api/v1" + path, json=body, headers={**auth, **headers})
        assert response.status_code == status, response.text
        return response.json()

    flour = ok("/materials", {"name": "Flour", "unit": "kg", "min_quantity": "5"})["id"]
    ok(f"/materials/{flour}/batches", {"quantity": "20", "cost_per_unit": "0.80",
                                      "purchase_date": "2026-11-01"})
    bread = ok("/products", {"name": "Bread", "price": "3.50"})["id"]
    recipe = ok("/recipes", {"name": "Bread", "product_id": bread, "yield_quantity": "10",
                             "ingredients": [{"material_id": flour, "quantity": "5"}]})["id"]
    ok("/production-runs", {"recipe_id": recipe, "batches": 2})
    sale = ok("/sales", {"items": [{"product_id": bread, "quantity": "3"}]},
              **{"X-Request-ID": "till-7-sale-0001"})
    assert sale["total"] == "10.50"

    # Request ids: the caller's is echoed, a missing one is made up, and log lines carry them.
    assert server.get("/healthz", headers={"X-Request-ID": "probe-42"}).headers["X-Request-ID"] == "probe-42"
    assert re.fullmatch(r"[0-9a-f]{32}", server.get("/healthz").headers["X-Request-ID"])
    access = wait_for(lambda: [line for line in server.log_lines()
                               if line.get("request_id") == "till-7-sale-0001"],
                      10, "the sale's access-log line")
    assert access[0]["logger"] == "gunicorn.access"
    assert access[0]["status"] == 201 and access[0]["path"] == "/api/v1/sales"

    # Metrics from both workers are added up: 20 fresh connections spread over the workers.
    before = _metric(server.get("/metrics").text, "bakery_http_requests_total",
                     endpoint="/healthz", status="200")
    for _ in range(20):
        requests.get(server.base + "/healthz", timeout=30, headers={"Connection": "close"})
    metrics = server.get("/metrics").text
    assert _metric(metrics, "bakery_http_requests_total", endpoint="/healthz", status="200") == before + 20
    assert _metric(metrics, "bakery_sales_total") == 1
    assert _metric(metrics, "bakery_production_runs_total") == 1
    assert _metric(metrics, "bakery_db_pool_capacity") > 0
    assert _metric(metrics, "bakery_http_request_duration_seconds_count",
                   endpoint="/api/v1/sales", method="POST") == 1
    pids = {line.get("message", "").rsplit(" ", 1)[-1] for line in server.log_lines()
            if "Booting worker with pid" in line.get("message", "")}
    assert len(pids) == 2

    # A sale that waits on a row lock the test holds; SIGTERM arrives while it waits.
    answers: list[requests.Response | BaseException] = []
    with psycopg.connect(_libpq(empty_pg_url)) as holder:
        holder.execute("SELECT id FROM products WHERE id = %s FOR UPDATE", (bread,))

        def slow_sale() -> None:
            try:
                answers.append(server.post("/api/v1/sales", headers=auth, json={
                    "items": [{"product_id": bread, "quantity": "2"}]}))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                answers.append(exc)

        caller = threading.Thread(target=slow_sale)
        caller.start()
        wait_for(lambda: _blocked_backends(empty_pg_url) >= 1, 30, "the sale to wait on the lock")
        server.terminate()
        wait_for(lambda: "Handling signal: term" in server.output(), 30,
                 "gunicorn to start its graceful shutdown")
        wait_for(lambda: "Worker exiting" in server.output(), 30, "the idle worker to exit")
        assert server.process.poll() is None, "the server must wait for the sale in flight"
        assert not answers, "the sale must still be waiting for the lock"
        holder.rollback()  # release the lock: the waiting sale goes ahead

    caller.join(timeout=60)
    assert len(answers) == 1
    answer = answers[0]
    assert isinstance(answer, requests.Response), answer
    assert answer.status_code == 201, answer.text
    assert answer.json()["total"] == "7.00"
    assert server.process.wait(timeout=60) == 0
    assert all(json.loads(line)["time"] for line in server.output().splitlines())

    with psycopg.connect(_libpq(empty_pg_url)) as conn:
        assert conn.execute("SELECT count(*) FROM sales").fetchone() == (2,)
