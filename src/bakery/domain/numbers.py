"""Money and quantity rules: exact decimals at a fixed scale, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

MONEY_PLACES = 2
QUANTITY_PLACES = 6
UNIT_COST_PLACES = 6
# Answers show a quantity with at least 3 places ("2.500", as before quantities had 6) and a
# cost per unit with at least 2 ("2.50"); more only when the value has them ("0.0025").
SHOWN_QUANTITY_PLACES = 3
SHOWN_UNIT_COST_PLACES = 2
# A double holds 15 significant decimal digits faithfully (DBL_DIG); beyond that is binary noise.
FLOAT_DIGITS = 15
# No amount a bakery keeps has more digits before the point; larger ones are refused before any
# arithmetic on them (quantizing 1e308 would overflow the decimal context).
LARGEST_DIGITS = 20
MONEY_STEP = Decimal(1).scaleb(-MONEY_PLACES)
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)
UNIT_COST_STEP = Decimal(1).scaleb(-UNIT_COST_PLACES)
ZERO = Decimal(0)
# SQLite keeps NUMERIC values as binary doubles, which hold 15 significant digits exactly: with
# 6 places that leaves 9 before the point. Inputs stay within that, so every stored quantity and
# unit cost reads back digit for digit (the columns, Numeric(17, 6) and Numeric(18, 6), still
# hold the larger values that 3-place quantities and 2-place costs allowed before).
MAX_QUANTITY = Decimal("999999999.999999")
MAX_UNIT_COST = Decimal("999999999.999999")
# Numeric(14, 2): twelve integer digits, 14 significant, exact in a double too.
MAX_MONEY = Decimal("999999999999.99")


def money(value: Decimal | int | str) -> Decimal:
    """Round a money amount to cents, half up (the way a till rounds)."""
    return Decimal(value).quantize(MONEY_STEP, rounding=ROUND_HALF_UP)


def quantity(value: Decimal | int | str) -> Decimal:
    """Round a quantity to the stored scale of six places."""
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


def shown(value: Decimal | int | str, least: int, most: int) -> str:
    """A decimal as answers show it: `most` places at most (half up), trailing zeros dropped
    down to `least` places: shown("2.5", 3, 6) is "2.500", shown("0.0025", 3, 6) "0.0025"."""
    number = Decimal(value).quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
    text = f"{number:f}"
    if most > least:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(least, "0")
        text = f"{whole}.{fraction}" if fraction else whole
    return text


def quantity_text(value: Decimal | int | str) -> str:
    """A quantity as every answer shows it: "2.500", "0.0025" (see `shown`)."""
    return shown(value, SHOWN_QUANTITY_PLACES, QUANTITY_PLACES)


def trimmed(value: Decimal) -> Decimal:
    """Zeros beyond the third place dropped, shorter values untouched: 2.500000 -> 2.500,
    0.002500 -> 0.0025, 2 -> 2. What a 6-place column holds, written as a 3-place one was."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -SHOWN_QUANTITY_PLACES:
        return value
    short = value.normalize()
    short_exponent = short.as_tuple().exponent
    if isinstance(short_exponent, int) and short_exponent > -SHOWN_QUANTITY_PLACES:
        return value.quantize(QUANTITY_STEP.scaleb(QUANTITY_PLACES - SHOWN_QUANTITY_PLACES))
    return short
