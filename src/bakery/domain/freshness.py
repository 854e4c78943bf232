"""Shelf life, best-before and waste: when stock stops being sellable, what throwing it costs.

Best-before is an instant (stored in UTC); the bakery reads it on its own wall clock, so "does
it expire today?" is asked in the bakery's zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Literal

from .fifo import Draw
from .numbers import ZERO, money

Freshness = Literal["keeps", "fresh", "expires_today", "expired"]
MAX_SHELF_LIFE_HOURS = 24 * 366 * 10  # ten years: anything longer is a typing slip


def shelf_life_end(made: datetime, hours: int | None) -> datetime | None:
    """The best-before of a lot made at `made` that keeps `hours` (None: it keeps)."""
    return None if hours is None else made + timedelta(hours=hours)


def freshness(best_before: datetime | None, now: datetime, zone: tzinfo) -> Freshness:
    """How a lot stands now: keeps (no date), fresh, expires later today (bakery's day), expired."""
    if best_before is None:
        return "keeps"
    if best_before <= now:
        return "expired"
    if best_before.astimezone(zone).date() == now.astimezone(zone).date():
        return "expires_today"
    return "fresh"


def write_off_cost(items: Iterable[Draw]) -> Decimal:
    """The cost of a write-off (what was left of each expired layer): each layer rounded to
    cents, half up, then summed."""
    return sum((money(item.cost) for item in items), ZERO)


def waste_rate(wasted: Decimal, produced: Decimal) -> Decimal | None:
    """Wasted units per unit produced, as a percentage with two places (None without production)."""
    if produced <= 0:
        return None
    return money(wasted * 100 / produced)

