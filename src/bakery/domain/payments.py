"""How a sale is paid: cash, card or other, split as the customer likes; change only from cash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .errors import ValidationFailed
from .numbers import ZERO, money

METHODS = ("cash", "card", "other")
CASH = "cash"


@dataclass(frozen=True)
class Payment:
    method: str
    amount: Decimal


@dataclass(frozen=True)
class Settlement:
    """The payments as given (or one cash payment of the total) and the change handed back."""

    payments: tuple[Payment, ...]
    change: Decimal
    given: bool  # False when the client sent no payments: one cash payment of the total


def settle(total: Decimal, payments: Sequence[Payment] | None) -> Settlement:
    """Check payments against a total; the change, which only cash may give.

    No payments means one cash payment of exactly the total. Payments below the total, an
    unknown method, an amount that is not positive, or change larger than the cash paid are
    refused with the field to blame.
    """
    if not payments:
        return Settlement((Payment(CASH, total),), money(ZERO), given=False)
    for i, payment in enumerate(payments):
        if payment.method not in METHODS:
            raise ValidationFailed("unknown payment method", {
                f"payments.{i}.method": f"must be one of {', '.join(METHODS)}"})
        if payment.amount <= 0:
            raise ValidationFailed("a payment must be positive", {
                f"payments.{i}.amount": "must be greater than zero"})
    paid = sum((p.amount for p in payments), ZERO)
    if paid < total:
        raise ValidationFailed("the payments do not cover the sale", {
            "payments": f"paid {money(paid)} of {money(total)}"})
    change = money(paid - total)
    cash = sum((p.amount for p in payments if p.method == CASH), ZERO)
    if change > cash:
        raise ValidationFailed("change can only be given from cash", {
            "payments": f"paid {money(change)} over the total but only {money(cash)} in cash"})
    return Settlement(tuple(payments), change, given=True)


def by_method(payments: Sequence[Payment], change: Decimal) -> dict[str, Decimal]:
    """What each method brought in: cash net of the change handed back."""
    sums = {method: money(ZERO) for method in METHODS}
    for payment in payments:
        sums[payment.method] += payment.amount
    sums[CASH] -= change
    return sums
