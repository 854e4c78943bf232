"""Tax on tax-inclusive prices: the counter price is what the customer pays, tax is inside it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .numbers import ZERO, money

MAX_RATE = Decimal(100)
HUNDRED = Decimal(100)


def rate_for(tax_rate: Decimal, eat_in_tax_rate: Decimal | None, eat_in: bool) -> Decimal:
    """The rate a line is taxed at: the eat-in rate when eaten in and the product has one."""
    if eat_in and eat_in_tax_rate is not None:
        return eat_in_tax_rate
    return tax_rate


def tax_in(amount: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a tax-inclusive amount: amount x rate / (100 + rate), half-up to cents."""
    if rate == 0:
        return money(ZERO)
    return money(amount * rate / (HUNDRED + rate))


def net_of_tax(amount: Decimal, rate: Decimal) -> Decimal:
    """What an amount leaves once its tax is taken out."""
    return amount - tax_in(amount, rate)


def tax_by_rate(lines: Iterable[tuple[Decimal, Decimal]]) -> dict[Decimal, Decimal]:
    """Sum (rate, tax) pairs per rate, lowest rate first."""
    sums: dict[Decimal, Decimal] = {}
    for rate, tax in lines:
        key = money(rate)
        sums[key] = sums.get(key, ZERO) + tax
    return dict(sorted(sums.items()))
