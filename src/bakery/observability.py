"""Request ids on every log line, and Prometheus metrics served at `/metrics`.

Under gunicorn every worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (`bakery serve`
sets it) each worker writes its figures to files there and `/metrics` adds up all of them, so a
scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON = "HTTP_X_REQUEST_ID"  # the header as WSGI hands it over
# A caller's id is kept when it is a sane token (a proxy's or a load balancer's); else we make one.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LISTENERS = "bakery.metrics.listeners"  # (target, event name, function) of every listener

# `<int(max=…):id>` is labelled `<int:id>`: the route, not its converter's bounds.
_CONVERTER_ARGS = re.compile(r"<(\w+)\([^)]*\):")
REQUESTS = Counter("bakery_http_requests", "HTTP requests answered, by endpoint and status",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("bakery_http_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SALES = Counter("bakery_sales", "Sales recorded (committed)")
PRODUCTION_RUNS = Counter("bakery_production_runs", "Production runs recorded (committed)")
POOL_IN_USE = Gauge("bakery_db_pool_connections_in_use", "Database connections checked out now",
                    multiprocess_mode="livesum")
POOL_OPEN = Gauge("bakery_db_pool_connections_open", "Database connections open (idle or in use)",
                  multiprocess_mode="livesum")
POOL_CAPACITY = Gauge("bakery_db_pool_capacity", "Most connections the pools may open "
                      "(pool size plus overflow, all processes)", multiprocess_mode="livesum")


def init_app(app: Flask) -> None:
    """Request ids, request metrics, business counters, pool gauges and the `/metrics` view.

    The request id and the request metrics are hooks of their own, and the event listeners are
    kept in `app.extensions[LISTENERS]`, so each per-request cost can be measured on its own
    (bench/request_costs.py).
    """
    app.before_request(assign_request_id)
    app.before_request(start_timer)
    app.after_request(echo_request_id)
    app.after_request(record_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)
    app.extensions[LISTENERS] = (watch_pool(app.extensions["bakery.engine"])
                                 + count_commits(app.extensions["bakery.sessions"]))


def assign_request_id() -> None:
    """The caller's X-Request-ID when it is a sane token, else a new one (128 random bits)."""
    incoming = request.environ.get(_REQUEST_ID_ENVIRON, "")
    g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else os.urandom(16).hex()


def echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or os.urandom(16).hex()
    return response


def start_timer() -> None:
    g.request_started = time.perf_counter()


# (method, route, status) -> the latency histogram's and the request counter's children: looking
# a labelled child up costs more than observing it. As many entries as prometheus keeps children.
_SERIES: dict[tuple[str, str | None, int], tuple[Any, Any]] = {}


def _series(method: str, rule: str | None, status: int) -> tuple[Any, Any]:
    key = (method, rule, status)
    found = _SERIES.get(key)
    if found is None:
        # The route's pattern, not the raw path, so ids do not explode the label values.
        endpoint = _CONVERTER_ARGS.sub(r"<\1:", rule) if rule is not None else "unmatched"
        found = _SERIES[key] = (LATENCY.labels(method, endpoint),
                                REQUESTS.labels(method, endpoint, str(status)))
    return found


def record_request(response: Response) -> Response:
    """Count the request and its latency under its route's pattern."""
    started = g.get("request_started")
    if started is not None and request.endpoint != "metrics":
        rule = request.url_rule
        latency, count = _series(request.method, rule.rule if rule is not None else None,
                                 response.status_code)
        latency.observe(time.perf_counter() - started)
        count.inc()
    return response


def registry() -> CollectorRegistry:
    """All processes' figures when running multi-process, this process's otherwise."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def may_scrape(token: str | None) -> bool:
    """Whether this request may read the metrics.

    With METRICS_TOKEN set: only with `Authorization: Bearer <METRICS_TOKEN>`. Without it: only
    a request made on this machine straight to the app (a local Prometheus, `curl localhost`).
    The address checked is the socket's own, before ProxyFix rewrites it, and a request that came
    through a proxy (it carries X-Forwarded-For or Forwarded) never counts as local, so a public
    ingress, load balancer or platform router in front of the app cannot reach the figures.
    """
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                   token.encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR",
                                                                  request.remote_addr)
    try:
        return ipaddress.ip_address(peer or "").is_loopback
    except ValueError:
        return False


def metrics_view() -> Response:
    token = current_app.extensions["bakery.settings"].metrics_token
    if not may_scrape(token):
        from .errors import error_response

        if token:
            return error_response(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>",
                                  headers={"WWW-Authenticate": "Bearer"})
        return error_response(404, "not_found", "metrics are served to this machine only; set "
                              "METRICS_TOKEN to scrape from elsewhere")
    return Response(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


Listener = tuple[Any, str, Callable[..., Any]]


def _listen(target: Any, name: str, function: Callable[..., Any]) -> Listener:
    event.listen(target, name, function)
    return (target, name, function)


def watch_pool(engine: Engine) -> list[Listener]:
    """Keep the pool gauges in step with connections opened, closed, checked out and back in."""
    pool = engine.pool
    capacity = getattr(pool, "size", lambda: 0)() + max(getattr(pool, "_max_overflow", 0), 0)
    POOL_CAPACITY.inc(capacity)
    return [_listen(pool, "connect", lambda *_: POOL_OPEN.inc()),
            _listen(pool, "close", lambda *_: POOL_OPEN.dec()),
            _listen(pool, "detach", lambda *_: POOL_OPEN.dec()),
            _listen(pool, "checkout", lambda *_: POOL_IN_USE.inc()),
            _listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())]


def count_commits(factory: sessionmaker[Session]) -> list[Listener]:
    """Count sales and production runs when their transaction commits, whoever made them.

    Rows inserted through the Session (ORM objects, Core inserts) are seen here; a use case
    that writes through the Connection notes its rows itself (`note_created`).
    """
    from .db.models import ProductionRun, Sale
    from .services.ledger import CREATED_ROWS, note_created

    counters = {Sale.__table__: SALES, ProductionRun.__table__: PRODUCTION_RUNS}

    def core_inserts(state: Any) -> None:
        table = getattr(state.statement, "table", None)
        if state.is_insert and table in counters:
            params = state.parameters
            note_created(state.session, table, len(params) if isinstance(params, list) else 1)

    def orm_inserts(session: Session, _context: Any) -> None:
        for obj in session.new:
            table = getattr(obj, "__table__", None)
            if table in counters:
                note_created(session, table)

    def committed(session: Session) -> None:
        for table, count in session.info.pop(CREATED_ROWS, {}).items():
            if table in counters:
                counters[table].inc(count)

    def rolled_back(session: Session) -> None:
        session.info.pop(CREATED_ROWS, None)

    return [_listen(factory, "do_orm_execute", core_inserts),
            _listen(factory, "after_flush", orm_inserts),
            _listen(factory, "after_commit", committed),
            _listen(factory, "after_rollback", rolled_back)]


def mark_worker_dead(pid: int) -> None:
    """Drop a finished worker's live gauges (gunicorn's child_exit hook)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
