"""Payments and change: cash, card, other, split; change only from cash; never short."""

from decimal import Decimal as D

import pytest

from bakery.domain.errors import ValidationFailed
from bakery.domain.payments import Payment, by_method, settle


def test_no_payments_is_one_cash_payment_of_the_total():
    settled = settle(D("7.50"), None)
    assert settled.payments == (Payment("cash", D("7.50")),)
    assert settled.change == D("0.00") and not settled.given


def test_cash_over_the_total_gives_change():
    settled = settle(D("7.50"), [Payment("cash", D("10.00"))])
    assert settled.change == D("2.50") and settled.given


def test_a_split_payment_gives_change_from_its_cash_part():
    settled = settle(D("7.50"), [Payment("card", D("5.00")), Payment("cash", D("5.00"))])
    assert settled.change == D("2.50")
    assert by_method(settled.payments, settled.change) == {
        "cash": D("2.50"), "card": D("5.00"), "other": D("0.00")}


def test_payments_below_the_total_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        settle(D("7.50"), [Payment("card", D("5.00")), Payment("cash", D("2.49"))])
    assert "payments" in refused.value.details


def test_change_cannot_come_from_a_card():
    with pytest.raises(ValidationFailed) as refused:
        settle(D("7.50"), [Payment("card", D("10.00"))])
    assert "cash" in refused.value.details["payments"]


def test_change_larger_than_the_cash_paid_is_refused():
    with pytest.raises(ValidationFailed):
        settle(D("7.50"), [Payment("card", D("7.00")), Payment("cash", D("1.00")),
                           Payment("other", D("1.00"))])


def test_an_exact_card_payment_needs_no_change():
    assert settle(D("7.50"), [Payment("card", D("7.50"))]).change == D("0.00")


def test_unknown_methods_and_amounts_that_are_not_positive_are_refused():
    with pytest.raises(ValidationFailed) as unknown:
        settle(D("1.00"), [Payment("cheque", D("1.00"))])
    assert "payments.0.method" in unknown.value.details
    with pytest.raises(ValidationFailed) as negative:
        settle(D("1.00"), [Payment("cash", D("2.00")), Payment("card", D("-1.00"))])
    assert "payments.1.amount" in negative.value.details
