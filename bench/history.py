"""Does a sale get slower as history grows? Sale latency with 1,000 and with 1,000,000 past sales.

    .venv/bin/python bench/history.py [--seconds 10] [--past 1000 1000000]

Creates its own PostgreSQL database, seeds past sales straight in SQL (each with its line, its
ledger row and the lots it used up, so the tables look like a bakery's after years of trading),
serves the app with gunicorn and measures POST /api/v1/sales with wrk at one connection, first
with the small history, then after growing it to the large one. Target: within 1.2x.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from common import (
    BENCH_ENV,
    ROOT,
    AppServer,
    PgDatabases,
    machine,
    ms,
    open_shop,
    run_wrk,
    stock_products,
    table,
)
from sqlalchemy import create_engine, text

UNITS_PER_LOT = 100

SEED = """
CREATE TEMP TABLE past ON COMMIT DROP AS
  SELECT g AS n, nextval(pg_get_serial_sequence('sales', 'id')) AS sale_id,
         l.id AS lot_id, l.product_id
  FROM generate_series(0, :count - 1) AS g
  JOIN (SELECT id, product_id, row_number() OVER (ORDER BY id) - 1 AS k
        FROM product_lots WHERE id > :after_lot) AS l ON l.k = g / :per_lot;
INSERT INTO sales (id, total, cost, created_at, created_by)
  SELECT sale_id, 3.00, 1.00, now() - make_interval(secs => :count - n + :offset), :user FROM past;
INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost)
  SELECT sale_id, product_id, 1, 3.00, 3.00, 1.00 FROM past;
INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, ref_id,
                         created_at, created_by)
  SELECT product_id, lot_id, -1, 1.00, 'sale', 'sale', sale_id,
         now() - make_interval(secs => :count - n + :offset), :user FROM past;
"""


def grow_history(url: str, products: list[int], count: int, user_id: int, offset: int) -> float:
    """Add `count` past sales of one unit each, from lots that they used up. Returns seconds."""
    started = time.monotonic()
    lots = -(-count // UNITS_PER_LOT)
    engine = create_engine(url)
    with engine.begin() as connection:
        after = connection.execute(text("SELECT coalesce(max(id), 0) FROM product_lots")).scalar_one()
        connection.execute(text(
            "INSERT INTO product_lots (product_id, quantity, remaining, unit_cost, created_at) "
            "SELECT p.id, :per_lot, 0, 1.00, now() - interval '400 days' "
            "FROM generate_series(0, :lots - 1) AS g "
            "JOIN unnest(CAST(:products AS bigint[])) WITH ORDINALITY AS p(id, k) "
            "ON p.k - 1 = g % :n ORDER BY g"),
            {"per_lot": UNITS_PER_LOT, "lots": lots, "products": products, "n": len(products)})
        connection.execute(text(
            "INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, "
            "ref_id, created_at) SELECT product_id, id, quantity, 1.00, 'count', 'adjustment', "
            "NULL, created_at FROM product_lots WHERE id > :after"), {"after": after})
        for statement in filter(str.strip, SEED.split(";")):
            connection.execute(text(statement), {"count": count, "after_lot": after,
                                                 "per_lot": UNITS_PER_LOT, "user": user_id,
                                                 "offset": offset})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--past", type=int, nargs="+", default=[1_000, 1_000_000])
    args = parser.parse_args()
    databases = PgDatabases(prefix="bakery_bench")
    server = None
    results = []
    try:
        url = databases.create()
        shop = open_shop(url)
        products = stock_products(shop, 8, Decimal(1_000_000))
        seeded = 0
        for past in sorted(args.past):
            took = grow_history(url, products, past - seeded, shop.user_id, offset=seeded)
            seeded = past
            server = AppServer(url, env=dict(BENCH_ENV), workers=2, threads=4,
                               log_path=ROOT / "test-artifacts" / "bench-history.log")
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            server.start()
            run_wrk(server.base, shop, 1, 2, products)  # warm up
            run = run_wrk(server.base, shop, 1, args.seconds, products)
            server.close()
            server = None
            results.append((past, took, run))
    finally:
        if server is not None:
            server.close()
        databases.drop_all()
    base = results[0][2]
    print(f"machine: {machine()}")
    print(table(["past sales", "seeded in s", "sales/s", "mean ms", "p50 ms", "p99 ms",
                 "p50 vs smallest"],
                [[f"{past:,}", f"{took:.0f}", f"{run['rate']:.0f}", ms(run["mean_us"]),
                  ms(run["p50_us"]), ms(run["p99_us"]), f"{run['p50_us'] / base['p50_us']:.2f}x"]
                 for past, took, run in results]))
    worst = max(run["p50_us"] / base["p50_us"] for _, _, run in results)
    print(f"verdict: p50 grows {worst:.2f}x from {results[0][0]:,} to {results[-1][0]:,} past sales "
          f"(target <= 1.2x)")


if __name__ == "__main__":
    main()
