"""The hot path stays lean: a sale costs the same few statements however many lots it draws."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal as D

from sqlalchemy import event

from bakery.services.unit_of_work import Idempotency

# Statements of one sale, not counting BEGIN and COMMIT: lock the products, read their open
# lots, then write. PostgreSQL writes in one statement; SQLite in four (and begins IMMEDIATE
# through the cursor, so its BEGIN is counted).
SALE_BUDGET = {"postgresql": 3, "sqlite": 7}
# What an Idempotency-Key adds: its claim; PostgreSQL records the sale on the key in the
# sale's write, SQLite in one more statement.
KEY_EXTRA = {"postgresql": 1, "sqlite": 2}


@contextmanager
def counted(factory) -> Iterator[list[str]]:
    engine = factory.kw["bind"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _lots(bakery, product_price: str, lots: int) -> int:
    """A product with `lots` lots of 2 units each."""
    flour = bakery.material()
    bakery.batch(flour, str(2 * lots), "1.00", date(2026, 1, 1))
    bread = bakery.product(price=product_price)
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="2")
    for _ in range(lots):
        bakery.bake(recipe, 1)
    return bread


def test_a_sale_takes_the_same_few_statements_for_one_lot_or_ten(bakery, sessions):
    one, ten = _lots(bakery, "2.00", 1), _lots(bakery, "2.00", 10)
    with counted(sessions) as small:
        bakery.sell({one: "1"})
    with counted(sessions) as large:
        sale = bakery.sell({ten: "20"}).result
    dialect = sessions.kw["bind"].dialect.name
    assert len(small) == len(large), large
    assert len(large) == SALE_BUDGET[dialect], large
    assert (sale.total, sale.cost) == (D("40.00"), D("10.00"))


def test_an_idempotency_key_costs_a_sale_its_claim_and_no_lookup_or_update_more(bakery, sessions):
    bread = _lots(bakery, "2.00", 2)
    key = Idempotency(bakery.through.user_id, "POST /sales", "till-1-0001", "fingerprint")
    with counted(sessions) as keyed:
        sale = bakery.sell({bread: "1"}, idem=key)
    dialect = sessions.kw["bind"].dialect.name
    assert len(keyed) == SALE_BUDGET[dialect] + KEY_EXTRA[dialect], keyed
    with counted(sessions) as replayed:
        again = bakery.sell({bread: "1"}, idem=key)
    assert (again.replayed, again.resource_id) == (True, sale.resource_id)
    assert len(replayed) < len(keyed), replayed


def test_a_sale_of_several_products_takes_no_more_statements_than_one(bakery, sessions):
    products = [_lots(bakery, "1.50", 2) for _ in range(4)]
    with counted(sessions) as single:
        bakery.sell({products[0]: "3"})
    with counted(sessions) as several:
        sale = bakery.sell(dict.fromkeys(products[1:], "1")).result
    assert len(single) == len(several)
    assert sale.total == D("4.50")


def test_fulfilling_an_order_costs_its_sale_and_four_statements_more(bakery, sessions):
    from bakery.services import orders

    bread = _lots(bakery, "2.00", 3)
    order = orders.create_order(sessions, customer="Cafe", due_date=date(2099, 1, 1),
                                items=[(bread, D("3"))]).resource_id
    with counted(sessions) as sale:
        bakery.sell({bread: "1"})
    with counted(sessions) as fulfil:
        orders.fulfil_order(sessions, order)
    # read the order and its lines (its own short read, which SQLite begins through the
    # cursor), lock the order, mark it fulfilled
    extra = {"postgresql": 4, "sqlite": 5}[sessions.kw["bind"].dialect.name]
    assert len(fulfil) <= len(sale) + extra, fulfil
