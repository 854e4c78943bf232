"""Exact unit conversion: mass, volume, count and a material's own pack sizes."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bakery.domain.units import UNITS, UnitError, convert, converts_exactly, exact, unit_cost_in

SIX = st.decimals(min_value=D("0.000001"), max_value=D("999999"), places=6, allow_nan=False,
                  allow_infinity=False)
METRIC = {"mass": ("mg", "g", "kg"), "volume": ("ml", "cl", "dl", "l"), "count": ("pcs", "dozen")}


def test_grams_of_yeast_in_a_material_kept_in_kg() -> None:
    assert convert(D("2.5"), "g", "kg") == D("0.0025")
    assert convert(D("0.0025"), "kg", "g") == D("2.5")


def test_imperial_factors_are_exact_by_definition() -> None:
    assert exact(D(1), "lb", "g") == Fraction("453.59237")
    assert exact(D(16), "oz", "lb") == 1
    assert convert(D(1), "oz", "g") == D("28.349523")  # 28.349523125 rounded half up to 6


def test_packs_convert_through_the_materials_unit() -> None:
    assert convert(D(2), "sack", "kg", {"sack": D(25)}) == D(50)
    assert convert(D(1), "tray", "pcs", {"tray": D(30)}) == D(30)
    assert unit_cost_in(D("20.00"), "sack", "kg", {"sack": D(25)}) == Fraction("0.8")


@pytest.mark.parametrize("source, target", [("g", "ml"), ("pcs", "kg"), ("l", "dozen")])
def test_units_of_different_kinds_do_not_convert(source: str, target: str) -> None:
    with pytest.raises(UnitError, match="does not convert"):
        convert(D(1), source, target)


def test_an_unknown_unit_is_named() -> None:
    with pytest.raises(UnitError, match="'cups'"):
        convert(D(1), "cups", "g")
    with pytest.raises(UnitError):
        convert(D(1), "g", "bag")  # a material kept in bags takes bags or its packs only
    assert convert(D(3), "bag", "bag") == D(3)


@given(SIX, st.sampled_from(sorted(UNITS)), st.sampled_from(sorted(UNITS)))
def test_a_conversion_that_needs_no_rounding_comes_back_exactly(
        quantity: D, source: str, target: str) -> None:
    if UNITS[source][0] != UNITS[target][0]:
        return
    there = convert(quantity, source, target)
    if converts_exactly(quantity, source, target):
        assert convert(there, target, source) == quantity
    assert abs(Fraction(there) - exact(quantity, source, target)) <= Fraction(1, 2_000_000)


@given(st.decimals(min_value=D("0.001"), max_value=D("999999"), places=3),
       st.sampled_from(sorted(METRIC)), st.data())
def test_metric_units_within_a_thousandfold_round_trip_three_places(quantity: D, kind: str,
                                                         data: st.DataObject) -> None:
    units = METRIC[kind]
    source = data.draw(st.sampled_from(units))
    target = data.draw(st.sampled_from(units))
    if kind == "count" and (source, target) == ("pcs", "dozen"):
        return  # a third of a piece is not a whole number of places
    if UNITS[target][1] > 1000 * UNITS[source][1]:
        return  # 0.001 mg is 1e-9 kg: beyond the stored 6 places
    assert converts_exactly(quantity, source, target)
    assert convert(convert(quantity, source, target), target, source) == quantity


@given(SIX)
def test_grams_to_kilograms_and_back_is_exact_for_every_stored_gram(quantity: D) -> None:
    grams = quantity.quantize(D("0.001"))
    if grams > 0:
        assert convert(convert(grams, "g", "kg"), "kg", "g") == grams
