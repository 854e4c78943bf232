"""Shelf life, best-before in the bakery's zone, write-off cost, waste rate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from bakery.domain.fifo import Draw
from bakery.domain.freshness import (
    freshness,
    shelf_life_end,
    waste_rate,
    write_off_cost,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # 17:30 in Berlin


def test_a_lot_keeps_for_its_shelf_life_from_when_it_was_made():
    made = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    assert shelf_life_end(made, 24) == made + timedelta(hours=24)
    assert shelf_life_end(made, None) is None


@pytest.mark.parametrize(("best_before", "expected"), [
    (None, "keeps"),
    (NOW, "expired"),
    (NOW - timedelta(seconds=1), "expired"),
    (NOW + timedelta(hours=6, minutes=29), "expires_today"),  # 23:59 in Berlin
    (NOW + timedelta(hours=6, minutes=30), "fresh"),  # midnight in Berlin: tomorrow
])
def test_freshness_is_read_on_the_bakerys_wall_clock(best_before, expected):
    assert freshness(best_before, NOW, BERLIN) == expected


def test_expires_today_depends_on_the_zone_not_on_utc():
    late = NOW + timedelta(hours=7)  # 23:30 UTC is tomorrow in Berlin, today in UTC
    assert freshness(late, NOW, UTC) == "expires_today"
    assert freshness(late, NOW, BERLIN) == "fresh"


def test_write_off_cost_rounds_each_layer_half_up_then_sums():
    items = [Draw(1, 1, D("1.5"), D("0.333333")), Draw(2, 1, D(2), D("1.005"))]
    assert write_off_cost(items) == D("2.51")
    assert write_off_cost([]) == D(0)


def test_waste_rate_is_a_percentage_of_what_was_made():
    assert waste_rate(D(3), D(10)) == D("30.00")
    assert waste_rate(D(1), D(3)) == D("33.33")
    assert waste_rate(D(1), D(0)) is None

