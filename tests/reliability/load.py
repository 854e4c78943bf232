"""A bakery with deliberately scarce stock, clients that sell and bake against it, and the audit.

`scarce_bakery` sets up materials, products and recipes through the services; `Load` runs client
threads against one or more servers and records every answer; `audit` then compares what the
clients were told with what the database holds and returns the figures.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from bench.servers import Shop, http, open_shop


@dataclass
class Answer:
    kind: str  # "sale" or "run"
    status: int  # 0: no answer (connection refused or reset)
    resource_id: int | None
    elapsed: float
    body: Any = None


def scarce_bakery(database_url: str, products: int = 4, loaves: int = 30,
                  flour_batches: int = 3, flour_per_batch: str = "25") -> Shop:
    """Products with a few lots each, and recipes whose flour runs out during the load."""
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services.catalog import create_material, create_product, save_recipe
    from bakery.services.stock import adjust_stock, receive_batch

    shop = open_shop(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    tag = uuid.uuid4().hex[:6]
    for index in range(2):
        material = create_material(factory, name=f"Flour {index} {tag}", unit="kg",
                                   min_quantity=Decimal(0))
        shop.materials.append(material)
        for day in range(flour_batches):
            receive_batch(factory, material, quantity=Decimal(flour_per_batch),
                          cost_per_unit=Decimal("0.85") + Decimal(day) / 10,
                          purchase_date=date(2026, 1, 1 + day),
                          user_id=shop.user_id)
    for index in range(products):
        product = create_product(factory, name=f"Loaf {index} {tag}", price=Decimal("3.20"))
        shop.products.append(product)
        for _ in range(2):  # two lots, so sales cross lot boundaries
            adjust_stock(factory, quantity_delta=Decimal(loaves) / 2, reason="count",
                         product_id=product, user_id=shop.user_id)
        recipe = save_recipe(factory, None, {
            "name": f"Loaf {index} {tag}", "product_id": product, "yield_quantity": Decimal(4),
            "ingredients": [{"material_id": shop.materials[index % 2], "quantity": Decimal("1.5")}]})
        shop.recipes.append(recipe)
    engine.dispose()
    return shop


@dataclass
class Load:
    """Client threads selling and baking; every answer is kept for the audit."""

    bases: list[str]
    shop: Shop
    clients: int = 32
    requests_per_client: int = 20
    bake_share: float = 0.2
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    timeout: float = 15.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _one(self, rng: random.Random, base: str) -> Answer:
        started = time.monotonic()
        if rng.random() < self.bake_share:
            kind, path = "run", "/api/v1/production-runs"
            body: dict = {"recipe_id": rng.choice(self.shop.recipes), "batches": rng.randint(1, 2)}
        else:
            kind, path = "sale", "/api/v1/sales"
            chosen = rng.sample(self.shop.products, rng.randint(1, 2))
            body = {"items": [{"product_id": p, "quantity": str(rng.randint(1, 3))}
                              for p in chosen]}
        status, reply = http("POST", base + path, body, self.shop.headers, timeout=self.timeout)
        resource = reply.get("id") if status == 201 and isinstance(reply, dict) else None
        return Answer(kind, status, resource, time.monotonic() - started,
                      reply if status not in (201,) else None)

    def _client(self, number: int) -> None:
        rng = random.Random(number)
        for index in range(self.requests_per_client):
            if self.stop.is_set():
                return
            answer = self._one(rng, self.bases[(number + index) % len(self.bases)])
            with self._lock:
                self.answers.append(answer)

    def run(self, until: float | None = None) -> Load:
        """Run every client to the end (or until `stop` is set); returns self."""
        threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                   for n in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(until)
        return self

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                   for n in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads

    def statuses(self) -> Counter:
        with self._lock:
            return Counter(a.status for a in self.answers)

    def acknowledged(self, kind: str) -> set[int]:
        with self._lock:
            return {a.resource_id for a in self.answers if a.kind == kind and a.status == 201}


def audit(database_url: str, load: Load, exact: bool = True) -> dict[str, Any]:
    """Compare the clients' answers with the database. `exact`: every request got an answer,
    so the database must hold exactly the acknowledged sales and runs (no more, no fewer)."""
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.domain.numbers import quantity
    from bakery.queries.inventory import ledger_mismatches

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        q = lambda sql: session.execute(text(sql)).scalar_one()  # noqa: E731
        sales = {r[0] for r in session.execute(text("SELECT id FROM sales"))}
        runs = {r[0] for r in session.execute(text("SELECT id FROM production_runs"))}
        figures = {
            "sales_in_db": len(sales),
            "runs_in_db": len(runs),
            "sales_without_items": q("SELECT count(*) FROM sales s WHERE NOT EXISTS "
                                     "(SELECT 1 FROM sale_items i WHERE i.sale_id = s.id)"),
            "sales_without_ledger": q("SELECT count(*) FROM sales s WHERE NOT EXISTS "
                                      "(SELECT 1 FROM stock_moves m WHERE m.ref_type = 'sale' "
                                      "AND m.ref_id = s.id)"),
            # Each line carries the FIFO cost of the lots it drew (rounded per line); the sale
            # carries the sum of its lines.
            "sale_cost_off_ledger": q(
                "SELECT count(*) FROM sale_items i WHERE abs(i.cost - (SELECT round(coalesce("
                "sum(-m.delta * m.unit_cost), 0), 2) FROM stock_moves m WHERE m.ref_type = "
                "'sale' AND m.ref_id = i.sale_id AND m.product_id = i.product_id)) >= 0.005"),
            "sale_totals_off_lines": q(
                "SELECT count(*) FROM sales s WHERE abs(s.cost - (SELECT sum(cost) FROM sale_items"
                " i WHERE i.sale_id = s.id)) >= 0.005 OR abs(s.total - (SELECT sum(line_total) "
                "FROM sale_items i WHERE i.sale_id = s.id)) >= 0.005"),
            "run_cost_off_consumption": q(
                "SELECT count(*) FROM production_runs r WHERE abs(r.total_cost - (SELECT round("
                "coalesce(sum(c.quantity * c.cost_per_unit), 0), 2) FROM "
                "production_consumptions c WHERE c.run_id = r.id)) >= 0.005"),
            "sold_units_off_ledger": q(
                "SELECT count(*) FROM sales s WHERE abs((SELECT sum(quantity) FROM sale_items i "
                "WHERE i.sale_id = s.id) - (SELECT coalesce(sum(-delta), 0) FROM stock_moves m "
                "WHERE m.ref_type = 'sale' AND m.ref_id = s.id)) >= 0.0005"),
            "runs_without_consumption": q(
                "SELECT count(*) FROM production_runs r WHERE NOT EXISTS (SELECT 1 FROM "
                "production_consumptions c WHERE c.run_id = r.id)"),
            "runs_without_lot": q("SELECT count(*) FROM production_runs r WHERE NOT EXISTS "
                                  "(SELECT 1 FROM product_lots l WHERE l.production_run_id = r.id)"),
            "negative_layers": q("SELECT (SELECT count(*) FROM product_lots WHERE remaining < 0)"
                                 " + (SELECT count(*) FROM material_batches WHERE remaining < 0)"),
            # Units in = units out + units left, for products and for materials.
            "product_units_unbalanced": q(
                "SELECT (SELECT coalesce(sum(quantity), 0) FROM product_lots) - "
                "(SELECT coalesce(sum(quantity), 0) FROM sale_items) - "
                "(SELECT coalesce(sum(remaining), 0) FROM product_lots)"),
            "material_units_unbalanced": q(
                "SELECT (SELECT coalesce(sum(quantity), 0) FROM material_batches) - "
                "(SELECT coalesce(sum(quantity), 0) FROM production_consumptions) - "
                "(SELECT coalesce(sum(remaining), 0) FROM material_batches)"),
            "ledger_mismatches": len(ledger_mismatches(session)),
        }
    engine.dispose()
    acknowledged_sales, acknowledged_runs = load.acknowledged("sale"), load.acknowledged("run")
    figures["acknowledged_sales"] = len(acknowledged_sales)
    figures["acknowledged_runs"] = len(acknowledged_runs)
    figures["acknowledged_sales_lost"] = len(acknowledged_sales - sales)
    figures["acknowledged_runs_lost"] = len(acknowledged_runs - runs)
    figures["unacknowledged_sales_in_db"] = len(sales - acknowledged_sales)
    figures["unacknowledged_runs_in_db"] = len(runs - acknowledged_runs)
    # SQLite keeps NUMERIC as binary floating point: sums are compared at the stored scale.
    for key in ("product_units_unbalanced", "material_units_unbalanced"):
        figures[key] = str(quantity(Decimal(str(figures[key]))))
    must_be_zero = ["sales_without_items", "sales_without_ledger", "sale_cost_off_ledger",
                    "sale_totals_off_lines", "run_cost_off_consumption",
                    "sold_units_off_ledger", "runs_without_consumption", "runs_without_lot",
                    "negative_layers", "ledger_mismatches", "acknowledged_sales_lost",
                    "acknowledged_runs_lost"]
    if exact:
        must_be_zero += ["unacknowledged_sales_in_db", "unacknowledged_runs_in_db"]
    problems = {k: figures[k] for k in must_be_zero if figures[k] != 0}
    for key in ("product_units_unbalanced", "material_units_unbalanced"):
        if Decimal(figures[key]) != 0:
            problems[key] = figures[key]
    figures["problems"] = problems
    return figures
