"""CPU instructions per request, and the share of each per-request piece, counted with callgrind.

    .venv/bin/python bench/request_costs.py [--sqlite | --postgresql] [--requests N]

Three requests through Flask's test client on a real database (a SQLite file, and a uniquely
named PostgreSQL database on BAKERY_TEST_PG, dropped afterwards): `GET /healthz`, an
authenticated `GET /api/v1/users/{id}` with the token cache warm, and `POST /api/v1/sales` of
one unit. Each is counted with every piece on, then with one piece switched off in the measuring
process (its hook removed or its function replaced), so the difference is that piece's cost:

- token check: `principal_for_token` replaced by a constant principal (and, as a separate row,
  the extra cost of the check with the token cache off: TOKEN_CACHE_SECONDS=0);
- rate limiter: the `limit_requests` hook removed (the API budget is set beyond reach, so it
  counts every request but never refuses one);
- security headers: the `add_security_headers` and `relative_location` hooks removed;
- request id: the `assign_request_id` and `echo_request_id` hooks removed;
- metrics: the `start_timer` and `record_request` hooks and the pool and commit listeners removed;
- logging: `logging.disable()`; nothing is logged on a request that succeeds, so this is the
  cost of the checks only. One line of gunicorn's access log in the JSON format (written by the
  server, outside Flask) is counted on its own.

How start-up is left out: valgrind runs with `--collect-atstart=no --toggle-collect=
sys_call_tracing --dump-after=sys_call_tracing`, and each measured batch of N requests runs
inside `sys.call_tracing(...)` (a CPython function nothing else in the app calls; with no trace
function set it only calls its argument). Instructions are collected only inside it, and each
batch ends with a dump of its own, so imports, migrations, the app's start and the warm-up
requests (50 of each kind first, then 5 before each batch, so caches, the pool and the token
cache are warm) count nowhere.
Instruction counts do not depend on how busy the machine is; the app's clock is frozen in the
measuring process so a warm token cache stays warm however slowly valgrind runs, and
PYTHONHASHSEED is fixed. Garbage collection runs before each batch and is paused during it, so
a collection that falls in one batch and not in another does not pass for a piece's cost. The whole
request is counted before and after each piece's batch and the piece compared with the mean of
those two counts; the spread of all of them is printed as the noise (a piece costing less than
that is too cheap to tell apart). The figure includes the test client's own work (building the WSGI
environ, reading the response), the same for every variant.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import BENCH_ENV, ROOT, bench_database, machine, need, open_shop, stock_products, table

KINDS = ("GET /healthz", "GET /api/v1/users/{id}", "POST /api/v1/sales")
PIECES = ("token check", "token check: cache off (extra)", "rate limiter", "security headers",
          "request id", "metrics", "logging")
ACCESS_LOG = "gunicorn access-log line (JSON), outside Flask"
WARM_UP = 5
GLOBAL_WARM_UP = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sqlite", action="store_true", help="SQLite only")
    which.add_argument("--postgresql", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=20, help="requests per measured batch")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(json.loads(args.child))
        return
    need("valgrind", "apt-get install valgrind")
    print(f"machine: {machine()}")
    print(f"{args.requests} requests per batch, instructions counted by callgrind "
          "(M = millions, k = thousands)\n")
    for sqlite in ([True] if args.sqlite else [False] if args.postgresql else [True, False]):
        with bench_database(sqlite) as url:
            figures = run_under_callgrind(url, args.requests)
        print(f"database: {'SQLite' if sqlite else 'PostgreSQL'}")
        print(report(figures))
        print()


def run_under_callgrind(url: str, requests: int) -> dict[str, float]:
    """Run `measure` in a child under callgrind; instructions per request of each batch."""
    shop = open_shop(url)
    products = stock_products(shop, 1, Decimal(100_000))
    plan = {"url": url, "token": shop.token, "user_id": shop.user_id, "product": products[0],
            "requests": requests}
    with tempfile.TemporaryDirectory(prefix="bakery-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=sys_call_tracing", "--dump-after=sys_call_tracing",
             f"--callgrind-out-file={out}", sys.executable, __file__, "--child", json.dumps(plan)],
            env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT / "src")},
            capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            sys.exit(f"the measuring process failed:\n{done.stderr[-3000:]}")
        labels = json.loads(next(line for line in done.stdout.splitlines()
                                 if line.startswith("BATCHES "))[len("BATCHES "):])
        counts = [_total(Path(f"{out}.{number}")) for number in range(1, len(labels) + 1)]
    return {label: count / size for (label, size), count in zip(labels, counts, strict=True)}


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


def report(figures: dict[str, float]) -> str:
    """Each piece against the whole request counted just before and just after it."""
    def whole(kind: str, number: int) -> float:
        return figures[f"{kind}|all on {number}"]

    def mean_whole(kind: str) -> float:
        return sum(whole(kind, n) for n in range(len(PIECES) + 1)) / (len(PIECES) + 1)

    rows: list[list[Any]] = [["whole request (mean of its counts)",
                              *(_amount(mean_whole(kind)) for kind in KINDS)]]
    for number, piece in enumerate(PIECES):
        row: list[Any] = [piece]
        for kind in KINDS:
            around = (whole(kind, number) + whole(kind, number + 1)) / 2
            without = figures[f"{kind}|{piece}"]
            cost = without - around if piece.endswith("(extra)") else around - without
            row.append(f"{_amount(cost)} ({100 * cost / around:.1f}%)")
        rows.append(row)
    rows.append(["noise: spread of the whole request's counts", *(
        _amount(max(whole(kind, n) for n in range(len(PIECES) + 1))
                - min(whole(kind, n) for n in range(len(PIECES) + 1))) for kind in KINDS)])
    text = table(["instructions per request", *KINDS], rows)
    return f"{text}\n\n{ACCESS_LOG}: {_amount(figures[ACCESS_LOG])} per line"


def _amount(count: float) -> str:
    return f"{count / 1e6:.2f} M" if abs(count) >= 1e6 else f"{count / 1e3:.0f} k"


# --- in the measuring process, under valgrind ----------------------------------------------------

def measure(plan: dict[str, Any]) -> None:
    """Warm up, then run each request kind in batches with each piece off in turn."""
    from datetime import datetime, timezone

    from bakery import create_app
    from bakery.clock import Clock, install
    from bakery.config import Settings

    settings = Settings(env="production", database_url=plan["url"], secret_key="s" * 40,
                        log_level="WARNING", log_format="json",
                        api_rate_limit=BENCH_ENV["API_RATE_LIMIT"], migrate_on_start=False)
    app = create_app(settings=settings)
    install(app, Clock(frozen_at=datetime.now(timezone.utc)))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plan['token']}"}
    sale = {"items": [{"product_id": plan["product"], "quantity": "1"}]}
    calls: dict[str, Callable[[], Any]] = {
        KINDS[0]: lambda: client.get("/healthz"),
        KINDS[1]: lambda: client.get(f"/api/v1/users/{plan['user_id']}", headers=headers),
        KINDS[2]: lambda: client.post("/api/v1/sales", json=sale, headers=headers),
    }
    expected = {KINDS[0]: 200, KINDS[1]: 200, KINDS[2]: 201}
    batches: list[tuple[str, int]] = []
    size = plan["requests"]

    def batch(label: str, call: Callable[[], Any], status: int | None) -> None:
        for _ in range(WARM_UP):
            response = call()
            if status is not None and response.status_code != status:
                raise RuntimeError(f"{label}: {response.status_code} {response.get_data()[:300]!r}")
        gc.collect()
        gc.disable()
        try:
            sys.call_tracing(_repeat, (call, size))
        finally:
            gc.enable()
        batches.append((label, size))

    for kind in KINDS:  # first calls build caches, specialise bytecode, open connections
        for _ in range(GLOBAL_WARM_UP):
            calls[kind]()
    for number, variant in enumerate(PIECES):
        for kind in KINDS:
            batch(f"{kind}|all on {number}", calls[kind], expected[kind])
        with switched_off(app, variant, plan["user_id"]):
            for kind in KINDS:
                batch(f"{kind}|{variant}", calls[kind], expected[kind])
    for kind in KINDS:
        batch(f"{kind}|all on {len(PIECES)}", calls[kind], expected[kind])
    batch(ACCESS_LOG, _access_log_line(), None)
    app.extensions["bakery.engine"].dispose()
    print("BATCHES " + json.dumps(batches), flush=True)


def _repeat(call: Callable[[], Any], times: int) -> None:
    for _ in range(times):
        call()


@contextmanager
def switched_off(app: Any, piece: str, user_id: int) -> Iterator[None]:
    """The app with one per-request piece removed, put back afterwards."""
    from sqlalchemy import event

    from bakery import observability
    from bakery.api import registry
    from bakery.services import token_cache
    from bakery.services.users import Principal

    factory = app.extensions["bakery.sessions"]
    settings = app.extensions["bakery.settings"]
    hooks = {
        "rate limiter": ["limit_requests"],
        "security headers": ["add_security_headers", "relative_location"],
        "request id": ["assign_request_id", "echo_request_id"],
        "metrics": ["start_timer", "record_request"],
    }.get(piece, [])
    removed = _remove_hooks(app, hooks)
    listeners = app.extensions[observability.LISTENERS] if piece == "metrics" else []
    for target, name, function in listeners:
        event.remove(target, name, function)
    original_check = registry.principal_for_token
    if piece == "token check":
        principal = Principal(user_id, "admin@bakery.test", "admin")
        registry.principal_for_token = lambda _factory, _token: principal
    if piece.startswith("token check: cache off"):
        token_cache.attach(factory, 0)
    if piece == "logging":
        logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        token_cache.attach(factory, settings.token_cache_seconds)
        registry.principal_for_token = original_check
        for target, name, function in listeners:
            event.listen(target, name, function)
        for funcs, index, function in removed:  # lowest index first: each lands where it was
            funcs.insert(index, function)


def _remove_hooks(app: Any, names: list[str]) -> list[tuple[list, int, Any]]:
    removed = []
    for registry_of_hooks in (app.before_request_funcs, app.after_request_funcs):
        funcs = registry_of_hooks.setdefault(None, [])
        for index in reversed(range(len(funcs))):
            if funcs[index].__name__ in names:
                removed.append((funcs, index, funcs.pop(index)))
    found = {function.__name__ for _, _, function in removed}
    if found != set(names):
        raise RuntimeError(f"hooks not found: {sorted(set(names) - found)}")
    return sorted(removed, key=lambda item: (id(item[0]), item[1]))


def _access_log_line() -> Callable[[], None]:
    """One gunicorn access-log record as `bakery serve` writes it in production (JSON)."""
    import io

    from bakery.logs import JsonFormatter

    logger = logging.getLogger("bench.gunicorn.access")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    fmt = ('%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s')
    atoms = {"h": "127.0.0.1", "l": "-", "u": "-", "t": "[02/Dec/2026:06:00:00 +0000]",
             "r": "POST /api/v1/sales HTTP/1.1", "s": "201", "m": "POST",
             "U": "/api/v1/sales", "q": "", "H": "HTTP/1.1", "b": "312", "B": 312, "f": "-",
             "a": "wrk", "T": 0, "D": 1830, "M": 1, "L": "0.001830", "p": "<12345>",
             "{x-request-id}o": "4b1e0f5c8d0e4d4f9a7f0c3f2b1a6e9d"}
    stream = handler.stream

    def line() -> None:
        record = logger.makeRecord("gunicorn.access", logging.INFO, __file__, 0, fmt, (atoms,),
                                   None)
        logger.handle(record)
        stream.seek(0)
        stream.truncate()

    return line


if __name__ == "__main__":
    main()
