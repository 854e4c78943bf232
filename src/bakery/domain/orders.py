"""Customer and standing orders: when a standing order is due, and which due dates are allowed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .errors import ValidationFailed


def weekdays_code(weekdays: Iterable[int]) -> str:
    """ISO weekdays (Monday 1 ... Sunday 7) as the stored digits, sorted and once each: "135"."""
    days = sorted(set(weekdays))
    if not days or any(day < 1 or day > 7 for day in days):
        raise ValidationFailed("invalid weekdays", {"weekdays": "give ISO weekdays 1 to 7"})
    return "".join(str(day) for day in days)


def weekdays_list(code: str) -> list[int]:
    return [int(digit) for digit in code]


def standing_due_on(code: str, starts_on: date, ends_on: date | None, day: date) -> bool:
    """Whether a standing order delivers on `day`: a chosen weekday within its dates."""
    return (starts_on <= day and (ends_on is None or day <= ends_on)
            and str(day.isoweekday()) in code)


def check_due_date(due: date, today: date, field: str = "due_date") -> None:
    """An order may not be due in the past (today is fine: a same-day order)."""
    if due < today:
        raise ValidationFailed("the order is due in the past",
                               {field: f"must be today ({today.isoformat()}) or later"})
