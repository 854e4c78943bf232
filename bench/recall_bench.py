"""How fast does a recall answer on a big history? One supplier lot traced forward to every sale.

    .venv/bin/python bench/recall_bench.py [--sales 1000000] [--repeat 7]

Creates its own PostgreSQL database and fills it straight in SQL (generate_series inside the
server, no API): one flour batch per five production runs, each batch with its supplier's lot
code; one run per hundred sales, each making one product lot; every sale drawing one unit of a
lot, with its line and its ledger row, as the app writes them. Then it times the recall of one
supplier lot through the app's own query (`queries.trace.recall`: batches, runs, lots, sales,
through intermediate products) and the same answer as one plain SQL statement, and prints both.
Target: under 1 s at 1,000,000 sales.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import PgDatabases, machine, table
from sqlalchemy import create_engine, text

from bakery.db.engine import make_engine, make_session_factory
from bakery.queries.trace import recall

RUNS_PER_BATCH = 5
SALES_PER_RUN = 100

SEED = [
    "INSERT INTO users (id, email, password_hash, role, active, created_at) "
    "VALUES (1, 'bench@bakery.test', 'x', 'admin', true, now())",
    "INSERT INTO materials (id, name, unit, min_quantity, created_at, issue_order) "
    "VALUES (1, 'Flour', 'kg', 0, now(), 'fifo'), (2, 'Yeast', 'kg', 0, now(), 'fifo')",
    "INSERT INTO products (id, name, price, created_at) "
    "SELECT g, 'Product ' || g, 3.00, now() FROM generate_series(1, 8) AS g",
    "INSERT INTO recipes (id, name, product_id, yield_quantity, created_at) "
    "SELECT g, 'Recipe ' || g, g, 100, now() FROM generate_series(1, 8) AS g",
    # flour batches, each with its supplier's lot code L-<n>; yeast in a few big batches
    "INSERT INTO material_batches (id, material_id, quantity, remaining, cost_per_unit, "
    "  purchase_date, lot, supplier, created_at) "
    "SELECT b, 1, 100, 0, 0.80, DATE '2020-01-01' + b / 10, 'L-' || b, 'Mill', now() "
    "FROM generate_series(1, :batches) AS b",
    "INSERT INTO material_batches (id, material_id, quantity, remaining, cost_per_unit, "
    "  purchase_date, lot, supplier, created_at) "
    "SELECT :batches + y, 2, 1000000, 0, 5.00, DATE '2020-01-01', 'Y-' || y, 'Yeast Co', now() "
    "FROM generate_series(1, 10) AS y",
    "INSERT INTO production_runs (id, recipe_id, product_id, batches, produced_quantity, "
    "  total_cost, created_at, created_by) "
    "SELECT r, r % 8 + 1, r % 8 + 1, 1, 100, 20.00, "
    "  TIMESTAMPTZ '2020-01-01' + make_interval(hours => r), 1 "
    "FROM generate_series(1, :runs) AS r",
    "INSERT INTO production_consumptions (run_id, material_id, batch_id, quantity, cost_per_unit) "
    "SELECT r, 1, (r - 1) / :per_batch + 1, 20, 0.80 FROM generate_series(1, :runs) AS r "
    "UNION ALL "
    "SELECT r, 2, :batches + r % 10 + 1, 0.5, 5.00 FROM generate_series(1, :runs) AS r",
    "INSERT INTO product_lots (id, product_id, production_run_id, quantity, remaining, unit_cost, "
    "  created_at) "
    "SELECT r, r % 8 + 1, r, 100, 0, 0.2, TIMESTAMPTZ '2020-01-01' + make_interval(hours => r) "
    "FROM generate_series(1, :runs) AS r",
    "INSERT INTO sales (id, total, cost, created_at, created_by) "
    "SELECT s, 3.00, 0.20, TIMESTAMPTZ '2020-01-01' + make_interval(mins => s), 1 "
    "FROM generate_series(1, :sales) AS s",
    "INSERT INTO sale_items (sale_id, product_id, quantity, unit_price, line_total, cost) "
    "SELECT s, ((s - 1) / :per_run + 1) % 8 + 1, 1, 3.00, 3.00, 0.20 "
    "FROM generate_series(1, :sales) AS s",
    "INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, ref_id, "
    "  created_at, created_by) "
    "SELECT ((s - 1) / :per_run + 1) % 8 + 1, (s - 1) / :per_run + 1, -1, 0.2, 'sale', 'sale', "
    "  s, TIMESTAMPTZ '2020-01-01' + make_interval(mins => s), 1 "
    "FROM generate_series(1, :sales) AS s",
    "INSERT INTO stock_moves (material_id, batch_id, delta, unit_cost, reason, ref_type, ref_id, "
    "  created_at, created_by) "
    "SELECT material_id, batch_id, -quantity, cost_per_unit, 'production', 'production_run', "
    "  run_id, now(), 1 FROM production_consumptions",
    "INSERT INTO stock_moves (product_id, lot_id, delta, unit_cost, reason, ref_type, ref_id, "
    "  created_at, created_by) "
    "SELECT product_id, id, 100, 0.2, 'production', 'production_run', production_run_id, "
    "  created_at, 1 FROM product_lots",
]
SEQUENCES = ("users", "materials", "products", "recipes", "material_batches", "production_runs",
             "product_lots", "sales")

PLAIN_SQL = text("""
WITH batches AS (SELECT id FROM material_batches WHERE material_id = :material AND lot = :lot),
     runs AS (SELECT DISTINCT run_id FROM production_consumptions
              WHERE batch_id IN (SELECT id FROM batches)),
     lots AS (SELECT id FROM product_lots WHERE production_run_id IN (SELECT run_id FROM runs))
SELECT m.ref_id AS sale_id, m.product_id, m.lot_id, sum(-m.delta) AS quantity, s.created_at
FROM stock_moves AS m JOIN sales AS s ON s.id = m.ref_id
WHERE m.lot_id IN (SELECT id FROM lots) AND m.ref_type = 'sale' AND m.delta < 0
GROUP BY m.ref_id, m.product_id, m.lot_id, s.created_at
ORDER BY m.ref_id, m.lot_id
""")


def seed(url: str, sales: int) -> float:
    runs = max(1, sales // SALES_PER_RUN)
    params = {"sales": sales, "runs": runs, "batches": (runs - 1) // RUNS_PER_BATCH + 1,
              "per_batch": RUNS_PER_BATCH, "per_run": SALES_PER_RUN}
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in SEED:
            connection.execute(text(statement), params)
        for name in SEQUENCES:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT max(id) FROM {name}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def timed(call, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    databases = PgDatabases(prefix="bakery_bench_recall")
    try:
        url = databases.create()
        seconds = seed(url, args.sales)
        print(f"seeded {args.sales:,} sales in {seconds:.1f} s on {machine()}")
        lot = f"L-{max(1, args.sales // SALES_PER_RUN // RUNS_PER_BATCH // 2)}"
        engine = make_engine(url)
        factory = make_session_factory(engine)

        def app_recall() -> dict:
            with factory() as session:
                return recall(session, 1, lot)

        def plain_recall() -> list:
            with engine.connect() as connection:
                return list(connection.execute(PLAIN_SQL, {"material": 1, "lot": lot}))

        app_time, answer = timed(app_recall, args.repeat)
        sql_time, rows = timed(plain_recall, args.repeat)
        assert isinstance(answer, dict) and isinstance(rows, list)
        assert len(answer["sales"]) == len(rows), "the two answers must agree"
        engine.dispose()
        print(table(["query", "sales reached", "median ms", "target"], [
            [f"recall of lot {lot}, app (queries.trace.recall)", len(answer["sales"]),
             f"{app_time * 1000:.1f}", "< 1000"],
            ["the same answer, one plain SQL statement", len(rows), f"{sql_time * 1000:.1f}", ""],
        ]))
    finally:
        databases.drop_all()


if __name__ == "__main__":
    main()
