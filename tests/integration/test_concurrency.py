"""Many writers on the same scarce stock at once: no oversell, no lost update, ledger == stock.

Threads share one engine; processes each have their own. A barrier starts them together; no
sleeps. Every worker mixes sales of one or two products (in both orders) with production runs
that draw the same flour, so row locks are contended the whole time.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import MaterialBatch, ProductLot, Sale, SaleItem, StockMove

from .helpers import mismatches
from .workers import Scene, hammer, hammer_in_process, same_sale, set_scene

THREADS = 16
STEPS = 5
PROCESSES = 4
PROCESS_STEPS = 8


@pytest.fixture
def factory_for(request):
    engines = []

    def make(url, pool_size=THREADS):
        engine = make_engine(url, pool_size=pool_size, max_overflow=0)
        engines.append(engine)
        return make_session_factory(engine)

    yield make
    for engine in engines:
        engine.dispose()


def stock_levels(factory, scene: Scene) -> dict:
    with factory() as session:
        lots = dict(session.execute(
            select(ProductLot.product_id, func.sum(ProductLot.remaining))
            .group_by(ProductLot.product_id)).all())
        flour = session.scalar(select(func.sum(MaterialBatch.remaining))
                               .where(MaterialBatch.material_id == scene.flour))
        negative = session.scalar(select(func.count()).select_from(MaterialBatch)
                                  .where(MaterialBatch.remaining < 0)) + \
            session.scalar(select(func.count()).select_from(ProductLot)
                           .where(ProductLot.remaining < 0))
    return {"bread": D(lots[scene.bread]), "bun": D(lots[scene.bun]), "flour": D(flour),
            "negative": negative}


def check_outcome(factory, scene: Scene, before: dict, outcomes: list[tuple]) -> None:
    errors = [o[1] for o in outcomes if o[0] == "error"]
    assert errors == [], errors[0]
    sales = [o for o in outcomes if o[0] == "sale"]
    runs = [o for o in outcomes if o[0] == "run"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert sales and runs and refused, "the stock was meant to be fought over"

    sold: dict[int, D] = defaultdict(D)
    for _, _, lines in sales:
        for product_id, quantity in lines.items():
            sold[product_id] += quantity
    made: dict[int, D] = defaultdict(D)
    flour_used = D(0)
    for _, _, product_id, produced, consumed in runs:
        made[product_id] += produced
        flour_used += consumed

    after = stock_levels(factory, scene)
    assert after["negative"] == 0
    # no oversell and no lost update: stock moved by exactly what succeeded
    assert after["bread"] == before["bread"] + made[scene.bread] - sold[scene.bread] >= 0
    assert after["bun"] == before["bun"] + made[scene.bun] - sold[scene.bun] >= 0
    assert after["flour"] == before["flour"] - flour_used >= 0
    assert sold[scene.bread] <= before["bread"] + made[scene.bread]

    with factory() as session:
        stored = {row.id for row in session.execute(select(Sale.id))}
        assert stored == {sale_id for _, sale_id, _ in sales}
        for _, sale_id, lines in sales:
            items = dict(session.execute(select(SaleItem.product_id, SaleItem.quantity)
                                         .where(SaleItem.sale_id == sale_id)).all())
            assert items == lines
            moved = dict(session.execute(
                select(StockMove.product_id, func.sum(StockMove.delta))
                .where(StockMove.ref_type == "sale", StockMove.ref_id == sale_id)
                .group_by(StockMove.product_id)).all())
            assert {p: -D(q) for p, q in moved.items()} == lines
    assert mismatches(factory) == []


def run_threads(factory, scene: Scene) -> list[tuple]:
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(hammer, factory, scene, worker, STEPS, barrier)
                   for worker in range(THREADS)]
        return [outcome for future in futures for outcome in future.result(timeout=120)]


@pytest.mark.postgres
def test_many_threads_selling_and_baking_on_postgresql_never_oversell(pg_url, factory_for):
    factory = factory_for(pg_url)
    scene = set_scene(factory)
    before = stock_levels(factory, scene)
    check_outcome(factory, scene, before, run_threads(factory, scene))


def test_many_threads_selling_and_baking_on_sqlite_never_oversell(tmp_path, sqlite_template,
                                                                  factory_for):
    from tests.conftest import sqlite_copy

    factory = factory_for(sqlite_copy(sqlite_template, tmp_path))
    scene = set_scene(factory)
    before = stock_levels(factory, scene)
    check_outcome(factory, scene, before, run_threads(factory, scene))


@pytest.mark.postgres
def test_many_processes_selling_and_baking_on_postgresql_never_oversell(pg_url, factory_for):
    factory = factory_for(pg_url, pool_size=2)
    scene = set_scene(factory)
    before = stock_levels(factory, scene)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=hammer_in_process,
                               args=(pg_url, scene, worker, PROCESS_STEPS, barrier, results))
               for worker in range(PROCESSES)]
    for process in workers:
        process.start()
    try:
        collected = [results.get(timeout=120) for _ in workers]
    finally:
        for process in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert all(process.exitcode == 0 for process in workers)
    assert sorted(worker for worker, _ in collected) == list(range(PROCESSES))
    check_outcome(factory, scene, before, [o for _, outcomes in collected for o in outcomes])


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_retries_with_one_idempotency_key_make_exactly_one_sale(
        kind, request, tmp_path, factory_for):
    if kind == "sqlite":
        from tests.conftest import sqlite_copy

        url = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("pg_url")
    factory = factory_for(url)
    scene = set_scene(factory)  # 6 bread: the sale takes them all, so a second would be refused
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = [f.result(timeout=120) for f in
                    [pool.submit(same_sale, factory, scene, "till-1-42", barrier)
                     for _ in range(THREADS)]]
    assert [o for o in outcomes if o[0] == "error"] == []
    assert len({o[1] for o in outcomes}) == 1
    assert [o[2] for o in outcomes].count(False) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Sale)) == 1
    assert stock_levels(factory, scene)["bread"] == 0
    assert mismatches(factory) == []
