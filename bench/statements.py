"""SQL statements per use case, counted with SQLAlchemy's before_cursor_execute event.

    .venv/bin/python bench/statements.py [--sqlite]

Counts what one POST /api/v1/sales and one POST /api/v1/production-runs send to the database
(the token lookup included), for sales drawing from 1, 5 and 20 lots and production runs
drawing from 1, 5 and 20 batches. An executemany counts as one statement (one call, one round
trip with psycopg's pipelined executemany). Not counted: the pool's liveness ping on checkout
and, on PostgreSQL, BEGIN/COMMIT (psycopg sends them outside the cursor).
"""

from __future__ import annotations

import argparse
import uuid

from common import bench_database, machine, open_shop, table
from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="count on SQLite instead")
    args = parser.parse_args()
    with bench_database(args.sqlite) as url:
        rows = count(url)
    print(f"machine: {machine()}")
    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}")
    print(table(["use case", "layers drawn", "statements (whole request)", "of which in the use case"],
                rows))


def count(url: str) -> list[list]:
    from bakery import create_app
    from bakery.config import Settings

    shop = open_shop(url)
    app = create_app(settings=Settings(env="production", database_url=url, secret_key="s" * 40,
                                       log_level="WARNING"))
    engine = app.extensions["bakery.engine"]
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    client = app.test_client()
    headers = shop.headers

    def post(path: str, body: dict) -> tuple[int, int]:
        seen.clear()
        response = client.post("/api/v1" + path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        token_lookups = sum(1 for s in seen if "api_tokens" in s)
        return len(seen), len(seen) - token_lookups

    def ok(path: str, body: dict) -> dict:
        response = client.post("/api/v1" + path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    rows = []
    for layers in (1, 5, 20):
        tag = uuid.uuid4().hex[:6]
        flour = ok("/materials", {"name": f"Flour {tag}", "unit": "kg"})["id"]
        for day in range(layers):
            ok(f"/materials/{flour}/batches", {"quantity": "1", "cost_per_unit": "0.90",
                                               "purchase_date": f"2026-01-{day + 1:02d}"})
        bread = ok("/products", {"name": f"Bread {tag}", "price": "3.00"})["id"]
        recipe = ok("/recipes", {"name": f"Bread {tag}", "product_id": bread, "yield_quantity": "1",
                                 "ingredients": [{"material_id": flour, "quantity": "1"}]})["id"]
        total, own = post("/production-runs", {"recipe_id": recipe, "batches": layers})
        rows.append(["production run", f"{layers} batches", total, own])
        for _ in range(layers - 1):  # one lot per run: `layers` lots in all
            ok(f"/materials/{flour}/batches", {"quantity": "1", "cost_per_unit": "0.90"})
            ok("/production-runs", {"recipe_id": recipe, "batches": 1})
        total, own = post("/sales", {"items": [{"product_id": bread, "quantity": str(layers)}]})
        rows.append(["sale", f"{layers} lots", total, own])
    products = []
    for _ in range(5):
        tag = uuid.uuid4().hex[:6]
        product = ok("/products", {"name": f"Roll {tag}", "price": "1.00"})["id"]
        ok("/stock-adjustments", {"product_id": product, "quantity_delta": "10", "reason": "count"})
        products.append(product)
    total, own = post("/sales", {"items": [{"product_id": p, "quantity": "1"} for p in products]})
    rows.append(["sale of 5 products", "5 lots", total, own])
    total, own = post("/sales", {"items": [{"product_id": products[0], "quantity": "1"}]})
    idem_headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    seen.clear()
    response = client.post("/api/v1/sales", json={"items": [{"product_id": products[0],
                                                              "quantity": "1"}]},
                           headers=idem_headers)
    assert response.status_code == 201
    rows.append(["sale with Idempotency-Key", "1 lot", len(seen),
                 len(seen) - sum(1 for s in seen if "api_tokens" in s)])
    engine.dispose()
    return rows


if __name__ == "__main__":
    main()
