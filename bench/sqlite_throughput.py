"""Sales per second on the embedded SQLite default: the app (gunicorn) against plain sqlite3.

    .venv/bin/python bench/sqlite_throughput.py [--seconds 10] [--workers N] [--threads N]

Serves the app on a fresh SQLite file (WAL), drives POST /api/v1/sales with wrk at 1, 4 and 16
connections, then does the same work with Python's sqlite3 module and no HTTP or ORM (BEGIN
IMMEDIATE, read the lot, draw it down, write the sale, its line and its ledger row, COMMIT) in
1, 4 and 16 processes, with the same pragmas. SQLite admits one writer at a time, so the
direct rate is the file's own limit. Target: the app reaches 0.15 of the direct rate. At each
level it also drives GET /healthz (no database): the most any endpoint could reach here.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import (
    BENCH_ENV,
    ROOT,
    AppServer,
    machine,
    ms,
    open_shop,
    percentile,
    run_wrk,
    run_wrk_get,
    stock_products,
    table,
)

LEVELS = (1, 4, 16)


def direct_sales(path: str, lots: list[tuple[int, int]], user_id: int, seconds: float,
                 start_at: float, queue: multiprocessing.Queue) -> None:
    """One process selling one unit per transaction until time is up."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")
    while time.time() < start_at:
        time.sleep(0.001)
    latencies, index = [], 0
    deadline = start_at + seconds
    while time.time() < deadline:
        product, lot = lots[index % len(lots)]
        index += 1
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        _remaining, cost = connection.execute(
            "SELECT remaining, unit_cost FROM product_lots WHERE id = ?", (lot,)).fetchone()
        connection.execute("UPDATE product_lots SET remaining = round(remaining - 1, 3) "
                           "WHERE id = ?", (lot,))
        sale = connection.execute(
            "INSERT INTO sales (total, cost, created_at, created_by) VALUES "
            "(3.00, ?, datetime('now'), ?) RETURNING id", (cost, user_id)).fetchone()[0]
        connection.execute(
            "INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost)"
            " VALUES (?, ?, 1, 3.00, 3.00, ?)", (sale, product, cost))
        connection.execute(
            "INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, "
            "ref_id, created_at, created_by) VALUES (?, ?, -1, ?, 'sale', 'sale', ?, "
            "datetime('now'), ?)", (product, lot, cost, sale, user_id))
        connection.execute("COMMIT")
        latencies.append((time.perf_counter() - began) * 1e6)
    connection.close()
    queue.put(latencies)


def run_direct(path: str, lots: list[tuple[int, int]], user_id: int, processes: int,
               seconds: int) -> dict:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    workers = [multiprocessing.Process(target=direct_sales,
                                       args=(path, lots, user_id, seconds, start_at, queue))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    latencies = sorted(x for _ in workers for x in queue.get(timeout=seconds + 120))
    for worker in workers:
        worker.join()
    return {"rate": len(latencies) / seconds, "p50_us": percentile(latencies, 50),
            "p99_us": percentile(latencies, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: as bakery serve, two per CPU)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: as bakery serve, 1)")
    parser.add_argument("--products", type=int, default=8)
    args = parser.parse_args()
    from bakery.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bakery-sqlite-bench-") as folder:
        path = str(Path(folder) / "bakery.db")
        url = f"sqlite:///{path}"
        upgrade(url)
        shop = open_shop(url)
        products = stock_products(shop, args.products, Decimal(5_000_000))
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        server = AppServer(url, env=dict(BENCH_ENV), workers=args.workers, threads=args.threads,
                           log_path=ROOT / "test-artifacts" / "bench-sqlite.log")
        try:
            server.start()
            run_wrk(server.base, shop, 4, 2, products)
            app_runs = {c: run_wrk(server.base, shop, c, args.seconds, products) for c in LEVELS}
            floor_runs = {c: run_wrk_get(server.base + "/healthz", c, args.seconds)
                          for c in LEVELS}
        finally:
            server.close()
        with sqlite3.connect(path) as connection:
            lots = connection.execute("SELECT product_id, min(id) FROM product_lots "
                                      "WHERE remaining > 0 GROUP BY product_id").fetchall()
        direct_runs = {c: run_direct(path, lots, shop.user_id, c, args.seconds) for c in LEVELS}
    best_direct = max(r["rate"] for r in direct_runs.values())
    best_app = max(r["rate"] for r in app_runs.values())
    print(f"machine: {machine()}")
    print(f"app: gunicorn {args.workers or 'default'} workers x {args.threads or 'default'} "
          f"threads; {args.seconds}s per level")
    print(table(["clients", "app sales/s", "app p50 ms", "app p99 ms", "sqlite3 sales/s",
                 "sqlite3 p50 ms", "sqlite3 p99 ms", "healthz/s", "failed"],
                [[c, f"{app_runs[c]['rate']:.0f}", ms(app_runs[c]["p50_us"]),
                  ms(app_runs[c]["p99_us"]), f"{direct_runs[c]['rate']:.0f}",
                  ms(direct_runs[c]["p50_us"]), ms(direct_runs[c]["p99_us"]),
                  f"{floor_runs[c]['rate']:.0f}",
                  app_runs[c]["other"] + app_runs[c]["socket_errors"] + app_runs[c]["conflicts"]]
                 for c in LEVELS]))
    best_floor = max(r["rate"] for r in floor_runs.values())
    print(f"verdict: best app rate / best direct rate = {best_app / best_direct:.2f} (target 0.15); "
          f"GET /healthz, no database, reaches {best_floor / best_direct:.2f} of it")


if __name__ == "__main__":
    main()
