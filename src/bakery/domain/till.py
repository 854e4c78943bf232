"""Cash-up: what a till should hold and how far the count is from it (pure arithmetic)."""

from __future__ import annotations

from decimal import Decimal

from .numbers import money


def expected_cash(opening_float: Decimal, cash_taken: Decimal, cash_refunded: Decimal,
                  cash_moves: Decimal) -> Decimal:
    """Float + cash paid net of change - cash refunded + cash paid in (less paid out)."""
    return money(opening_float + cash_taken - cash_refunded + cash_moves)


def variance(counted: Decimal, expected: Decimal) -> Decimal:
    """Counted minus expected: positive when the drawer holds more than it should."""
    return money(counted - expected)
