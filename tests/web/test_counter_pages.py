"""The counter's pages: paying and change at the POS, the till and its Z report, refunds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bakery.clock import Clock, install
from bakery.db.models import Refund, Sale, TillSession
from bakery.services import till

from .conftest import count

NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(app):
    install(app, Clock(frozen_at=NOON))


def _key(page: str, form_action: str = "/pos") -> str:
    form = page[page.index(f'action="{form_action}"'):]
    return re.search(r'name="key" value="([^"]+)"', form).group(1)


def test_the_pos_asks_to_open_the_till_and_sells_nothing_until_then(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    cashier = browser_as("cashier")
    page = cashier.get("/pos").text
    assert 'data-test="open-till"' in page
    refused = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "1",
                                    "key": _key(page)}, status=409).text
    assert "Open the till (counter) first" in refused
    assert count(sessions, Sale) == 0
    opened = cashier.post("/till/open", {"till": "counter", "opening_float": "20",
                                         "next": "pos", "key": "k1"})
    page = cashier.get(opened.headers["Location"]).text
    assert 'data-test="till-session"' in page and 'data-test="open-till"' not in page


def test_the_pos_needs_no_session_when_the_bakery_says_so(app, browser_as, bakery, sessions):
    app.extensions["bakery.settings"].require_till_session = False
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    cashier = browser_as("cashier")
    page = cashier.get("/pos").text
    assert 'data-test="open-till"' not in page
    cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "1", "key": _key(page)})
    assert count(sessions, Sale) == 1


def test_cash_tendered_shows_the_change_in_large_type(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    till.open_session(sessions, till="counter", opening_float=Decimal(0))
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    done = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "3", "key": key,
                                 "tendered": "10"})
    page = cashier.get(done.headers["Location"]).text
    assert 'data-test="change">Change <strong>2.50</strong>' in page


def test_card_and_split_are_one_tap_each(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    till.open_session(sessions, till="counter", opening_float=Decimal(0))
    cashier = browser_as("cashier")
    card = cashier.post("/pos", {"action": "checkout-card", f"qty-{bread}": "1",
                                 "key": _key(cashier.get("/pos").text)})
    assert "paid card 2.50" in cashier.get(card.headers["Location"]).text
    split = cashier.post("/pos", {"action": "checkout-split", f"qty-{bread}": "2",
                                  "card_amount": "3.00", "tendered": "5",
                                  "key": _key(cashier.get("/pos").text)})
    page = cashier.get(split.headers["Location"]).text
    assert "paid card 3.00 + cash 5.00" in page
    assert 'data-test="change">Change <strong>3.00</strong>' in page


def test_short_cash_is_marked_and_nothing_is_sold(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    till.open_session(sessions, till="counter", opening_float=Decimal(0))
    cashier = browser_as("cashier")
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "2", "tendered": "4",
                                 "key": _key(cashier.get("/pos").text)}, status=422).text
    assert 'id="e-tendered"' in page and "paid 4.00 of 5.00" in page
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "2", "tendered": "-4",
                                 "key": _key(page)}, status=400).text
    assert 'id="e-tendered"' in page
    assert count(sessions, Sale) == 0


def test_a_till_is_opened_paid_out_of_and_closed_with_a_printable_z_report(
        browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    manager = browser_as("manager")
    manager.get("/till")
    manager.post("/till/open", {"till": "counter", "opening_float": "50", "key": "a"})
    page = manager.get("/till").text
    session_id = int(re.search(r"Session (\d+): open", page).group(1))
    pos = manager.get("/pos").text
    manager.post("/pos", {"action": "checkout", f"qty-{bread}": "2", "key": _key(pos)})
    manager.post(f"/till/{session_id}/cash", {"till": "counter", "amount": "5",
                                              "direction": "out", "note": "milk", "key": "b"})
    page = manager.get("/till").text  # 50 float + 5.00 cash - 5 paid out
    assert 'data-test="expected">50.00' in page and 'data-test="sales-count">1' in page
    closed = manager.post(f"/till/{session_id}/close", {"till": "counter",
                                                        "counted_cash": "49.00", "key": "c"})
    z = manager.get(closed.headers["Location"]).text
    assert "Z report 1" in z and 'data-test="expected">50.00' in z
    assert 'data-test="variance"><strong>-1.00' in z and "data-print" in z
    assert "<script>" not in z and "style=" not in z
    with sessions() as db:
        assert db.get(TillSession, session_id).status == "closed"


def test_bad_till_forms_are_marked_and_change_nothing(browser_as, sessions):
    manager = browser_as("manager")
    manager.get("/till")
    page = manager.post("/till/open", {"till": "counter", "opening_float": "-1", "key": "a"},
                        status=400).text
    assert 'id="e-opening_float"' in page
    assert count(sessions, TillSession) == 0


def test_the_sales_history_refunds_chosen_lines(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    sale_id = bakery.sell({bread: "3"})["id"]
    manager = browser_as("manager")
    assert f'data-test="refund-{sale_id}"' in manager.get("/sales?from=2026-03-01&to=2026-03-31"
                                                           ).text
    form = manager.get(f"/sales/{sale_id}/refund").text
    assert f'name="qty-{bread}"' in form and "0 of 3" in form
    done = manager.post(f"/sales/{sale_id}/refund", {"action": "refund", f"qty-{bread}": "2",
                                                     "restock": "on", "reason": "stale",
                                                     "key": "r1"})
    page = manager.get(done.headers["Location"]).text
    assert "back (cash), restocked" in page and "0 of 1" in page
    too_many = manager.post(f"/sales/{sale_id}/refund", {"action": "refund",
                                                         f"qty-{bread}": "2", "key": "r2"},
                            status=409).text
    assert "more than was sold" in too_many
    assert count(sessions, Refund) == 1


def test_a_cashier_voids_their_own_sale_but_not_after_the_void_minutes(
        app, browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=5, price="2.50")
    till.open_session(sessions, till="counter", opening_float=Decimal(0))
    cashier = browser_as("cashier")
    cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "1",
                          "key": _key(cashier.get("/pos").text)})
    cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "1",
                          "key": _key(cashier.get("/pos").text)})
    with sessions() as db:
        first, second = sorted(db.scalars(Sale.__table__.select().with_only_columns(
            Sale.__table__.c.id)))
    cashier.post(f"/sales/{first}/refund", {"action": "void", "key": "v1"})
    install(app, Clock(frozen_at=NOON + timedelta(minutes=11)))
    late = cashier.post(f"/sales/{second}/refund", {"action": "void", "key": "v2"},
                        status=403).text
    assert "ask a manager" in late
    assert count(sessions, Refund) == 1


def test_a_product_gets_its_tax_rates_on_its_form(browser_as, api):
    manager = browser_as("manager")
    manager.get("/products/new")
    done = manager.post("/products/new", {"name": "Latte", "price": "3.20", "tax_rate": "7",
                                          "eat_in_tax_rate": "19"})
    product_id = int(done.headers["Location"].rsplit("/", 1)[1])
    product = api.ok("GET", f"/products/{product_id}")
    assert (product["tax_rate"], product["eat_in_tax_rate"]) == ("7.00", "19.00")
    page = manager.post("/products/new", {"name": "Tea", "price": "2", "tax_rate": "101"},
                        status=400).text
    assert 'id="e-tax_rate"' in page
