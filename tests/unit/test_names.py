"""Names that look alike are one name, or refused."""

from __future__ import annotations

import pytest

from bakery.domain.names import BadName, clean_name


@pytest.mark.parametrize(("typed", "stored"), [
    ("Bread", "Bread"),
    ("  Spelt   bread ", "Spelt bread"),
    ("Ｂｒｅａｄ", "Bread"),          # fullwidth letters
    ("Cr\u0065\u0300me", "Crème"),     # a combining accent becomes one letter
    ("Хлеб", "Хлеб"),                  # one script, any script
    ("Pain au chocolat №2", "Pain au chocolat No2"),
])
def test_names_are_stored_in_one_spelling(typed, stored):
    assert clean_name(typed) == stored


@pytest.mark.parametrize("typed", ["Bread\u200b", "\u202eBread", "Bre\u00adad", "Bread\x07",
                                   "Bread\u2028", "Вread"])
def test_names_that_only_look_like_another_are_refused(typed):
    with pytest.raises(BadName):
        clean_name(typed)


def test_a_blank_name_is_refused():
    with pytest.raises(BadName, match="blank"):
        clean_name(" \t ")
