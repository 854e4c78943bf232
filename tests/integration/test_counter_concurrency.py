"""Refunds racing each other and racing sales, as parallel requests, on SQLite and PostgreSQL.

A barrier starts the requests together. However they interleave, a sale is never refunded
beyond what it sold, stock never goes negative, and the ledger still matches the stock.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import Product, ProductLot, RefundItem, TillSession
from bakery.services import till
from tests.builders import Bakery, ThroughServices
from tests.conftest import Api, login

from .helpers import mismatches

THREADS = 8


def in_parallel(calls: list) -> list:
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, c) for c in calls]]


def clients(app, admin: Api, count: int) -> list[Api]:
    """One test client per thread, all with the admin's token."""
    return [Api(app.test_client(), admin.token) for _ in range(count)]


def test_parallel_refunds_of_one_sale_never_refund_more_than_was_sold(app, sessions, bakery):
    admin = login(app, "admin")
    bread = bakery.stocked_bread(10, price="2.00")
    sale = bakery.sell({bread: "5"}).result
    body = {"items": [{"product_id": bread, "quantity": 1}]}
    statuses = in_parallel([
        (lambda c=c: c.post(f"/sales/{sale.id}/refunds", json=body).status_code)
        for c in clients(app, admin, THREADS)])
    assert sorted(statuses) == [201] * 5 + [409] * (THREADS - 5)
    with sessions() as session:
        assert session.scalar(select(func.sum(RefundItem.quantity))) == D(5)
        assert session.scalar(select(func.sum(ProductLot.remaining))) == D(10)
    assert mismatches(sessions) == []


def test_parallel_whole_refunds_give_back_one_sale_once(app, sessions, bakery):
    admin = login(app, "admin")
    bread = bakery.stocked_bread(6, price="2.00")
    sale = bakery.sell({bread: "4"}).result
    statuses = in_parallel([(lambda c=c: c.post(f"/sales/{sale.id}/refunds", json={}).status_code)
                            for c in clients(app, admin, THREADS)])
    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert mismatches(sessions) == []


def test_refunds_and_sales_racing_on_one_lot_never_let_stock_go_negative(app, sessions, bakery):
    admin = login(app, "admin")
    bread = bakery.stocked_bread(6, price="2.00")  # one lot of 6
    sales = [bakery.sell({bread: "1"}).result for _ in range(4)]  # 2 left on the lot
    workers = clients(app, admin, THREADS)
    calls = []
    for i, client in enumerate(workers):
        if i % 2:
            calls.append(lambda c=client, s=sales[i // 2]: ("refund", c.post(
                f"/sales/{s.id}/refunds", json={}).status_code))
        else:
            calls.append(lambda c=client: ("sale", c.post("/sales", json={
                "items": [{"product_id": bread, "quantity": 1}]}).status_code))
    outcomes = in_parallel(calls)
    assert {status for _, status in outcomes} <= {201, 409}
    refunded = sum(1 for kind, status in outcomes if kind == "refund" and status == 201)
    sold = sum(1 for kind, status in outcomes if kind == "sale" and status == 201)
    assert refunded == 4
    with sessions() as session:
        remaining = session.scalar(select(func.sum(ProductLot.remaining)))
        negative = session.scalar(select(func.count()).select_from(ProductLot)
                                  .where(ProductLot.remaining < 0))
    assert negative == 0
    assert remaining == D(2) + refunded - sold >= 0
    assert mismatches(sessions) == []


@contextmanager
def _counter_sale_waiting(pg_url, others: tuple[str, ...] = ()):
    """A counter sale of one `bread` waiting for that product's row lock, held here until the
    block ends, and products named `others` in stock; yields (engine, bakery, the products by
    name, the till session id, a thread pool, the sale's future)."""
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    try:
        bakery = Bakery(ThroughServices(factory))
        stocked = {name: bakery.stocked_bread(5) for name in ("bread", *others)}
        session_id = till.open_session(factory, till="front", opening_float=D(0)).resource_id
        with engine.connect() as holder, holder.begin(), ThreadPoolExecutor(2) as pool:
            holder.execute(select(Product.id).where(Product.id == stocked["bread"])
                           .with_for_update())
            sale = pool.submit(bakery.sell, {stocked["bread"]: "1"}, till_session_id=session_id)
            try:
                _wait_until_blocked(engine, sale)
                yield engine, bakery, stocked, session_id, pool, sale
            finally:
                holder.commit()  # let the sale go on, whatever happened
            assert sale.result(timeout=60).result.till_session_id == session_id
    finally:
        engine.dispose()


def _refuse_closing(engine, session_id) -> None:
    """Closing the till (FOR UPDATE of its session) must wait: NOWAIT fails at once."""
    with engine.connect() as other, other.begin(), \
            pytest.raises(OperationalError, match="could not obtain lock"):
        other.execute(select(TillSession.id).where(TillSession.id == session_id)
                      .with_for_update(nowait=True))


@pytest.mark.postgres
def test_a_counter_sale_locks_its_till_session_before_its_products(pg_url):
    """The order refunds and closing lock in: a sale waiting for a product holds the session."""
    with _counter_sale_waiting(pg_url) as (engine, _bakery, _stocked, session_id, _pool, _sale):
        _refuse_closing(engine, session_id)


@pytest.mark.postgres
def test_sales_on_one_till_do_not_wait_for_each_other(pg_url):
    """A sale waiting for its product holds the till session only FOR SHARE: another sale on the
    same till goes through meanwhile, and closing the till still has to wait for the first."""
    with _counter_sale_waiting(pg_url, ("bun",)) as (engine, bakery, stocked, session_id, pool,
                                                     first):
        second = pool.submit(bakery.sell, {stocked["bun"]: "1"}, till_session_id=session_id)
        # had it waited for the first sale's till lock, it would wait for the held product
        assert second.result(timeout=30).result.till_session_id == session_id
        assert not first.done()
        _refuse_closing(engine, session_id)


def _wait_until_blocked(engine, sale) -> None:
    """Until the sale's statement waits for a row lock (or it ended, which fails the test)."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND datname = current_database()")
    deadline = time.monotonic() + 60
    with engine.connect() as watcher:
        while not sale.done() and time.monotonic() < deadline:
            if watcher.execute(waiting).scalar_one():
                return
            watcher.rollback()
            time.sleep(0.01)
    pytest.fail(f"the sale never waited for the product's lock ({sale!r})")
