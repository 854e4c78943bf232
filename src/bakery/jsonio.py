"""JSON in and out: decimals parsed exactly, dates and decimals written as strings."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider

from .domain.numbers import trimmed


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):  # figures in error details: "2.500", "0.0025", as answers
        return str(trimmed(value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object that names a key twice is refused: which value was meant is anyone's guess."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


class ExactJSONProvider(DefaultJSONProvider):
    """Floats in requests become Decimal (no binary rounding); NaN, Infinity and duplicate keys
    are refused."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", _default)
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, parse_float=Decimal, parse_constant=_reject_constant,
                          object_pairs_hook=_refuse_duplicate_keys, **kwargs)
