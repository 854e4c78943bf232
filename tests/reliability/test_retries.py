"""A till that repeats the same request with the same Idempotency-Key, many times at once,
through several processes, makes exactly one sale."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bakery.db.engine import make_engine
from bench.servers import http
from tests.conftest import sqlite_copy

from .load import scarce_bakery


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def shared_url(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)


def test_repeating_one_idempotency_key_in_parallel_makes_exactly_one_sale(
        shared_url, start_servers, heavy, report):
    shop = scarce_bakery(shared_url, products=2, loaves=100)
    servers = start_servers(shared_url, count=2, workers=2, threads=4)
    repeats = 200 if heavy else 48
    keys = 5 if heavy else 2
    answers: list[tuple[str, int, object]] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def till(number: int) -> None:
        start.wait()
        for index in range(number, repeats * keys, 24):
            key = f"till-{index % keys}-{shop.products[0]}"
            status, body = http(
                "POST", servers[index % 2].base + "/api/v1/sales",
                {"items": [{"product_id": shop.products[0], "quantity": "2"}]},
                {**shop.headers, "Idempotency-Key": key})
            with lock:
                answers.append((key, status, body))

    threads = [threading.Thread(target=till, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    different = http("POST", servers[0].base + "/api/v1/sales",
                     {"items": [{"product_id": shop.products[0], "quantity": "3"}]},
                     {**shop.headers, "Idempotency-Key": f"till-0-{shop.products[0]}"})
    engine = make_engine(shared_url)
    with engine.connect() as connection:
        sales = connection.execute(text("SELECT count(*) FROM sales")).scalar_one()
        sold = connection.execute(text("SELECT coalesce(sum(quantity), 0) FROM sale_items")).scalar_one()
    engine.dispose()
    ids_per_key = {key: {body["id"] for k, s, body in answers if k == key and s == 201}
                   for key in {k for k, _, _ in answers}}
    report({"requests": len(answers) + 1, "keys": keys, "statuses":
            {str(s): sum(1 for _, st, _ in answers if st == s) for s in {st for _, st, _ in answers}},
            "sales_in_db": sales, "units_sold": str(sold), "duplicates": sales - keys,
            "mismatched_body_status": different[0]})

    assert len(answers) == repeats * keys
    assert all(status == 201 for _, status, _ in answers), {s for _, s, _ in answers}
    assert all(len(ids) == 1 for ids in ids_per_key.values()), ids_per_key
    assert sales == keys
    assert sold == 2 * keys
    assert different[0] == 409
