"""The point of sale without JavaScript: the cart is the form; checkout never sells twice."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bakery.db.models import Sale
from bakery.services import till

from .conftest import count


@pytest.fixture(autouse=True)
def open_till(sessions):
    """The page sells within an open session of its till ("counter" unless named)."""
    return till.open_session(sessions, till="counter", opening_float=Decimal(0)).resource_id


def _key(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def test_pos_shows_a_button_per_product_with_its_stock(browser_as, bakery):
    bread = bakery.stocked_bread(loaves=7, price="2.50")
    page = browser_as("cashier").get("/pos").text
    assert f'value="add:{bread}"' in page
    assert "7 in stock" in page and "2.50" in page


def test_cart_changes_without_javascript(browser_as, bakery):
    bread = bakery.stocked_bread(loaves=7, price="2.50")
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    page = cashier.post("/pos", {"action": f"add:{bread}", "key": key}, status=200).text
    page = cashier.post("/pos", {"action": f"more:{bread}", f"qty-{bread}": "1", "key": key},
                        status=200).text
    assert f'name="qty-{bread}" class="qty" type="text" inputmode="decimal" size="4" value="2"' in page
    assert 'data-test="cart-total">5.00' in page
    page = cashier.post("/pos", {"action": f"less:{bread}", f"qty-{bread}": "2", "key": key},
                        status=200).text
    assert 'data-test="cart-total">2.50' in page


def test_checkout_records_the_sale_and_shows_it(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=7, price="2.50")
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    response = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "3", "key": key})
    page = cashier.get(response.headers["Location"]).text
    assert "recorded: <strong>7.50</strong>" in page
    assert "4 in stock" in page
    assert count(sessions, Sale) == 1


def test_a_double_tap_sells_once(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=7)
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    form = {"action": "checkout", f"qty-{bread}": "2", "key": key}
    first = cashier.post("/pos", form)
    second = cashier.post("/pos", form)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(sessions, Sale) == 1
    assert "5 in stock" in cashier.get("/pos").text


def test_each_pos_page_gets_a_new_key(browser_as, bakery):
    bakery.stocked_bread()
    cashier = browser_as("cashier")
    assert _key(cashier.get("/pos").text) != _key(cashier.get("/pos").text)


def test_selling_more_than_in_stock_names_the_product_and_sells_nothing(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=3)
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "5", "key": key},
                        status=409).text
    assert "not enough stock: Bread-" in page and "Nothing was sold" in page
    assert "only 3 in stock" in page
    assert 'value="5"' in page  # the cart is kept
    assert count(sessions, Sale) == 0


def test_bad_quantities_are_marked_and_nothing_is_sold(browser_as, bakery, sessions):
    bread = bakery.stocked_bread(loaves=3)
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "two", "key": key},
                        status=400).text
    assert f'id="e-qty-{bread}">not a decimal number' in page
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "1.0000001", "key": key},
                        status=400).text
    assert "at most 6 decimal places" in page
    page = cashier.post("/pos", {"action": "checkout", f"qty-{bread}": "-1", "key": key},
                        status=400).text
    assert "must be zero or more" in page
    assert count(sessions, Sale) == 0


def test_empty_cart_cannot_be_charged(browser_as, bakery, sessions):
    bakery.stocked_bread()
    cashier = browser_as("cashier")
    key = _key(cashier.get("/pos").text)
    page = cashier.post("/pos", {"action": "checkout", "key": key}, status=400).text
    assert "The cart is empty" in page
    assert count(sessions, Sale) == 0


def test_baker_has_no_till(browser_as):
    browser_as("baker").get("/pos", status=403)
