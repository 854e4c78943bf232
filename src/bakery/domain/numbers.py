"""Money and quantity rules: exact decimals at a fixed scale, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

MONEY_PLACES = 2
QUANTITY_PLACES = 3
UNIT_COST_PLACES = 6
# A double holds 15 significant decimal digits faithfully (DBL_DIG); beyond that is binary noise.
FLOAT_DIGITS = 15
# No amount a bakery keeps has more digits before the point; larger ones are refused before any
# arithmetic on them (quantizing 1e308 would overflow the decimal context).
LARGEST_DIGITS = 20
MONEY_STEP = Decimal(1).scaleb(-MONEY_PLACES)
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)
UNIT_COST_STEP = Decimal(1).scaleb(-UNIT_COST_PLACES)
ZERO = Decimal(0)
# Numeric(14, 3) and Numeric(14, 2): eleven or twelve integer digits are far beyond any bakery.
MAX_QUANTITY = Decimal("99999999999.999")
MAX_MONEY = Decimal("999999999999.99")


def money(value: Decimal | int | str) -> Decimal:
    """Round a money amount to cents, half up (the way a till rounds)."""
    return Decimal(value).quantize(MONEY_STEP, rounding=ROUND_HALF_UP)


def quantity(value: Decimal | int | str) -> Decimal:
    """Round a quantity to the stored scale of three places."""
    return Decimal(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def unit_cost(value: Decimal | int | str) -> Decimal:
    """Round a cost per unit to the internal scale kept for product lots."""
    return Decimal(value).quantize(UNIT_COST_STEP, rounding=ROUND_HALF_UP)


def from_legacy_float(value: float | int | str) -> Decimal:
    """Turn a legacy float such as 28.100000000000037 into the decimal it stood for (28.1).

    Floats are rounded to the 15 significant digits a double holds faithfully, which drops the
    binary noise of earlier float arithmetic; ints and strings are taken exactly.
    """
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if result.adjusted() > LARGEST_DIGITS:
        raise ValueError(f"too large to be an amount: {value!r}")
    if isinstance(value, float):
        with localcontext() as context:
            context.prec = FLOAT_DIGITS
            result = (+result).normalize()
        if result.as_tuple().exponent > 0:  # type: ignore[operator]
            result = result.quantize(Decimal(1))
    return result


def places(value: Decimal) -> int:
    """How many digits a decimal has after the point (0 for whole numbers)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
