"""JSON in and out: floats parsed as exact decimals, NaN and infinities refused."""

from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest
from flask import Flask

from bakery.jsonio import ExactJSONProvider


@pytest.fixture
def provider():
    return ExactJSONProvider(Flask(__name__))


def test_floats_are_parsed_as_exact_decimals(provider):
    parsed = provider.loads('{"a": 0.1, "b": 28.100000000000037, "c": 3}')
    assert parsed == {"a": D("0.1"), "b": D("28.100000000000037"), "c": 3}
    assert isinstance(parsed["a"], D) and isinstance(parsed["c"], int)
    assert parsed["a"] + provider.loads("0.2") == D("0.3")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", '{"x": NaN}'])
def test_nan_and_infinity_are_refused(provider, constant):
    with pytest.raises(ValueError):
        provider.loads(constant)


def test_huge_exponents_stay_decimal_and_are_not_infinity(provider):
    value = provider.loads("1e999")
    assert isinstance(value, D) and value.is_finite()


def test_decimals_dates_and_times_are_written_as_strings(provider):
    text = provider.dumps({"money": D("2.50"), "day": date(2026, 1, 2),
                           "at": datetime(2026, 1, 2, 3, 4, 5)})
    assert provider.loads(text) == {"money": "2.50", "day": "2026-01-02",
                                    "at": "2026-01-02T03:04:05+00:00"}


def test_aware_times_keep_their_offset(provider):
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert provider.dumps(moment) == '"2026-01-02T03:04:05+00:00"'


def test_unknown_objects_are_not_serialised_silently(provider):
    with pytest.raises(TypeError):
        provider.dumps({"x": object()})


def test_non_ascii_names_are_written_as_they_are(provider):
    assert provider.dumps({"name": "Brötchen"}) == '{"name": "Brötchen"}'
