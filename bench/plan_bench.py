"""Benchmark: the forecast and the bake plan for 200 products over 2 years of daily sales.

Seeds a dedicated PostgreSQL database with SQL (generate_series), not through the API: 200
products, each with a recipe of 4 of 20 materials, stock, and `--sales` one-line sales (default
1,000,000) spread over the opening hours of the 730 days before the planned day. Then prints
the median time of the app's own functions: `queries.forecast.forecast_report` (every
product's forecast) and `queries.plans.bake_plan` (forecast, orders, stock, batches, materials,
cost, shopping list), against the target of 2 s.

    .venv/bin/python bench/plan_bench.py [--sales 1000000] [--runs 5] [--tz Europe/Berlin]

The database is created on the local PostgreSQL server and dropped at the end (bench/common.py).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from common import bench_database, machine
from report_bench import timed
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from bakery.queries.forecast import forecast_report
from bakery.queries.plans import bake_plan

PRODUCTS, MATERIALS, DAYS = 200, 20, 730
PLANNED = date(2026, 1, 5)  # a Monday; the history is the DAYS days before it


def seed(url: str, sales: int, tz: str) -> None:
    """Materials, products, recipes, stock, then `sales` sales over the DAYS before PLANNED."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("""
            INSERT INTO materials (name, unit, min_quantity, created_at)
            SELECT 'Material ' || g, 'kg', 0, now() FROM generate_series(1, :m) g"""),
                  {"m": MATERIALS})
        c.execute(text("""
            INSERT INTO material_batches (material_id, quantity, remaining, cost_per_unit,
                                          purchase_date, supplier, created_at)
            SELECT m, 500, 500, 1 + m % 5, DATE '2025-12-20', 'Supplier ' || (m % 3), now()
            FROM generate_series(1, :m) m"""), {"m": MATERIALS})
        c.execute(text("""
            INSERT INTO products (name, price, created_at)
            SELECT 'Product ' || g, (1 + g % 7)::numeric(14,2), now()
            FROM generate_series(1, :p) g"""), {"p": PRODUCTS})
        c.execute(text("""
            INSERT INTO recipes (name, product_id, yield_quantity, created_at)
            SELECT 'Recipe ' || g, g, 10 + g % 20, now() FROM generate_series(1, :p) g"""),
                  {"p": PRODUCTS})
        c.execute(text("""
            INSERT INTO recipe_ingredients (recipe_id, material_id, quantity)
            SELECT r, 1 + (r * 3 + k) % :m, 0.1 * k FROM generate_series(1, :p) r
            CROSS JOIN generate_series(1, 4) k"""), {"p": PRODUCTS, "m": MATERIALS})
        c.execute(text("""
            INSERT INTO product_lots (product_id, quantity, remaining, unit_cost, created_at)
            SELECT g, 1, 1, 0.5, now() FROM generate_series(1, :p) g"""), {"p": PRODUCTS})
        # Sale g falls on day g % DAYS and product (g / DAYS) % PRODUCTS, at a random moment of
        # the opening hours (07:00-19:00 local); quantities follow the weekday.
        c.execute(text("""
            INSERT INTO sales (id, total, cost, created_at)
            SELECT g, 0, 0,
                   timezone(:tz, (CAST(:planned AS date) - :days + g % :days)::timestamp
                            + interval '7 hours' + random() * interval '12 hours')
            FROM generate_series(1, :n) g"""),
                  {"n": sales, "days": DAYS, "planned": PLANNED, "tz": tz})
        c.execute(text("""
            INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost)
            SELECT s.id, 1 + (s.id / :days) % :p, q, 2, q * 2, q
            FROM sales s CROSS JOIN LATERAL (
                SELECT (1 + (extract(isodow FROM s.created_at)::int % 3))::numeric(14,3) AS q) v
            """), {"days": DAYS, "p": PRODUCTS})
        c.execute(text("SELECT setval(pg_get_serial_sequence('sales', 'id'), :n)"), {"n": sales})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tz", default="Europe/Berlin")
    args = parser.parse_args()
    with bench_database() as url:
        began = time.perf_counter()
        seed(url, args.sales, args.tz)
        seeded = time.perf_counter() - began
        engine = create_engine(url)
        factory = sessionmaker(engine)
        tz = ZoneInfo(args.tz)

        def forecast() -> int:
            with factory() as session:
                return len(forecast_report(session, PLANNED, tz)["items"])

        def plan() -> int:
            with factory() as session:
                plan = bake_plan(session, PLANNED, tz, PLANNED - timedelta(days=1))
                return sum(i["batches"] for i in plan["items"])

        assert forecast() == PRODUCTS and plan() > 0
        with engine.connect() as c:
            lines = c.execute(text("SELECT count(*) FROM sale_items")).scalar_one()
            version = c.execute(text("SHOW server_version")).scalar_one()
        forecast_s, plan_s = timed(forecast, args.runs), timed(plan, args.runs)
        print(f"machine: {machine()}, PostgreSQL {version}")
        print(f"seeded {PRODUCTS} products, {args.sales:,} sales / {lines:,} lines over {DAYS} "
              f"days in {seeded:.1f} s")
        print(f"median of {args.runs} ({args.tz}), target < 2 s each:")
        print(f"  forecast, {PRODUCTS} products  : {forecast_s * 1000:8.1f} ms")
        print(f"  bake plan, {PRODUCTS} recipes  : {plan_s * 1000:8.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
