"""The reads a till makes most: GET /api/v1/products/{id} and the POS page, counted.

    .venv/bin/python bench/till_reads.py [--sqlite] [--products 15] [--requests 200]

On a catalogue of `--products` products (each made by a recipe of four materials, three lots
each), prints the SQL statements of one request of each kind (counted with SQLAlchemy's
before_cursor_execute event; on PostgreSQL BEGIN and ROLLBACK are sent outside the cursor and
not counted) and the process CPU time per request over `--requests` requests through Flask's
test client (no HTTP server: the app's own cost).

Instructions per request, which do not depend on how busy the machine is:

    valgrind --tool=callgrind --instr-atstart=no .venv/bin/python bench/till_reads.py \\
        --callgrind product --requests 20

counts only the measured requests (`--callgrind product` or `--callgrind pos`); divide the
`I refs` valgrind prints by `--requests`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import bench_database, machine, open_shop, table
from sqlalchemy import event

PASSWORD = "correct horse battery"


def _catalogue(client: Any, headers: dict, products: int) -> list[int]:
    def ok(path: str, body: dict) -> dict:
        response = client.post("/api/v1" + path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    tag = uuid.uuid4().hex[:6]
    materials = []
    for i in range(12):
        materials.append(ok("/materials", {"name": f"Material {i} {tag}", "unit": "kg",
                                           "allergens": ["gluten"] if i % 3 == 0 else []})["id"])
        ok(f"/materials/{materials[-1]}/batches", {"quantity": "100000", "cost_per_unit": "1.00"})
    made = []
    for i in range(products):
        product = ok("/products", {"name": f"Bread {i} {tag}", "price": "2.50", "tax_rate": "7",
                                   "shelf_life_hours": 48})["id"]
        recipe = ok("/recipes", {"name": f"Bread {i} {tag}", "product_id": product,
                                 "yield_quantity": "10", "ingredients": [
                                     {"material_id": materials[(i + k) % 12], "quantity": "1"}
                                     for k in range(4)]})["id"]
        for _ in range(3):
            ok("/production-runs", {"recipe_id": recipe, "batches": 1})
        made.append(product)
    return made


def _signed_in_browser(app: Any, url: str) -> Any:
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services.users import create_user

    engine = make_engine(url)
    email = f"cashier-{uuid.uuid4().hex[:8]}@bakery.test"
    create_user(make_session_factory(engine), email=email, role="cashier", password=PASSWORD)
    engine.dispose()
    browser = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert token, "the sign-in form carries a CSRF token"
    response = browser.post("/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code
    return browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="measure on SQLite instead")
    parser.add_argument("--products", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--callgrind", choices=["product", "pos"],
                        help="run only these requests, with callgrind's instrumentation on")
    args = parser.parse_args()

    from bakery import create_app
    from bakery.config import Settings

    with bench_database(args.sqlite) as url:
        shop = open_shop(url)
        # "testing": the session cookie is not marked Secure, so the test client sends it
        app = create_app(settings=Settings(env="testing", database_url=url,
                                           secret_key="s" * 40, log_level="WARNING",
                                           instance_path=Path(tempfile.mkdtemp())))
        client = app.test_client()
        products = _catalogue(client, shop.headers, args.products)
        browser = _signed_in_browser(app, url)
        target = products[len(products) // 2]
        requests = {
            "GET /api/v1/products/{id}": lambda: client.get(f"/api/v1/products/{target}",
                                                            headers=shop.headers),
            "GET /pos": lambda: browser.get("/pos"),
        }
        for request in requests.values():  # connect and warm up
            assert request().status_code == 200
        if args.callgrind:
            request = requests["GET /pos" if args.callgrind == "pos"
                               else "GET /api/v1/products/{id}"]
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True)
            for _ in range(args.requests):
                request()
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True)
            return
        seen: list[str] = []
        event.listen(app.extensions["bakery.engine"], "before_cursor_execute",
                     lambda _conn, _cursor, statement, *_rest: seen.append(statement))
        rows = []
        for name, request in requests.items():
            seen.clear()
            request()
            statements = len(seen)
            started = time.process_time()
            for _ in range(args.requests):
                request()
            cpu = (time.process_time() - started) / args.requests
            rows.append([name, statements, f"{cpu * 1000:.2f} ms"])
        app.extensions["bakery.engine"].dispose()
    print(f"machine: {machine()}")
    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}, {args.products} products")
    print(table(["request", "statements (whole request)", "CPU per request"], rows))


if __name__ == "__main__":
    main()
