"""Sales per second through the whole app (gunicorn, PostgreSQL) against the same work in SQL.

    .venv/bin/python bench/sales_throughput.py [--seconds 10] [--products 8]

Creates its own database on the local PostgreSQL server (BAKERY_TEST_PG), serves the app with
gunicorn on a free 127.0.0.1 port, drives POST /api/v1/sales with wrk at 1, 4 and 16
connections, then runs pgbench with bench/sale.pgbench (lock the lot, draw it down, write the
sale, its line and its ledger row) at the same client counts, and prints the rates, p50/p99
latencies and the ratio. At each level it also drives GET /healthz, which passes the same
gunicorn, Flask and middleware but touches no database: the most any endpoint could reach on
this machine, GET /api/v1/users/{id}, which adds the token check and one read by key (the
lightest authenticated call), and GET /api/v1/products/{id}, the read a till makes most.
Afterwards it checks the ledger: nothing oversold, nothing failed.

The counter variant sells the same way with two payments (card and cash, with change) into an
open till session at each level, and prints its rate and CPU per sale next to the plain sale's:
a sale with them should cost at most 10% more (`counter_cost_at_16` in the verdict).
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal

from common import (
    BENCH_ENV,
    ROOT,
    AppServer,
    PgDatabases,
    cpu_seconds,
    machine,
    ms,
    open_shop,
    run_pgbench,
    run_wrk,
    run_wrk_get,
    stock_products,
    table,
)
from sqlalchemy import create_engine, text

LEVELS = (1, 4, 16)
# A 3.00 sale paid 2.00 by card and 5.00 in cash: 4.00 change, in an open till session.
COUNTER_PAYMENTS = '[{"method":"card","amount":"2.00"},{"method":"cash","amount":"5.00"}]'


def open_till(url: str, user_id: int) -> int:
    """An open till session for the counter variant's sales."""
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services.till import open_session

    engine = make_engine(url)
    session_id = open_session(make_session_factory(engine), till="bench", opening_float=Decimal(0),
                              user_id=user_id).resource_id
    engine.dispose()
    return session_id


def check_books(url: str, shop_products: list[int], stock_each: Decimal) -> dict:
    """After the run: no lot below zero, units sold == stock decrease, ledger == on hand."""
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.queries.inventory import ledger_mismatches

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        mismatches = ledger_mismatches(session)
        row = session.execute(text(
            "SELECT (SELECT coalesce(sum(quantity), 0) FROM sale_items) AS sold, "
            "(SELECT coalesce(sum(remaining), 0) FROM product_lots) AS left_, "
            "(SELECT count(*) FROM product_lots WHERE remaining < 0) AS negative, "
            "(SELECT count(*) FROM sales s WHERE NOT EXISTS "
            "   (SELECT 1 FROM sale_items i WHERE i.sale_id = s.id)) AS empty_sales")).one()
    engine.dispose()
    start = stock_each * len(shop_products)
    return {"sold": row.sold, "left": row.left_, "decrease": start - row.left_,
            "negative_lots": row.negative, "sales_without_items": row.empty_sales,
            "ledger_mismatches": len(mismatches),
            "ok": not mismatches and row.negative == 0 and row.empty_sales == 0
            and row.sold == start - row.left_}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per level and side")
    parser.add_argument("--products", type=int, default=8, help="products sold in turn")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    stock_each = Decimal(5_000_000)
    databases = PgDatabases(prefix="bakery_bench")
    server = None
    try:
        url = databases.create()
        shop = open_shop(url)
        products = stock_products(shop, args.products, stock_each)
        env = dict(BENCH_ENV)
        server = AppServer(url, workers=args.workers, threads=args.threads, env=env,
                           log_path=ROOT / "test-artifacts" / "bench-gunicorn.log")
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        server.start()
        run_wrk(server.base, shop, 4, 2, products)  # warm the pools and prepared statements
        extra = f',"till_session_id":{open_till(url, shop.user_id)},"payments":{COUNTER_PAYMENTS}'
        run_wrk(server.base, shop, 4, 2, products, extra=extra)
        app_runs, floor_runs, read_runs, counter_runs, product_runs = {}, {}, {}, {}, {}
        for c in LEVELS:
            floor_runs[c] = run_wrk_get(server.base + "/healthz", c, args.seconds)
            read_runs[c] = run_wrk_get(f"{server.base}/api/v1/users/{shop.user_id}", c,
                                       args.seconds, shop.token)
            product_runs[c] = run_wrk_get(f"{server.base}/api/v1/products/{products[0]}", c,
                                          args.seconds, shop.token)
            workers = server.worker_pids()
            before = cpu_seconds(workers)
            app_runs[c] = run_wrk(server.base, shop, c, args.seconds, products)
            app_runs[c]["cpu_ms_per_sale"] = (cpu_seconds(workers) - before) * 1000 / max(
                app_runs[c]["created"], 1)
            before = cpu_seconds(workers)
            counter_runs[c] = run_wrk(server.base, shop, c, args.seconds, products, extra=extra)
            counter_runs[c]["cpu_ms_per_sale"] = (cpu_seconds(workers) - before) * 1000 / max(
                counter_runs[c]["created"], 1)
        server.close()
        server = None
        engine = create_engine(url)
        with engine.connect() as connection:
            lots = dict(connection.execute(text(
                "SELECT product_id, min(id) FROM product_lots WHERE remaining > 0 "
                "GROUP BY product_id")).all())
        engine.dispose()
        # pgbench sells the first product; the app spread its sales over all of them, so give
        # pgbench the same spread by running one client script per product in turn.
        script = ROOT / "bench" / "sale.pgbench"
        direct_runs = {}
        for c in LEVELS:
            direct_runs[c] = run_pgbench_spread(url, script, c, args.seconds, lots, shop.user_id)
        books = check_books(url, products, stock_each)
    finally:
        if server is not None:
            server.close()
        databases.drop_all()
    rows, floor_rows = [], []
    for c in LEVELS:
        a, d, f, r = app_runs[c], direct_runs[c], floor_runs[c], read_runs[c]
        p = product_runs[c]
        floor_rows.append([c, f"{f['rate']:.0f}", ms(f["p99_us"]), f"{f['rate'] / d['rate']:.2f}",
                           f"{r['rate']:.0f}", ms(r["p50_us"]), ms(r["p99_us"]),
                           f"{r['rate'] / d['rate']:.2f}", f"{p['rate']:.0f}", ms(p["p99_us"]),
                           f"{p['rate'] / d['rate']:.2f}",
                           sum(x["other"] + x["socket_errors"] for x in (f, r, p))])
        rows.append([c, f"{a['rate']:.0f}", ms(a["p50_us"]), ms(a["p99_us"]),
                     f"{d['rate']:.0f}", ms(d["p50_us"]), ms(d["p99_us"]),
                     f"{a['rate'] / d['rate']:.2f}", f"{a['cpu_ms_per_sale']:.1f}",
                     a["other"] + a["socket_errors"], a["conflicts"]])
    print(f"machine: {machine()}")
    print(f"products sold in turn: {args.products}; {args.seconds}s per level; gunicorn "
          f"{args.workers or 'default'} workers x {args.threads or 'default'} threads")
    print(table(["connections", "app sales/s", "app p50 ms", "app p99 ms", "SQL sales/s",
                 "SQL p50 ms", "SQL p99 ms", "app/SQL", "app CPU ms/sale", "failed", "409"], rows))
    print("Reads through the same server: GET /healthz (no database, no token), "
          "GET /api/v1/users/{id} (the token check and one read by primary key) and "
          "GET /api/v1/products/{id} (a till's busiest read)")
    print(table(["connections", "healthz/s", "p99 ms", "healthz/SQL", "read/s", "p50 ms",
                 "p99 ms", "read/SQL", "product/s", "p99 ms", "product/SQL", "failed"],
                floor_rows))
    print("The counter variant: the same sales with two payments (card + cash with change) in a "
          "till session")
    counter_rows = []
    for c in LEVELS:
        a, k = app_runs[c], counter_runs[c]
        counter_rows.append([c, f"{a['rate']:.0f}", f"{k['rate']:.0f}", ms(k["p50_us"]),
                             ms(k["p99_us"]), f"{a['cpu_ms_per_sale']:.2f}",
                             f"{k['cpu_ms_per_sale']:.2f}", f"{a['rate'] / k['rate']:.3f}",
                             k["other"] + k["socket_errors"] + k["conflicts"]])
    print(table(["connections", "plain sales/s", "counter sales/s", "p50 ms", "p99 ms",
                 "plain CPU ms/sale", "counter CPU ms/sale", "cost ratio", "failed"],
                counter_rows))
    print("books after the run: " + ", ".join(f"{k}={v}" for k, v in books.items()))
    a16, d16 = app_runs[16], direct_runs[16]
    verdict = {"ratio_at_16": round(a16["rate"] / d16["rate"], 3), "target_ratio": 0.35,
               "moonshot_ratio": 0.5,
               "p99_ms_at_16": a16["p99_us"] / 1000, "target_p99_ms": 50,
               "failed": sum(r["other"] + r["socket_errors"] + r["conflicts"] for r in app_runs.values()),
               "books_ok": books["ok"],
               "healthz_ratio_at_16": round(floor_runs[16]["rate"] / d16["rate"], 3),
               "read_ratio_at_16": round(read_runs[16]["rate"] / d16["rate"], 3),
               "target_read_ratio": 0.6,
               "product_read_ratio_at_16": round(product_runs[16]["rate"] / d16["rate"], 3),
               "counter_cost_at_16": round(a16["rate"] / counter_runs[16]["rate"], 3),
               "target_counter_cost": 1.10}
    print("verdict: " + json.dumps(verdict))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": machine(), "app": app_runs, "counter": counter_runs,
                       "direct": direct_runs,
                       "healthz": floor_runs, "read": read_runs, "product_read": product_runs,
                       "books": {k: str(v) for k, v in books.items()}, "verdict": verdict},
                      handle, indent=2)


def run_pgbench_spread(url: str, script, clients: int, seconds: int, lots: dict[int, int],
                       user_id: int) -> dict:
    """pgbench over all products at once: one weighted script per product, picked at random."""
    import tempfile
    from pathlib import Path

    body = Path(script).read_text()
    with tempfile.TemporaryDirectory(prefix="bakery-pgbench-scripts-") as folder:
        files = []
        for product, lot in lots.items():
            path = Path(folder) / f"sale_{product}.sql"
            path.write_text(body.replace(":product", str(product)).replace(":lot", str(lot)))
            files.append(path)
        return run_pgbench(url, files, clients, seconds, {"user": user_id})


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"took {time.monotonic() - started:.0f}s")
