"""Field types shared by request and response schemas: exact decimals, ids, names, dates.

Inputs accept a JSON number or a string of a decimal; outputs are strings: money at 2 places,
quantities at 3 places or more (up to the 6 stored: "2.500", "0.0025"), unit costs at 2 or more
(up to 6: "2.50", "0.0008"); zeros beyond the shortest form are dropped.
The same annotations drive validation, serialisation and the OpenAPI document.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
)
from pydantic.json_schema import WithJsonSchema

from ..domain.names import BadName, clean_name
from ..domain.numbers import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_UNIT_COST,
    MONEY_PLACES,
    QUANTITY_PLACES,
    SHOWN_QUANTITY_PLACES,
    SHOWN_UNIT_COST_PLACES,
    UNIT_COST_PLACES,
    places,
    shown,
)

MAX_ID = 2**63 - 1


# The documented string form: ASCII digits, an optional minus and decimal point. No exponent,
# no "+", no "_", no spaces, no other scripts' digits (Python's Decimal takes all of those).
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
# More digits before the point than any amount has: refused before any arithmetic on it.
MAX_INTEGER_DIGITS = 20


def parse_decimal(value: Any) -> Decimal:
    """A JSON number or a string in the documented form, as an exact Decimal; ValueError
    saying why not. Nothing is computed on the value before its size is known to be sane."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError("must be a number or a string holding a decimal number")
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        raise ValueError("not a decimal number: write digits 0-9 with an optional - and .")
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError("not a decimal number") from exc
    if not result.is_finite():
        raise ValueError("must be a finite number")
    if result and result.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError("far too large")
    return result


def _decimal_in(value: Any, info: ValidationInfo) -> Decimal:
    """Requests are parsed strictly; answers carry figures computed from stored data, which may
    be larger than any input (the stock's value), and are taken as they are."""
    if info.context and info.context.get("response") and isinstance(value, (Decimal, int)):
        return Decimal(value)
    return parse_decimal(value)


def _scaled(decimals: int, maximum: Decimal):  # type: ignore[no-untyped-def]
    def check(value: Decimal, info: ValidationInfo) -> Decimal:
        if info.context and info.context.get("response"):
            return value  # limits are for input; computed figures (a recipe's cost) may exceed them
        if abs(value) > maximum:
            raise ValueError(f"must be at most {maximum}")
        if places(value) > decimals:
            raise ValueError(f"at most {decimals} decimal places")
        return value

    return check


def _rule(test: Any, message: str):  # type: ignore[no-untyped-def]
    def check(value: Decimal) -> Decimal:
        if not test(value):
            raise ValueError(message)
        return value

    return check


def _decimal_type(decimals: int, maximum: Decimal, *rules: Any, least: int | None = None) -> Any:
    """A decimal of up to `decimals` places, shown with `least` places or more (all by default)."""
    least = decimals if least is None else least
    pattern = rf"^-?\d+(\.\d{{1,{decimals}}})?$"
    shown_pattern = rf"^-?\d+\.\d{{{least},{decimals}}}$" if least < decimals else pattern
    if least < decimals:
        def serialize(v: Any) -> str:
            return shown(v, least, decimals)
        described = f"decimal, up to {decimals} places; shown with {least} or more"
    else:
        def serialize(v: Any) -> str:
            return f"{Decimal(v):.{decimals}f}"
        described = f"decimal, up to {decimals} places"
    return Annotated[
        Decimal,
        BeforeValidator(_decimal_in),
        AfterValidator(_scaled(decimals, maximum)),
        *[AfterValidator(r) for r in rules],
        PlainSerializer(serialize, return_type=str, when_used="json"),
        WithJsonSchema({"oneOf": [{"type": "number"}, {"type": "string", "pattern": pattern}],
                        "description": described}, mode="validation"),
        WithJsonSchema({"type": "string", "pattern": shown_pattern,
                        "examples": ["2." + "5" * least]}, mode="serialization"),
    ]


_positive = _rule(lambda v: v > 0, "must be greater than zero")
_not_negative = _rule(lambda v: v >= 0, "must not be negative")
_not_zero = _rule(lambda v: v != 0, "must not be zero")

_Q = {"least": SHOWN_QUANTITY_PLACES}
Quantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, **_Q)
PositiveQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _positive, **_Q)
NonNegativeQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _not_negative, **_Q)
NonZeroQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _not_zero, **_Q)
UnitCost = _decimal_type(UNIT_COST_PLACES, MAX_UNIT_COST, least=SHOWN_UNIT_COST_PLACES)
NonNegativeUnitCost = _decimal_type(UNIT_COST_PLACES, MAX_UNIT_COST, _not_negative,
                                    least=SHOWN_UNIT_COST_PLACES)
Money = _decimal_type(MONEY_PLACES, MAX_MONEY)
NonNegativeMoney = _decimal_type(MONEY_PLACES, MAX_MONEY, _not_negative)
PositiveMoney = _decimal_type(MONEY_PLACES, MAX_MONEY, _positive)
NonZeroMoney = _decimal_type(MONEY_PLACES, MAX_MONEY, _not_zero)
# A tax rate in percent of the net price, inside the tax-inclusive price: 0.00 to 100.00.
TaxRate = _decimal_type(MONEY_PLACES, Decimal(100), _not_negative)

Id = Annotated[int, Field(strict=True, gt=0, le=MAX_ID)]
QueryId = Annotated[int, Field(gt=0, le=MAX_ID)]
def _one_spelling(value: str) -> str:
    try:
        return clean_name(value)
    except BadName as exc:
        raise ValueError(str(exc)) from exc


# Names and units in one spelling (domain/names.py): what looks alike is the same, or refused.
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$"),
                 AfterValidator(_one_spelling)]
Unit = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=20, pattern=r"^[^\x00-\x1f\x7f]*$"),
                 AfterValidator(_one_spelling)]
ShortText = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=120,
                                             pattern=r"^[^\x00-\x1f\x7f]*$")]
Note = Annotated[str, StringConstraints(strict=True, max_length=1000)]
TillName = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                            max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")]


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError("must be a real date as YYYY-MM-DD") from exc


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _utc(value: datetime) -> datetime:
    from ..db.models import as_utc

    return as_utc(value)


Timestamp = Annotated[datetime, AfterValidator(_utc)]


def _allergen_codes(value: list[str]) -> list[str]:
    from ..domain.composition import allergen_codes

    return allergen_codes(value)


# EU allergen codes (Regulation 1169/2011, Annex II): unknown codes are refused; answers list
# them once each, in the regulation's order.
AllergenList = Annotated[list[Annotated[str, StringConstraints(strict=True, max_length=20)]],
                         Field(max_length=14), AfterValidator(_allergen_codes)]


def _instant(value: Any) -> Any:
    if not isinstance(value, (str, datetime)):
        raise ValueError("must be an instant as ISO 8601 with its offset, e.g. "
                         "2026-11-20T18:00:00+01:00")
    return value


# An instant (best-before): ISO 8601 text with an offset; numbers and local times are refused.
Instant = Annotated[AwareDatetime, BeforeValidator(_instant),
                    AfterValidator(lambda v: v.astimezone(timezone.utc))]
