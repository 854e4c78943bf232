"""A sale racing the write-off of the same lot, and a recall hold racing sales.

Threads share one engine; a barrier starts them together. The lot's best-before falls while
they run, so some sales decide before it and some after. These workers run outside an app and
read the system clock: the test compares instants with each other, never with a time of day.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import func, select

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import ProductLot, StockMove
from bakery.domain.errors import InsufficientStock
from bakery.services import catalog, food_safety, stock

from .helpers import mismatches

THREADS = 6
UTC = timezone.utc


@pytest.fixture
def factory(database_url: str) -> Any:
    engine = make_engine(database_url, pool_size=THREADS, max_overflow=0)
    yield make_session_factory(engine)
    engine.dispose()


def _scene(factory: Any, best_before: datetime) -> tuple[int, int, int]:
    flour = catalog.create_material(factory, name="Flour", unit="kg")
    stock.receive_batch(factory, flour, quantity=D(100), cost_per_unit=D("1.00"),
                        purchase_date=date(2026, 1, 1), lot="L-42")
    bread = catalog.create_product(factory, name="Bread", price=D("3.00"))
    recipe = catalog.save_recipe(factory, None, {
        "name": "Bread", "product_id": bread, "yield_quantity": D(1),
        "ingredients": [{"material_id": flour, "quantity": D(1)}]})
    racing = stock.run_production(factory, recipe_id=recipe, batches=20,
                                  best_before=best_before).result
    stock.run_production(factory, recipe_id=recipe, batches=50)  # keeps: sales go on after
    assert racing is not None
    return flour, bread, racing.lot_id


def _moves(factory: Any, lot_id: int, reason: str) -> list[Any]:
    with factory() as session:
        return list(session.execute(select(StockMove.ref_id, StockMove.delta)
                                    .where(StockMove.lot_id == lot_id,
                                           StockMove.reason == reason)))


def test_a_sale_racing_the_write_off_of_its_lot_never_sells_it_expired(factory):
    best_before = datetime.now(UTC) + timedelta(seconds=1.5)
    _, bread, lot_id = _scene(factory, best_before)
    barrier = threading.Barrier(THREADS)
    stop = best_before + timedelta(seconds=1)

    def seller() -> list[tuple[datetime, int | None]]:
        barrier.wait()
        seen = []
        while (started := datetime.now(UTC)) < stop:
            try:
                sale = stock.record_sale(factory, [(bread, D("0.01"))]).result
                seen.append((started, sale.id if sale else None))
            except InsufficientStock:
                seen.append((started, None))
        return seen

    def writer() -> int:
        barrier.wait()
        runs = 0
        while datetime.now(UTC) < stop:
            food_safety.expire_stock(factory)
            runs += 1
        return runs

    with ThreadPoolExecutor(THREADS) as pool:
        sellers = [pool.submit(seller) for _ in range(THREADS // 2)]
        writers = [pool.submit(writer) for _ in range(THREADS - THREADS // 2)]
        sales = [s for future in sellers for s in future.result(timeout=60)]
        assert all(future.result(timeout=60) >= 1 for future in writers)
    food_safety.expire_stock(factory)

    sold_from_lot = {ref_id for ref_id, _ in _moves(factory, lot_id, "sale")}
    late = {sale_id for started, sale_id in sales if started > best_before and sale_id}
    assert late, "some sales were meant to start after the best-before"
    assert not (late & sold_from_lot), "a sale that started after the best-before drew the lot"
    expired = _moves(factory, lot_id, "expired")
    assert len(expired) == 1, "the lot is written off exactly once"
    sold = -sum((delta for _, delta in _moves(factory, lot_id, "sale")), D(0))
    assert sold - expired[0].delta == D(20)
    with factory() as session:
        assert session.scalar(select(ProductLot.remaining).where(ProductLot.id == lot_id)) == 0
        assert session.scalar(select(func.count()).select_from(ProductLot)
                              .where(ProductLot.remaining < 0)) == 0
    assert mismatches(factory) == []


def test_writing_off_twice_at_once_writes_off_once(factory):
    _, _, lot_id = _scene(factory, datetime.now(UTC) - timedelta(hours=1))
    barrier = threading.Barrier(THREADS)

    def writer() -> D:
        barrier.wait()
        return food_safety.expire_stock(factory).cost

    with ThreadPoolExecutor(THREADS) as pool:
        costs = [f.result(timeout=60) for f in [pool.submit(writer) for _ in range(THREADS)]]
    assert sorted(costs) == [D(0)] * (THREADS - 1) + [D("20.00")]
    assert [delta for _, delta in _moves(factory, lot_id, "expired")] == [D(-20)]
    assert mismatches(factory) == []


def test_a_hold_racing_sales_leaves_no_sale_after_it_on_held_stock(factory):
    flour, bread, lot_id = _scene(factory, datetime.now(UTC) + timedelta(days=1))
    barrier = threading.Barrier(THREADS)
    held_at: list[datetime] = []

    def seller() -> list[tuple[datetime, int | None]]:
        barrier.wait()
        seen = []
        for _ in range(15):
            started = datetime.now(UTC)
            try:
                sale = stock.record_sale(factory, [(bread, D("1"))]).result
                seen.append((started, sale.id if sale else None))
            except InsufficientStock:
                seen.append((started, None))
        return seen

    def holder() -> None:
        barrier.wait()
        food_safety.hold_recall(factory, material_id=flour, lot="L-42")
        held_at.append(datetime.now(UTC))

    with ThreadPoolExecutor(THREADS) as pool:
        sellers = [pool.submit(seller) for _ in range(THREADS - 1)]
        pool.submit(holder).result(timeout=60)
        sales = [s for future in sellers for s in future.result(timeout=60)]
    after_hold = {sale_id for started, sale_id in sales if started > held_at[0]}
    assert after_hold <= {None}, "nothing is sold once the hold is in place"
    with factory() as session:
        unheld = session.scalar(select(func.count()).select_from(ProductLot)
                                .where(ProductLot.hold_id.is_(None), ProductLot.remaining > 0))
    assert unheld == 0, "every lot the supplier lot reached is held, whatever sold meanwhile"
    assert lot_id and mismatches(factory) == []
