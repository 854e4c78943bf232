"""What the counter's fields cost a sale: tax and a till session nothing (the session is
locked by the products' lock), payments one statement on SQLite (PostgreSQL writes them in the
sale's one statement)."""

from __future__ import annotations

from decimal import Decimal as D

from bakery.domain.payments import Payment
from bakery.services import till

from .test_statement_budget import SALE_BUDGET, counted

# Extra statements for a sale with payments and a till session: on SQLite the payments' insert.
EXTRA = {"postgresql": 0, "sqlite": 1}


def test_a_taxed_sale_with_payments_in_a_till_session_costs_at_most_one_statement_more(
        bakery, sessions):
    bread = bakery.product(price="2.20", tax_rate="10")
    flour = bakery.material()
    bakery.batch(flour, "10", "1.00")
    recipe = bakery.recipe(bread, {flour: "1"}, yield_quantity="10")
    bakery.bake(recipe, 1)
    session_id = till.open_session(sessions, till="front", opening_float=D(0)).resource_id
    with counted(sessions) as plain:
        bakery.sell({bread: "1"})
    with counted(sessions) as full:
        sale = bakery.sell({bread: "2"}, till_session_id=session_id,
                           payments=[Payment("card", D("2.00")),
                                     Payment("cash", D("5.00"))]).result
    dialect = sessions.kw["bind"].dialect.name
    assert len(plain) == SALE_BUDGET[dialect], plain
    assert len(full) == len(plain) + EXTRA[dialect], full
    assert (sale.total, sale.tax, sale.change) == (D("4.40"), D("0.40"), D("2.60"))
