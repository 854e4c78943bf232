"""Resident memory of the gunicorn workers after 10,000 sales (and after 20,000: no creep).

    .venv/bin/python bench/memory.py [--sales 10000] [--sqlite]

Serves the app on a fresh PostgreSQL database (or SQLite file), records 10,000 sales over 8
keep-alive connections,
and reads each worker's VmRSS from /proc. Target: under 120 MB per worker.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from common import (
    BENCH_ENV,
    ROOT,
    AppServer,
    bench_database,
    machine,
    open_shop,
    sell_exactly,
    stock_products,
    table,
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: as bakery serve, two per CPU)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: as bakery serve, 1)")
    args = parser.parse_args()
    rows = []
    with bench_database(args.sqlite) as url:
        shop = open_shop(url)
        products = stock_products(shop, 8, Decimal(1_000_000))
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        server = AppServer(url, env=dict(BENCH_ENV), workers=args.workers, threads=args.threads,
                           log_path=ROOT / "test-artifacts" / "bench-memory.log")
        try:
            server.start()
            workers = server.worker_pids()
            rows.append(["started", 0, *(f"{rss_mb(p):.1f}" for p in workers)])
            done = 0
            for _ in range(2):
                statuses = sell_exactly(server.base, shop, args.sales, products)
                done += statuses.get(201, 0)
                rows.append([f"after {done:,} sales", args.sales - statuses.get(201, 0),
                             *(f"{rss_mb(p):.1f}" for p in workers)])
            peak = max(rss_mb(p) for p in workers)
        finally:
            server.close()
    print(f"machine: {machine()}")
    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}; gunicorn {args.workers or 'default'} workers "
          f"x {args.threads or 'default'} threads")
    print(table(["when", "failed", *(f"worker {i + 1} RSS MB" for i in range(len(workers)))], rows))
    print(f"verdict: largest worker {peak:.1f} MB (target < 120 MB)")


if __name__ == "__main__":
    main()
