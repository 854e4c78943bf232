"""Recipe arithmetic: merging lines, scaling, batches stock allows."""

from decimal import Decimal as D

from bakery.domain.recipes import Ingredient, max_batches, merge_ingredients, scale


def test_duplicate_ingredient_lines_are_summed_in_first_seen_order():
    lines = [Ingredient(2, D("1.5")), Ingredient(1, D("0.25")), Ingredient(2, D("0.5"))]
    assert merge_ingredients(lines) == [Ingredient(2, D("2.0")), Ingredient(1, D("0.25"))]


def test_scaling_multiplies_every_line_and_sums_duplicates():
    needs = scale([Ingredient(1, D("0.1")), Ingredient(2, D("2")), Ingredient(1, D("0.2"))], 3)
    assert needs == {1: D("0.9"), 2: D("6")}


def test_max_batches_is_limited_by_the_scarcest_ingredient():
    ingredients = [Ingredient(1, D("5")), Ingredient(2, D("1.5"))]
    assert max_batches(ingredients, {1: D("50"), 2: D("4.4")}) == 2
    assert max_batches(ingredients, {1: D("4.999"), 2: D("100")}) == 0


def test_max_batches_is_zero_when_an_ingredient_is_missing_or_there_are_none():
    assert max_batches([Ingredient(1, D("1")), Ingredient(2, D("1"))], {1: D("10")}) == 0
    assert max_batches([], {1: D("10")}) == 0


def test_max_batches_counts_duplicate_lines_together():
    assert max_batches([Ingredient(1, D("1")), Ingredient(1, D("1"))], {1: D("3")}) == 1


def test_max_batches_uses_exact_decimals():
    # 0.3 / 0.1 is exactly 3 in decimal (float division would give 2.9999999999999996)
    assert max_batches([Ingredient(1, D("0.1"))], {1: D("0.3")}) == 3
