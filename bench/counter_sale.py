"""What two payments and a till session add to a sale, measured in-process (no wrk needed).

    .venv/bin/python bench/counter_sale.py [--sqlite] [--sales 400] [--rounds 5]

Sells one unit at a time through POST /api/v1/sales with Flask's test client, a plain sale and
a counter sale (paid 2.00 by card and 5.00 in cash for a 3.00 sale, into an open till
session) in turn, and prints per sale: SQL statements, the median wall time and the mean CPU
time of this process (the app's Python; the database server's work is in the wall time only),
with the counter sale's cost relative to the plain one. The whole-server figure is in
bench/sales_throughput.py, which runs the same variant under wrk.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

from common import bench_database, machine, open_shop, stock_products, table
from sqlalchemy import event

PAYMENTS = [{"method": "card", "amount": "2.00"}, {"method": "cash", "amount": "5.00"}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="measure on SQLite instead")
    parser.add_argument("--sales", type=int, default=400, help="sales per round and variant")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with bench_database(args.sqlite) as url:
        figures = measure(url, args.sales, args.rounds)
    print(f"machine: {machine()}")
    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}; "
          f"{args.rounds * args.sales} sales of each kind, in turn")
    plain, counter = figures["plain"], figures["counter"]
    rows = [[name, f"{f['statements']:.0f}", f"{f['wall_ms']:.3f}", f"{f['cpu_ms']:.3f}"]
            for name, f in (("plain sale", plain), ("two payments + till session", counter))]
    print(table(["sale", "statements", "median wall ms/sale", "mean CPU ms/sale (app)"], rows))
    print(f"counter sale cost: wall x{counter['wall_ms'] / plain['wall_ms']:.3f}, "
          f"CPU x{counter['cpu_ms'] / plain['cpu_ms']:.3f}, "
          f"+{counter['statements'] - plain['statements']:.0f} statements (target: at most x1.10)")


def measure(url: str, sales: int, rounds: int) -> dict[str, dict[str, float]]:
    from bakery import create_app
    from bakery.config import Settings

    shop = open_shop(url)
    products = stock_products(shop, 4, Decimal(10 * sales * rounds + 100))
    app = create_app(settings=Settings(env="production", database_url=url, secret_key="s" * 40,
                                       log_level="WARNING",
                                       api_rate_limit="1000000000 per minute"))
    client = app.test_client()
    opened = client.post("/api/v1/till-sessions", json={"till": "bench", "opening_float": "0"},
                         headers=shop.headers)
    assert opened.status_code == 201, opened.get_json()
    extra = {"payments": PAYMENTS, "till_session_id": opened.get_json()["id"]}
    seen: list[str] = []
    event.listen(app.extensions["bakery.engine"], "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))

    def sell(i: int, body_extra: dict) -> tuple[float, float, int]:
        seen.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        body = {"items": [{"product_id": products[i % len(products)], "quantity": "1"}],
                **body_extra}
        response = client.post("/api/v1/sales", json=body, headers=shop.headers)
        assert response.status_code == 201, response.get_json()
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, len(seen)

    for i in range(50):  # warm up: pools, prepared statements, caches
        sell(i, {})
        sell(i, extra)
    results: dict[str, list[tuple[float, float, int]]] = {"plain": [], "counter": []}
    for i in range(sales * rounds):  # one of each in turn: the machine's noise hits both alike
        results["plain"].append(sell(i, {}))
        results["counter"].append(sell(i, extra))
    app.extensions["bakery.engine"].dispose()
    return {name: {"wall_ms": statistics.median(r[0] for r in runs),
                   "cpu_ms": statistics.mean(r[1] for r in runs),
                   "statements": statistics.median(r[2] for r in runs)}
            for name, runs in results.items()}


if __name__ == "__main__":
    main()
