"""Request ids, JSON log lines and the Prometheus figures, in process (both databases)."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bakery.logs import JsonFormatter, RequestIdFilter


def _value(name: str, **labels: str) -> float:
    """A sample of this process's registry (0 before it was first counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_sane_request_id_is_echoed_and_a_missing_or_odd_one_replaced(app: Any) -> None:
    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1f2e.3d"}).headers["X-Request-ID"] == "lb-1f2e.3d"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for odd in ("has space", "x" * 129, "quote\"d", "<script>"):
        answer = client.get("/healthz", headers={"X-Request-ID": odd}).headers["X-Request-ID"]
        assert answer != odd and re.fullmatch(r"[0-9a-f]{32}", answer)


def test_every_line_logged_during_a_request_carries_its_id(app: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bakery.test.requests")
    logger.addHandler(handler)

    @app.get("/_log_twice")
    def log_twice() -> Any:
        logger.warning("first")
        logger.warning("second")
        return {"ok": True}

    try:
        app.test_client().get("/_log_twice", headers={"X-Request-ID": "req-abc"})
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["message"], line.get("request_id")) for line in lines] == [
        ("first", "req-abc"), ("second", "req-abc"), ("outside any request", None)]
    assert all(line["level"] == "WARNING" and line["time"] for line in lines)


def test_metrics_count_requests_by_route_pattern_not_by_raw_path(app: Any, api: Any) -> None:
    before = _value("bakery_http_requests_total", method="GET",
                    endpoint="/api/v1/materials/<int:material_id>", status="404")
    api.get("/materials/999999")
    api.get("/materials/888888")
    text = app.test_client().get("/metrics")
    assert text.status_code == 200
    assert text.headers["Content-Type"].startswith("text/plain; version=")
    body = text.get_data(as_text=True)
    assert "bakery_http_request_duration_seconds_bucket" in body
    assert "/materials/999999" not in body
    assert _value("bakery_http_requests_total", method="GET",
                  endpoint="/api/v1/materials/<int:material_id>", status="404") == before + 2


def test_sales_and_production_are_counted_once_committed_and_never_when_refused(
        app: Any, bakery: Any) -> None:
    sales, runs = _value("bakery_sales_total"), _value("bakery_production_runs_total")
    bread = bakery.stocked_bread(loaves=3)
    assert _value("bakery_production_runs_total") == runs + 1
    bakery.sell({bread: "2"})
    assert _value("bakery_sales_total") == sales + 1
    bakery.sell({bread: "5"}, status=409)  # not enough bread: rolled back, not counted
    assert _value("bakery_sales_total") == sales + 1
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert re.search(r"^bakery_sales_total \d", body, re.M)
    assert re.search(r"^bakery_production_runs_total \d", body, re.M)


@pytest.mark.postgres
def test_pool_gauges_follow_connections_checked_out(pg_url: str, tmp_path: Any) -> None:
    from bakery import create_app
    from tests.conftest import make_settings

    capacity = _value("bakery_db_pool_capacity")
    app = create_app(settings=make_settings(pg_url, tmp_path, db_pool_size=3, db_max_overflow=2))
    try:
        assert _value("bakery_db_pool_capacity") == capacity + 5
        engine = app.extensions["bakery.engine"]
        in_use = _value("bakery_db_pool_connections_in_use")
        with engine.connect(), engine.connect():
            assert _value("bakery_db_pool_connections_in_use") == in_use + 2
        assert _value("bakery_db_pool_connections_in_use") == in_use
    finally:
        app.extensions["bakery.engine"].dispose()
