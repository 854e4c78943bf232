"""Allergens through every level of a recipe graph, the ingredient list, self-containing
recipes: pure functions, no database."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import pytest

from bakery.domain.composition import (
    Graph,
    Line,
    Recipe,
    Tags,
    Weighed,
    allergen_codes,
    bakers_percentages,
    batches_making_intermediates,
    derive_tags,
    ingredient_list,
    material_weights,
    materials_to_make,
    would_cycle,
)

FLOUR, BUTTER, EGG, SESAME, SALT, WATER = 1, 2, 3, 4, 5, 6


def recipe(product: int, *lines: tuple[str, int, str], yields: str = "1") -> Recipe:
    return Recipe(product, D(yields), tuple(Line(k, i, D(q)) for k, i, q in lines))


TAGS = {FLOUR: Tags(frozenset({"gluten"})), BUTTER: Tags(frozenset({"milk"})),
        EGG: Tags(frozenset({"eggs"})), SESAME: Tags(frozenset({"sesame"}), frozenset({"nuts"}))}


def test_codes_are_checked_and_put_in_the_regulations_order() -> None:
    assert allergen_codes(["milk", "Gluten ", "milk"]) == ["gluten", "milk"]
    with pytest.raises(ValueError, match="'chocolate'"):
        allergen_codes(["chocolate"])


def test_allergens_come_up_from_a_deep_chain() -> None:
    # 10 <- 11 <- 12 <- ... <- 19, only the bottom uses butter
    recipes = {p: [recipe(p, ("product", p + 1, "1"))] for p in range(10, 19)}
    recipes[19] = [recipe(19, ("material", BUTTER, "1"))]
    tags = derive_tags(Graph(recipes, TAGS), [10])
    assert tags[10].ordered() == (["milk"], [])


def test_a_diamond_is_counted_once_and_both_sides_reach_the_top() -> None:
    # 10 uses 11 and 12; both use 13 (a dough); 12 adds sesame
    recipes = {10: [recipe(10, ("product", 11, "1"), ("product", 12, "1"))],
               11: [recipe(11, ("product", 13, "1"), ("material", EGG, "1"))],
               12: [recipe(12, ("product", 13, "1"), ("material", SESAME, "1"))],
               13: [recipe(13, ("material", FLOUR, "1"), ("material", BUTTER, "1"))]}
    tags = derive_tags(Graph(recipes, TAGS), [10, 11, 12, 13])
    assert tags[10].ordered() == (["gluten", "eggs", "milk", "sesame"], ["nuts"])
    assert tags[11].ordered() == (["gluten", "eggs", "milk"], [])
    assert tags[13].ordered() == (["gluten", "milk"], [])


def test_what_is_declared_on_the_product_is_added_and_contains_beats_may_contain() -> None:
    recipes = {10: [recipe(10, ("material", SESAME, "1"))]}
    declared = {10: Tags(frozenset({"nuts"}), frozenset({"peanuts"}))}
    assert derive_tags(Graph(recipes, TAGS, declared), [10])[10].ordered() == \
        (["nuts", "sesame"], ["peanuts"])


def test_a_cycle_in_stored_data_does_not_loop() -> None:
    recipes = {10: [recipe(10, ("product", 11, "1"))],
               11: [recipe(11, ("product", 10, "1"), ("material", EGG, "1"))]}
    assert derive_tags(Graph(recipes, TAGS), [10])[10].ordered() == (["eggs"], [])


def test_a_recipe_that_would_contain_itself_is_found_at_any_depth() -> None:
    recipes = {10: [recipe(10, ("product", 11, "1"))], 11: [recipe(11, ("product", 12, "1"))],
               12: [recipe(12, ("material", FLOUR, "1"))]}
    assert would_cycle(recipes, 12, [10]) == [12, 10, 11, 12]
    assert would_cycle(recipes, 10, [10]) == [10, 10]
    assert would_cycle(recipes, 13, [10, 12]) is None


def test_intermediates_are_expanded_by_their_yield_in_the_ingredient_list() -> None:
    # a croissant: 60 g of dough (a batch of 1000 g of dough is 600 g flour, 300 g butter,
    # 100 g water), 1 egg wash at 5 g, and salt whose weight is unknown
    recipes = {10: [recipe(10, ("product", 11, "60"), ("material", EGG, "0.1"),
                           ("material", SALT, "1"))],
               11: [recipe(11, ("material", FLOUR, "0.6"), ("material", BUTTER, "0.3"),
                           ("material", WATER, "0.1"), yields="1000")]}
    grams = {FLOUR: D(1000), BUTTER: D(1000), WATER: D(1000), EGG: D(50), SALT: None}
    weights = material_weights(Graph(recipes), 10, grams)
    shares = ingredient_list(weights)
    assert [(s.material_id, s.grams, s.share) for s in shares] == [
        (FLOUR, D("36.000"), D("55.38")), (BUTTER, D("18.000"), D("27.69")),
        (WATER, D("6.000"), D("9.23")), (EGG, D("5.000"), D("7.69")), (SALT, None, None)]
    assert bakers_percentages({FLOUR}, weights) == {
        FLOUR: D("100.0"), BUTTER: D("50.0"), WATER: D("16.7"), EGG: D("13.9")}


def test_shares_of_nothing_weighed_are_empty() -> None:
    assert ingredient_list([Weighed(1, None)])[0].share is None
    assert ingredient_list([Weighed(1, Fraction(0))])[0].share is None


def test_a_shortfall_of_intermediates_becomes_whole_batches_of_materials() -> None:
    # croissants need 1500 g of dough; 400 g are in stock; a batch of dough makes 1000 g from
    # 0.6 kg flour and 0.3 kg butter plus 100 g of a starter (made 500 g at a time from flour)
    recipes = {11: [recipe(11, ("material", FLOUR, "0.6"), ("material", BUTTER, "0.3"),
                           ("product", 12, "100"), yields="1000")],
               12: [recipe(12, ("material", FLOUR, "0.25"), ("material", WATER, "0.25"),
                           yields="500")]}
    materials, batches = materials_to_make({11: D(1500)}, {11: D(400), 12: D(150)}, recipes)
    assert batches == {11: 2, 12: 1}  # 1100 g short: 2 batches; 200 g of starter, 150 in stock
    assert materials == {FLOUR: D("1.45"), BUTTER: D("0.6"), WATER: D("0.25")}


def test_a_diamond_of_intermediates_is_totalled_before_it_is_made() -> None:
    recipes = {10: [recipe(10, ("product", 12, "1"))], 11: [recipe(11, ("product", 12, "1"))],
               12: [recipe(12, ("material", FLOUR, "1"), yields="3")]}
    materials, batches = materials_to_make({10: D(1), 11: D(1)}, {}, recipes)
    assert batches == {10: 1, 11: 1, 12: 1}  # 2 units of 12 from one batch of 3
    assert materials == {FLOUR: D(1)}


def test_what_can_be_baked_counts_the_doughs_the_materials_can_still_make() -> None:
    # a croissant batch takes 600 g of dough; 400 g in stock; a dough batch of 1000 g takes
    # 0.6 kg flour and 0.4 kg butter; 2 kg flour and 1 kg butter on hand: 2 more dough batches
    dough = recipe(11, ("material", FLOUR, "0.6"), ("material", BUTTER, "0.4"), yields="1000")
    croissant = recipe(10, ("product", 11, "600"), ("material", EGG, "1"))
    recipes = {10: [croissant], 11: [dough]}
    on_hand = {FLOUR: D(2), BUTTER: D(1), EGG: D(100)}
    assert batches_making_intermediates(croissant, on_hand, {11: D(400)}, recipes) == 4
    assert batches_making_intermediates(croissant, {**on_hand, EGG: D(3)}, {11: D(400)},
                                        recipes) == 3
    assert batches_making_intermediates(croissant, {}, {11: D(1200)}, recipes) == 0  # no eggs
    orphan = recipe(12, ("product", 13, "1"))  # 13 is made by no recipe and not in stock
    assert batches_making_intermediates(orphan, on_hand, {}, {12: [orphan]}) == 0
