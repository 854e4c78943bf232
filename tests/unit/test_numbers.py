"""Money and quantity rules: exact decimals, fixed scales, half-up rounding."""

from decimal import Decimal as D

import pytest

from bakery.domain.numbers import (
    MAX_QUANTITY,
    MAX_UNIT_COST,
    from_legacy_float,
    money,
    places,
    quantity,
    shown,
    trimmed,
    unit_cost,
)


def test_money_rounds_half_up_to_cents():
    assert money(D("10.125")) == D("10.13")
    assert money(D("10.124999")) == D("10.12")
    assert money(D("-0.005")) == D("-0.01")
    assert str(money(3)) == "3.00"


def test_quantity_rounds_half_up_to_six_places():
    assert quantity(D("1.2345675")) == D("1.234568")
    assert quantity(D("0.0025")) == D("0.002500")
    assert str(quantity("2")) == "2.000000"


@pytest.mark.parametrize("value, text", [
    ("2.5", "2.500"), ("2.500000", "2.500"), ("3", "3.000"), ("0.0025", "0.0025"),
    ("1.234567", "1.234567"), ("1.2345675", "1.234568"), ("-2.5", "-2.500"), ("0", "0.000"),
    ("999999999.999999", "999999999.999999"), ("2.1000", "2.100"),
])
def test_quantities_show_three_places_or_more_up_to_six(value: str, text: str) -> None:
    assert shown(D(value), 3, 6) == text


def test_unit_costs_show_cents_or_more() -> None:
    assert shown(D("2.5"), 2, 6) == "2.50"
    assert shown(D("0.0008"), 2, 6) == "0.0008"
    assert shown(D("20"), 2, 6) == "20.00"


def test_the_largest_quantity_survives_a_double() -> None:
    """SQLite stores NUMERIC as a double: every 6-place value within the limit reads back."""
    for value in (MAX_QUANTITY, MAX_UNIT_COST, D("123456789.123457"), D("0.000001")):
        assert D(repr(float(value))) == value
        assert D(f"{float(value):.6f}") == value


def test_unit_cost_keeps_six_places():
    assert unit_cost(D("27") / D("80")) == D("0.337500")
    assert unit_cost(D(1) / D(3)) == D("0.333333")


def test_decimal_sums_have_no_binary_noise():
    assert money(D("0.1") + D("0.2")) == D("0.30")
    assert D("0.1") + D("0.2") == D("0.3")
    assert sum([D("0.1")] * 10, D(0)) == D("1")


@pytest.mark.parametrize("noisy, clean", [
    (28.100000000000037, D("28.1")),
    (0.1 + 0.2, D("0.3")),
    (sum([0.1] * 10), D("1")),
    (2.675, D("2.675")),
    (1234.5678, D("1234.5678")),
    (5.0, D("5")),
    (100.0, D("100")),
    (0.001, D("0.001")),
    (7, D("7")),
    ("12.50", D("12.50")),
])
def test_legacy_floats_lose_their_binary_noise(noisy, clean):
    result = from_legacy_float(noisy)
    assert result == clean
    assert isinstance(result, D)


def test_legacy_floats_land_on_the_stored_scale():
    assert quantity(from_legacy_float(28.100000000000037)) == D("28.100")
    assert money(from_legacy_float(0.30000000000000004)) == D("0.30")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), "abc", "", "NaN"])
def test_legacy_values_that_are_not_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        from_legacy_float(bad)


def test_places_counts_digits_after_the_point():
    assert places(D("1.250")) == 2
    assert places(D("1")) == 0
    assert places(D("1E+2")) == 0
    assert places(D("0.001")) == 3


@pytest.mark.parametrize("huge", [1e28, 1e308, -1e300, "1e400", 10**40])
def test_a_legacy_number_too_large_for_any_amount_is_refused_not_crashed_on(huge):
    with pytest.raises(ValueError, match="too large"):
        from_legacy_float(huge)


@pytest.mark.parametrize("stored, text", [
    ("2.500000", "2.500"), ("0.002500", "0.0025"), ("600.000000", "600.000"), ("2", "2"),
    ("0", "0"), ("0.833333", "0.833333"), ("3.20", "3.20"), ("1000.000000", "1000.000"),
])
def test_error_details_write_six_place_figures_as_three_place_ones_were(stored: str,
                                                                        text: str) -> None:
    """Shortfalls in a 409 carry figures read from 6-place columns: written as before."""
    assert str(trimmed(D(stored))) == text
