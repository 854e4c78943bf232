"""Refunds valued as sold, back onto the lots the sale drew; the till's expected cash."""

from decimal import Decimal as D

import pytest

from bakery.domain.errors import Conflict
from bakery.domain.fifo import Draw
from bakery.domain.refunds import SoldLine, lots_to_return, refund_line
from bakery.domain.till import expected_cash, variance

DRAWN = [Draw(1, 9, D("2"), D("0.400000")), Draw(2, 9, D("3"), D("0.500000"))]


def test_units_go_back_to_the_lots_in_the_order_the_sale_drew_them():
    assert lots_to_return(DRAWN, {}, D("3")) == [Draw(1, 9, D("2"), D("0.400000")),
                                                 Draw(2, 9, D("1"), D("0.500000"))]


def test_what_earlier_refunds_put_back_is_not_put_back_twice():
    assert lots_to_return(DRAWN, {1: D("2"), 2: D("1")}, D("2")) == [
        Draw(2, 9, D("2"), D("0.500000"))]


def test_more_than_the_sale_drew_cannot_go_back():
    with pytest.raises(Conflict):
        lots_to_return(DRAWN, {1: D("1")}, D("5"))


LINE = SoldLine(9, D("3"), D("1.10"), D("3.30"), D("10"), D("0.30"), D("1.40"))


def test_a_partial_refund_is_valued_at_the_sale_price_tax_rate_and_lot_costs():
    back = refund_line(LINE, D("1"), [Draw(1, 9, D("1"), D("0.400000"))])
    assert (back.amount, back.tax, back.cost) == (D("1.10"), D("0.10"), D("0.40"))


def test_the_last_refund_of_a_line_takes_what_is_left_to_the_cent():
    earlier = SoldLine(9, D("3"), D("1.10"), D("3.30"), D("10"), D("0.30"), D("1.40"),
                       D("2"), D("2.20"), D("0.20"), D("0.80"))
    back = refund_line(earlier, D("1"), [Draw(2, 9, D("1"), D("0.500000"))])
    assert (back.amount, back.tax, back.cost) == (D("1.10"), D("0.10"), D("0.60"))


def test_refunding_more_than_is_left_is_a_conflict():
    earlier = SoldLine(9, D("3"), D("1.10"), D("3.30"), D("10"), D("0.30"), D("1.40"), D("2"))
    with pytest.raises(Conflict) as refused:
        refund_line(earlier, D("2"), [])
    assert refused.value.details["refundable"] == "1"


def test_expected_cash_is_float_plus_cash_taken_less_refunds_plus_moves():
    assert expected_cash(D("100.00"), D("42.50"), D("3.00"), D("-20.00")) == D("119.50")
    assert variance(D("118.00"), D("119.50")) == D("-1.50")
