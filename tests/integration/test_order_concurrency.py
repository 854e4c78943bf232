"""Customer orders under concurrency: an order is sold once however many tills press "fulfil"
at the same moment, and orders fighting over scarce stock never oversell it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.models import CustomerOrder, ProductLot, Sale
from bakery.domain.errors import Conflict, InsufficientStock
from bakery.services import orders as ordering

from .helpers import mismatches
from .workers import set_scene

THREADS = 8
FAR = date(2099, 1, 1)  # due in the future whatever the machine's date


@pytest.fixture
def factory(database_url):
    engine = make_engine(database_url, pool_size=THREADS, max_overflow=0)
    yield make_session_factory(engine)
    engine.dispose()


def _together(worker, count=THREADS):
    barrier = threading.Barrier(count)

    def run(n):
        barrier.wait()
        try:
            return ("ok", worker(n))
        except (Conflict, InsufficientStock) as exc:
            return ("refused", type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            return ("error", repr(exc))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _bread_left(factory, scene):
    with factory() as session:
        return session.scalar(select(func.sum(ProductLot.remaining))
                              .where(ProductLot.product_id == scene.bread))


def test_an_order_fulfilled_from_many_tills_at_once_is_sold_once(factory):
    scene = set_scene(factory)
    order = ordering.create_order(factory, customer="Cafe", due_date=FAR,
                                  items=[(scene.bread, D(2))]).resource_id
    before = _bread_left(factory, scene)
    outcomes = _together(lambda n: ordering.fulfil_order(factory, order).result.id)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sum(1 for o in outcomes if o[0] == "ok") == 1
    assert _bread_left(factory, scene) == before - 2
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Sale)) == 1
        assert session.get(CustomerOrder, order).status == "fulfilled"
    assert mismatches(factory) == []


def test_orders_fighting_over_scarce_stock_never_oversell_it(factory):
    scene = set_scene(factory)  # 6 bread
    ids = [ordering.create_order(factory, customer=f"C{n}", due_date=FAR,
                                 items=[(scene.bread, D("1.5"))]).resource_id
           for n in range(THREADS)]
    outcomes = _together(lambda n: ordering.fulfil_order(factory, ids[n]).result.id)
    assert [o for o in outcomes if o[0] == "error"] == []
    sold = sum(1 for o in outcomes if o[0] == "ok")
    assert sold == 4  # 4 x 1.5 = 6: the rest are refused whole
    assert _bread_left(factory, scene) == 0
    with factory() as session:
        statuses = list(session.scalars(select(CustomerOrder.status).order_by(CustomerOrder.id)))
    assert statuses.count("fulfilled") == 4 and statuses.count("open") == THREADS - 4
    assert mismatches(factory) == []


def test_a_standing_order_is_delivered_once_per_day(factory):
    scene = set_scene(factory)
    standing = ordering.create_standing_order(factory, customer="Cafe", weekdays=[1, 2, 3, 4, 5],
                                              starts_on=FAR, items=[(scene.bun, D(1))])
    monday = date(2099, 1, 5)
    outcomes = _together(lambda n: ordering.deliver_standing_order(factory, standing, monday))
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sum(1 for o in outcomes if o[0] == "ok") == 1
    assert mismatches(factory) == []
