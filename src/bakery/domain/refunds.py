"""Refunds of a sale: which lots the units go back to, and what they are worth.

A refund is valued at what the sale charged and cost, never at today's price or cost: the units
go back to the lots the sale drew them from, at the unit cost recorded on the sale's ledger rows.
The last refund of a line takes whatever is left of its amount, tax and cost, so partial refunds
add up to the line to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .errors import Conflict
from .fifo import Draw
from .numbers import ZERO, money
from .tax import tax_in


@dataclass(frozen=True)
class SoldLine:
    """A sale's line with what was already refunded of it."""

    product_id: int
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    tax_rate: Decimal
    tax: Decimal
    cost: Decimal
    refunded_quantity: Decimal = ZERO
    refunded_amount: Decimal = ZERO
    refunded_tax: Decimal = ZERO
    refunded_cost: Decimal = ZERO

    @property
    def refundable(self) -> Decimal:
        return self.quantity - self.refunded_quantity


@dataclass(frozen=True)
class RefundLine:
    product_id: int
    quantity: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    cost: Decimal
    draws: tuple[Draw, ...]  # the lots the units go back to, at the sale's cost


def lots_to_return(drawn: Sequence[Draw], returned: dict[int, Decimal],
                   quantity: Decimal) -> list[Draw]:
    """Split `quantity` over the lots the sale drew, in the order drawn, less what went back.

    `returned` is what earlier refunds already put back per lot.
    """
    left = quantity
    back = dict(returned)
    result = []
    for draw in drawn:
        if left <= 0:
            break
        already = min(back.get(draw.layer_id, ZERO), draw.quantity)
        back[draw.layer_id] = back.get(draw.layer_id, ZERO) - already
        room = draw.quantity - already
        if room <= 0:
            continue
        take = min(room, left)
        result.append(Draw(draw.layer_id, draw.item_id, take, draw.unit_cost))
        left -= take
    if left > 0:
        raise Conflict("the sale's ledger rows do not cover the refund",
                       {"quantity": f"{left} more than the sale drew"})
    return result


def refund_line(line: SoldLine, quantity: Decimal, draws: Sequence[Draw]) -> RefundLine:
    """Value `quantity` units of a sold line: at its unit price, tax rate and FIFO cost."""
    if quantity > line.refundable:
        raise Conflict("more than was sold and not yet refunded", {
            "product_id": line.product_id, "requested": str(quantity),
            "refundable": str(line.refundable)})
    if quantity == line.refundable:  # the rest of the line: whatever is left, to the cent
        amount = line.line_total - line.refunded_amount
        tax = line.tax - line.refunded_tax
        cost = line.cost - line.refunded_cost
    else:
        amount = money(line.unit_price * quantity)
        tax = tax_in(amount, line.tax_rate)
        cost = money(sum((d.quantity * d.unit_cost for d in draws), ZERO))
    return RefundLine(line.product_id, quantity, amount, line.tax_rate, tax, cost, tuple(draws))
