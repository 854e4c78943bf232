"""Units a baker writes and buys in: exact conversion between mass, volume and count units.

A small table rather than a units library: every factor here is an exact decimal by definition
(an avoirdupois pound is 453.59237 g exactly), conversion is exact rational arithmetic
(`Fraction`), and the one rounding is to the stored scale at the end, half up. A general units
library works in floats by default; its decimal mode still parses definitions and derived
factors on its own terms, which would be a large dependency for eleven units and a rule we
can prove here in a page.

A material may also name its own pack sizes ("sack" = 25 in the material's unit, "tray" = 30):
those convert through the material's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

from .numbers import QUANTITY_PLACES

# unit -> (dimension, size in the dimension's base unit: grams, millilitres, pieces)
UNITS: dict[str, tuple[str, Decimal]] = {
    "mg": ("mass", Decimal("0.001")),
    "g": ("mass", Decimal(1)),
    "kg": ("mass", Decimal(1000)),
    "oz": ("mass", Decimal("28.349523125")),
    "lb": ("mass", Decimal("453.59237")),
    "ml": ("volume", Decimal(1)),
    "cl": ("volume", Decimal(10)),
    "dl": ("volume", Decimal(100)),
    "l": ("volume", Decimal(1000)),
    "pcs": ("count", Decimal(1)),
    "dozen": ("count", Decimal(12)),
}
_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)


class UnitError(ValueError):
    """A unit that is unknown, or does not convert to the one wanted."""


def known(unit: str) -> bool:
    """True for a unit of the table (mass, volume or count)."""
    return unit.strip().lower() in UNITS


def dimension(unit: str) -> str | None:
    """'mass', 'volume', 'count', or None for a unit the table does not know."""
    entry = UNITS.get(unit.strip().lower())
    return entry[0] if entry else None


def _ratio(source: str, target: str, packs: Mapping[str, Decimal]) -> Fraction:
    """How many `target` units one `source` unit is, exactly."""
    source_key, target_key = source.strip().lower(), target.strip().lower()
    if source.strip() == target.strip() or source_key == target_key:
        return Fraction(1)
    pack = {name.strip().lower(): size for name, size in packs.items()}
    if source_key in pack and source_key not in UNITS:
        return Fraction(pack[source_key])  # a pack holds `size` of the material's own unit
    return _ratio_known(source_key, target_key, source)


def _ratio_known(source_key: str, target_key: str, shown: str) -> Fraction:
    if source_key not in UNITS:
        raise UnitError(f"unknown unit {shown!r}")
    if target_key not in UNITS:
        raise UnitError(f"{shown!r} does not convert to {target_key!r}")
    (source_dim, source_size), (target_dim, target_size) = UNITS[source_key], UNITS[target_key]
    if source_dim != target_dim:
        raise UnitError(f"{shown!r} ({source_dim}) does not convert to {target_key!r} "
                        f"({target_dim})")
    return Fraction(source_size) / Fraction(target_size)


def exact(quantity: Decimal, source: str, target: str,
          packs: Mapping[str, Decimal] | None = None) -> Fraction:
    """`quantity` in `source` units as an exact number of `target` units.

    `packs` are the material's pack sizes in `target` (its own unit): "sack" -> 25.
    """
    return Fraction(quantity) * _ratio(source, target, packs or {})


def convert(quantity: Decimal, source: str, target: str,
            packs: Mapping[str, Decimal] | None = None) -> Decimal:
    """`quantity` in `source` units as `target` units, rounded half up to the stored 6 places."""
    return rounded(exact(quantity, source, target, packs))


def rounded(value: Fraction) -> Decimal:
    """An exact rational as a decimal at the stored 6 places, half up."""
    with localcontext(Context(prec=60)):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            _STEP, rounding=ROUND_HALF_UP)


def converts_exactly(quantity: Decimal, source: str, target: str,
                     packs: Mapping[str, Decimal] | None = None) -> bool:
    """True when the conversion needs no rounding at the stored scale."""
    value = exact(quantity, source, target, packs)
    return Fraction(convert(quantity, source, target, packs)) == value


def unit_cost_in(cost: Decimal, source: str, target: str,
                 packs: Mapping[str, Decimal] | None = None) -> Fraction:
    """A cost per `source` unit as an exact cost per `target` unit (20.00 a sack -> per kg)."""
    return Fraction(cost) / _ratio(source, target, packs or {})
