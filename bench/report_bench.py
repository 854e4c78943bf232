"""Benchmark: a 365-day daily sales report over 1,000,000 sales on PostgreSQL.

Seeds a dedicated database with SQL (generate_series), not through the API, then prints the
median time of the app's query function (`queries.reports.sales_report`) next to the same
aggregate written by hand and run directly, and their ratio (target: at most 1.5x).

    .venv/bin/python bench/report_bench.py [--sales 1000000] [--runs 7] [--tz Europe/Berlin]

BAKERY_BENCH_PG names the server (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
the database `bakery_bench_<pid>` is created and dropped unless --keep.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from bakery.db.migrate import upgrade
from bakery.queries.history import day_bounds
from bakery.queries.reports import sales_report

SERVER = os.environ.get("BAKERY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
YEARS = 3
DIRECT = """
SELECT to_char(timezone(:tz, s.created_at), 'YYYY-MM-DD') AS key,
       sum(i.quantity), sum(i.line_total), sum(i.cost)
FROM sale_items i JOIN sales s ON s.id = i.sale_id
WHERE s.created_at >= :lower AND s.created_at < :upper
GROUP BY 1 ORDER BY 1
"""


def seed(url: str, sales: int) -> None:
    """Products, then `sales` sales spread over the last YEARS years with 1-3 lines each."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("""
            INSERT INTO products (name, price, created_at)
            SELECT 'Product ' || g, (1 + g % 7)::numeric(14,2), now() FROM generate_series(1, 40) g"""))
        c.execute(text("""
            INSERT INTO sales (id, total, cost, created_at)
            SELECT g, 0, 0,
                   now() - make_interval(secs => (random() * :span)::int)
            FROM generate_series(1, :n) g"""), {"n": sales, "span": YEARS * 365 * 86400})
        c.execute(text("""
            INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost)
            SELECT s.id, 1 + (s.id * 7 + k) % 40, q, p, q * p, round(q * p * 0.4, 2)
            FROM sales s
            CROSS JOIN LATERAL generate_series(1, 1 + (s.id % 3)) k
            CROSS JOIN LATERAL (SELECT (1 + (s.id + k) % 4)::numeric(14,3) AS q,
                                       (1 + (s.id + k) % 7)::numeric(14,2) AS p) v"""))
        c.execute(text("SELECT setval(pg_get_serial_sequence('sales', 'id'), :n)"), {"n": sales})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm the cache
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tz", default="Europe/Berlin")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    name = f"bakery_bench_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        began = time.perf_counter()
        upgrade(url)
        seed(url, args.sales)
        seeded = time.perf_counter() - began
        engine = create_engine(url)
        factory = sessionmaker(engine)
        tz = ZoneInfo(args.tz)
        end = date.today() - timedelta(days=1)  # noqa: DTZ011 - any recent year will do
        start = end - timedelta(days=364)
        lower, upper = day_bounds(start, end, tz)

        def app_query() -> int:
            with factory() as session:
                return len(sales_report(session, start, end, "day", tz)["rows"])

        def direct_query() -> int:
            with engine.connect() as c:
                return len(c.execute(text(DIRECT), {"tz": args.tz, "lower": lower,
                                                    "upper": upper}).all())

        assert app_query() == direct_query(), "the two queries disagree"
        with engine.connect() as c:
            items = c.execute(text("SELECT count(*) FROM sale_items")).scalar_one()
            version = c.execute(text("SHOW server_version")).scalar_one()
        app_s, direct_s = timed(app_query, args.runs), timed(direct_query, args.runs)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
              f"{platform.release()}, Python {platform.python_version()}, PostgreSQL {version}")
        print(f"seeded {args.sales:,} sales / {items:,} lines over {YEARS} years "
              f"in {seeded:.1f} s")
        print(f"365-day daily report ({args.tz}), median of {args.runs}:")
        print(f"  app query function : {app_s * 1000:8.1f} ms")
        print(f"  direct SQL         : {direct_s * 1000:8.1f} ms")
        print(f"  ratio              : {app_s / direct_s:8.2f}x (target <= 1.5x)")
        engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
