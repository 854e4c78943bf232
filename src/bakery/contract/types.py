"""Field types shared by request and response schemas: exact decimals, ids, names, dates.

Inputs accept a JSON number or a string of a decimal; outputs are strings at the stored scale.
The same annotations drive validation, serialisation and the OpenAPI document.
"""

from __future__ import annotations

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

from ..domain.numbers import MAX_MONEY, MAX_QUANTITY, MONEY_PLACES, QUANTITY_PLACES, places

MAX_ID = 2**63 - 1


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError("must be a number or a string holding a decimal number")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise ValueError("not a decimal number") from exc
    if not result.is_finite():
        raise ValueError("must be a finite number")
    return result


def _scaled(decimals: int, maximum: Decimal):  # type: ignore[no-untyped-def]
    def check(value: Decimal, info: ValidationInfo) -> Decimal:
        if info.context and info.context.get("response"):
            return value  # limits are for input; computed figures (a recipe's cost) may exceed them
        if places(value) > decimals:
            raise ValueError(f"at most {decimals} decimal places")
        if abs(value) > maximum:
            raise ValueError(f"must be at most {maximum}")
        return value

    return check


def _rule(test: Any, message: str):  # type: ignore[no-untyped-def]
    def check(value: Decimal) -> Decimal:
        if not test(value):
            raise ValueError(message)
        return value

    return check


def _decimal_type(decimals: int, maximum: Decimal, *rules: Any) -> Any:
    pattern = rf"^-?\d+(\.\d{{1,{decimals}}})?$"
    return Annotated[
        Decimal,
        BeforeValidator(_to_decimal),
        AfterValidator(_scaled(decimals, maximum)),
        *[AfterValidator(r) for r in rules],
        PlainSerializer(lambda v: f"{Decimal(v):.{decimals}f}", return_type=str, when_used="json"),
        WithJsonSchema({"oneOf": [{"type": "number"}, {"type": "string", "pattern": pattern}],
                        "description": f"decimal, up to {decimals} places"}, mode="validation"),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["2." + "5" * decimals]},
                       mode="serialization"),
    ]


_positive = _rule(lambda v: v > 0, "must be greater than zero")
_not_negative = _rule(lambda v: v >= 0, "must not be negative")
_not_zero = _rule(lambda v: v != 0, "must not be zero")

Quantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY)
PositiveQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _positive)
NonNegativeQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _not_negative)
NonZeroQuantity = _decimal_type(QUANTITY_PLACES, MAX_QUANTITY, _not_zero)
Money = _decimal_type(MONEY_PLACES, MAX_MONEY)
NonNegativeMoney = _decimal_type(MONEY_PLACES, MAX_MONEY, _not_negative)

Id = Annotated[int, Field(strict=True, gt=0, le=MAX_ID)]
QueryId = Annotated[int, Field(gt=0, le=MAX_ID)]
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")]
Unit = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=20, pattern=r"^[^\x00-\x1f\x7f]*$")]
ShortText = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=120,
                                             pattern=r"^[^\x00-\x1f\x7f]*$")]
Note = Annotated[str, StringConstraints(strict=True, max_length=1000)]


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


def _instant(value: Any) -> Any:
    if not isinstance(value, (str, datetime)):
        raise ValueError("must be an instant as ISO 8601 with its offset, e.g. "
                         "2026-11-20T18:00:00+01:00")
    return value


# An instant (best-before): ISO 8601 text with an offset; numbers and local times are refused.
Instant = Annotated[AwareDatetime, BeforeValidator(_instant),
                    AfterValidator(lambda v: v.astimezone(timezone.utc))]
