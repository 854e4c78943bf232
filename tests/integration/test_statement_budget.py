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


# --- the reads a till makes most: a product's answer and the POS page -------------------------
#
# Whole requests through the test client, the sign-in check included. A product's answer is
# the product with its stock and open lots in one statement, then the recipes it is made of in
# another, however many lots, recipes or products there are. The POS page: the products for
# sale (with what expires today), the recipes, and the till's session. SQLite begins each read
# through the cursor, so its BEGINs are counted.

from bakery.services import catalog  # noqa: E402 - this section's own imports
from tests.builders import unique  # noqa: E402
from tests.conftest import login  # noqa: E402
from tests.web.conftest import Browser, make_user  # noqa: E402

PRODUCT_BUDGET = {"postgresql": 3, "sqlite": 5}
POS_BUDGET = {"postgresql": 4, "sqlite": 7}


def _rich_bread(bakery, lots: int) -> int:
    """A bread of two materials and an in-house dough, with `lots` lots."""
    flour, seeds = bakery.material(), bakery.material()
    bakery.batch(flour, str(4 * lots + 2), "1.00", date(2026, 1, 1))
    bakery.batch(seeds, "100", "2.00", date(2026, 1, 1))
    dough = bakery.product(price="0")
    bakery.bake(bakery.recipe(dough, {flour: "1"}, yield_quantity="100"), 1)
    bread = bakery.product(price="3.20", tax_rate="7", eat_in_tax_rate="19")
    recipe = catalog.save_recipe(bakery.through.factory, None, {
        "name": unique("Seeded"), "product_id": bread, "yield_quantity": D("2"),
        "ingredients": [{"material_id": flour, "quantity": D("2")},
                        {"material_id": seeds, "quantity": D("1")},
                        {"product_id": dough, "quantity": D("1")}]})
    for _ in range(lots):
        bakery.bake(recipe, 1)
    return bread


def test_a_products_answer_takes_the_same_few_statements_for_one_lot_or_ten(app, bakery,
                                                                             sessions):
    api = login(app, "cashier")
    small, large = _rich_bread(bakery, 1), _rich_bread(bakery, 10)
    for _ in range(4):  # more of the catalogue to read: more rows, not more statements
        _rich_bread(bakery, 2)
    api.get(f"/products/{small}")  # the first request connects and warms up
    with counted(sessions) as one:
        assert api.get(f"/products/{small}").status_code == 200
    with counted(sessions) as ten:
        answer = api.get(f"/products/{large}")
    with counted(sessions) as missing:
        assert api.get("/products/999999").status_code == 404
    assert answer.status_code == 200 and len(answer.get_json()["lots"]) == 10
    assert len(one) == len(ten), ten
    assert len(ten) <= PRODUCT_BUDGET[sessions.kw["bind"].dialect.name], ten
    # beyond what finding the product costs (the sign-in check and the product's own row),
    # only the statement for what it is made of
    assert len(ten) == len(missing) + 1, (ten, missing)


def test_the_pos_page_takes_the_same_few_statements_for_two_products_or_twelve(app, bakery,
                                                                               sessions):
    browser = Browser(app)
    browser.login(make_user(app, "cashier"))
    first = [_rich_bread(bakery, 1) for _ in range(2)]
    browser.get("/pos")
    with counted(sessions) as two:
        page = browser.get("/pos")
    more = [_rich_bread(bakery, 2) for _ in range(10)]
    with counted(sessions) as twelve:
        fuller = browser.get("/pos")
    assert all(f'data-product="{p}"' in page.text for p in first)
    assert all(f'data-product="{p}"' in fuller.text for p in first + more)
    assert len(two) == len(twelve), twelve
    assert len(twelve) <= POS_BUDGET[sessions.kw["bind"].dialect.name], twelve


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
