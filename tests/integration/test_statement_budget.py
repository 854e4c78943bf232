"""The hot path stays lean: a sale costs the same few statements however many lots it draws."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal as D

from sqlalchemy import event

# Statements of one sale, not counting BEGIN and COMMIT: lock the products, read their open
# lots, then write. PostgreSQL writes in one statement; SQLite in four (and begins IMMEDIATE
# through the cursor, so its BEGIN is counted).
SALE_BUDGET = {"postgresql": 3, "sqlite": 7}


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
    assert len(large) <= SALE_BUDGET[dialect], large
    assert (sale.total, sale.cost) == (D("40.00"), D("10.00"))


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


# --- an authenticated read: the token check costs no statement while the token is cached ------

# GET /api/v1/users/{id}: the user's row, and with the token cache off (TOKEN_CACHE_SECONDS=0)
# the token's lookup before it. SQLite begins each read through the cursor: its BEGINs count.
AUTHENTICATED_GET_BUDGET = {"postgresql": {"warm token cache": 1, "token cache off": 2},
                            "sqlite": {"warm token cache": 2, "token cache off": 4}}


def test_an_authenticated_get_reads_the_token_only_when_it_is_not_cached(app, api, sessions):
    from bakery.clock import Clock, install
    from bakery.db.models import utcnow
    from bakery.services import token_cache

    install(app, Clock(frozen_at=utcnow()))  # no time passes: the cache stays warm, no touch
    user = api.ok("GET", "/users")["items"][0]["id"]
    with counted(sessions) as warm:
        api.ok("GET", f"/users/{user}")
    token_cache.attach(sessions, 0)
    with counted(sessions) as cold:
        api.ok("GET", f"/users/{user}")
    budget = AUTHENTICATED_GET_BUDGET[sessions.kw["bind"].dialect.name]
    assert len(warm) <= budget["warm token cache"], warm
    assert not [s for s in warm if "api_tokens" in s]
    assert len(cold) <= budget["token cache off"], cold
