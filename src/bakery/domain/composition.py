"""What a product is made of, through every level of its recipes: allergens, the ingredient
list by weight, and recipes that would contain themselves.

A product's recipe lines are materials or other products (a dough, a filling, a starter) made
by their own recipes. Everything here is a pure function of that graph; the database loads it
(queries.composition) and nothing else decides these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Regulation (EU) No 1169/2011, Annex II, in its order.
ALLERGENS = ("gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk", "nuts",
             "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs")
ALLERGEN_NAMES = {
    "gluten": "cereals containing gluten", "crustaceans": "crustaceans", "eggs": "eggs",
    "fish": "fish", "peanuts": "peanuts", "soybeans": "soybeans", "milk": "milk",
    "nuts": "nuts", "celery": "celery", "mustard": "mustard", "sesame": "sesame seeds",
    "sulphites": "sulphur dioxide and sulphites", "lupin": "lupin", "molluscs": "molluscs",
}


def allergen_codes(codes: Iterable[str]) -> list[str]:
    """Known codes in the regulation's order, each once; ValueError names any unknown code."""
    wanted = [str(code).strip().lower() for code in codes]
    unknown = sorted({code for code in wanted if code not in ALLERGENS})
    if unknown:
        raise ValueError(f"unknown allergen {', '.join(map(repr, unknown))}; "
                         f"known: {' '.join(ALLERGENS)}")
    return [code for code in ALLERGENS if code in wanted]


@dataclass(frozen=True)
class Line:
    """One recipe line per batch: a material or a product, and its quantity in the item's unit."""

    kind: str  # "material" or "product"
    item_id: int
    quantity: Decimal


@dataclass(frozen=True)
class Recipe:
    product_id: int
    yield_quantity: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Tags:
    """Allergens an item contains and those it may contain (traces), as sorted codes."""

    contains: frozenset[str] = frozenset()
    may_contain: frozenset[str] = frozenset()

    def __or__(self, other: Tags) -> Tags:
        return Tags(self.contains | other.contains, self.may_contain | other.may_contain)

    def ordered(self) -> tuple[list[str], list[str]]:
        """(contains, may_contain) in the regulation's order; what is contained is not 'may'."""
        return ([c for c in ALLERGENS if c in self.contains],
                [c for c in ALLERGENS if c in self.may_contain and c not in self.contains])


@dataclass
class Graph:
    """Recipes by the product they make, and what materials and products declare."""

    recipes: Mapping[int, Iterable[Recipe]]
    material_tags: Mapping[int, Tags] = field(default_factory=dict)
    product_tags: Mapping[int, Tags] = field(default_factory=dict)


def uses(recipes: Mapping[int, Iterable[Recipe]]) -> dict[int, set[int]]:
    """For each product, the products its recipes use directly."""
    return {product_id: {line.item_id for recipe in made for line in recipe.lines
                         if line.kind == "product"}
            for product_id, made in recipes.items()}


def would_cycle(recipes: Mapping[int, Iterable[Recipe]], product_id: int,
                ingredient_products: Iterable[int]) -> list[int] | None:
    """The path by which a recipe for `product_id` using these products would contain itself
    (product ids, the product first and last), or None when it would not, at any depth."""
    edges = uses(recipes)
    for start in ingredient_products:
        path = _path(edges, start, product_id, [product_id, start])
        if path is not None:
            return path
    return None


def _path(edges: Mapping[int, set[int]], here: int, goal: int, trail: list[int]) -> list[int] | None:
    if here == goal:
        return trail
    seen: set[int] = set()
    stack = [(here, trail)]
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((nxt, [*path, nxt]) for nxt in sorted(edges.get(node, ()), reverse=True))
    return None


def derive_tags(graph: Graph, product_ids: Iterable[int]) -> dict[int, Tags]:
    """Each product's allergens through every level of its recipes, plus what it declares.

    A product with several recipes may be made by any of them, so it carries the union. Each
    product is worked out once (a diamond shares its lower half); a cycle, which the catalogue
    refuses, would stop at the product already being worked out.
    """
    done: dict[int, Tags] = {}

    def visit(product_id: int, active: frozenset[int]) -> Tags:
        if product_id in done:
            return done[product_id]
        tags = graph.product_tags.get(product_id, Tags())
        for recipe in graph.recipes.get(product_id, ()):
            for line in recipe.lines:
                if line.kind == "material":
                    tags = tags | graph.material_tags.get(line.item_id, Tags())
                elif line.item_id not in active:
                    tags = tags | visit(line.item_id, active | {line.item_id})
        done[product_id] = tags
        return tags

    return {product_id: visit(product_id, frozenset({product_id})) for product_id in product_ids}


@dataclass(frozen=True)
class Weighed:
    """One material's part of a product: its weight in grams, or None when it has none."""

    material_id: int
    grams: Fraction | None


def material_weights(
    graph: Graph,
    product_id: int,
    grams_per_unit: Mapping[int, Decimal | None],
) -> list[Weighed]:
    """The materials in one batch of a product's (first) recipe, intermediates expanded.

    An intermediate line of q units of a product whose recipe yields Y per batch counts as q/Y
    of that recipe's batch. `grams_per_unit` is each material's weight of one of its units
    (1000 for kg; a piece's weight for eggs; None when unknown).
    """
    totals: dict[int, Fraction | None] = {}

    def add(pid: int, factor: Fraction, active: frozenset[int]) -> None:
        recipes = list(graph.recipes.get(pid, ()))
        if not recipes:
            return
        recipe = recipes[0]
        for line in recipe.lines:
            amount = factor * Fraction(line.quantity)
            if line.kind == "product":
                made = list(graph.recipes.get(line.item_id, ()))
                if line.item_id in active or not made:
                    continue
                add(line.item_id, amount / Fraction(made[0].yield_quantity),
                    active | {line.item_id})
                continue
            weight = grams_per_unit.get(line.item_id)
            grams = None if weight is None else amount * Fraction(weight)
            if line.item_id in totals:
                known = totals[line.item_id]
                totals[line.item_id] = None if known is None or grams is None else known + grams
            else:
                totals[line.item_id] = grams

    add(product_id, Fraction(1), frozenset({product_id}))
    return [Weighed(mid, grams) for mid, grams in totals.items()]


@dataclass(frozen=True)
class Share:
    material_id: int
    grams: Decimal | None
    share: Decimal | None  # percent of the weighed total, 2 places


def ingredient_list(weights: Iterable[Weighed]) -> list[Share]:
    """Materials in descending order of weight with their share; unweighed ones last."""
    items = list(weights)
    weighed = sorted((w for w in items if w.grams is not None),
                     key=lambda w: (-(w.grams or 0), w.material_id))
    total = sum((w.grams for w in weighed if w.grams is not None), Fraction(0))
    result = []
    for w in weighed:
        assert w.grams is not None
        share = _decimal(w.grams * 100 / total, 2) if total else None
        result.append(Share(w.material_id, _decimal(w.grams, 3), share))
    result.extend(Share(w.material_id, None, None) for w in items if w.grams is None)
    return result


def _decimal(value: Fraction, places: int) -> Decimal:
    step = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, ROUND_HALF_UP)


def bakers_percentages(flour_ids: set[int], weights: Iterable[Weighed]) -> dict[int, Decimal]:
    """Each weighed material as a percent of the flour's weight (flour = 100), 1 place."""
    items = [w for w in weights if w.grams is not None]
    flour = sum((w.grams for w in items if w.material_id in flour_ids and w.grams is not None),
                Fraction(0))
    if not flour:
        return {}
    return {w.material_id: _decimal((w.grams or Fraction(0)) * 100 / flour, 1) for w in items}


def materials_to_make(
    product_needs: Mapping[int, Decimal],
    on_hand: Mapping[int, Decimal],
    recipes: Mapping[int, Iterable[Recipe]],
    unmade: list[int] | None = None,
) -> tuple[dict[int, Decimal], dict[int, int]]:
    """What it takes to make the intermediates a plan lacks: (material needs, batches per
    intermediate). Each product short of stock is made in whole batches of its first recipe;
    what those batches use of other intermediates is taken from stock first in turn. Products
    are settled users first, so an intermediate shared by two others (a diamond) is totalled
    before it is made. Products short of stock that no recipe makes go to `unmade`."""
    edges = uses(recipes)
    order: list[int] = []
    seen: set[int] = set()

    def visit(pid: int, active: frozenset[int]) -> None:
        if pid in seen or pid in active:
            return
        for child in sorted(edges.get(pid, ())):
            visit(child, active | {pid})
        seen.add(pid)
        order.append(pid)

    for pid in sorted(product_needs):
        visit(pid, frozenset())
    needs = dict(product_needs)
    materials: dict[int, Decimal] = {}
    batches: dict[int, int] = {}
    for pid in reversed(order):  # every user of a product comes before it
        short = needs.get(pid, Decimal(0)) - on_hand.get(pid, Decimal(0))
        made = list(recipes.get(pid, ()))
        if short > 0 and not made and unmade is not None:
            unmade.append(pid)
        if short <= 0 or not made:
            continue
        recipe = made[0]
        count = int((short / recipe.yield_quantity).to_integral_value(rounding="ROUND_CEILING"))
        batches[pid] = count
        for line in recipe.lines:
            target = materials if line.kind == "material" else needs
            target[line.item_id] = target.get(line.item_id, Decimal(0)) + line.quantity * count
    return materials, batches


def batches_making_intermediates(
    recipe: Recipe,
    materials_on_hand: Mapping[int, Decimal],
    products_on_hand: Mapping[int, Decimal],
    recipes: Mapping[int, Iterable[Recipe]],
    limit: int = 1_000_000,
) -> int:
    """Whole batches of `recipe` that stock allows when the doughs and fillings it lacks are
    made first, in whole batches, from the same materials (what can I bake, expanded)."""

    def feasible(batches: int) -> bool:
        needs: dict[int, Decimal] = {}
        wanted: dict[int, Decimal] = {}
        for line in recipe.lines:
            target = needs if line.kind == "material" else wanted
            target[line.item_id] = target.get(line.item_id, Decimal(0)) + line.quantity * batches
        unmade: list[int] = []
        made, _ = materials_to_make(wanted, products_on_hand, recipes, unmade)
        for material_id, quantity in made.items():
            needs[material_id] = needs.get(material_id, Decimal(0)) + quantity
        return not unmade and all(quantity <= materials_on_hand.get(mid, Decimal(0))
                                  for mid, quantity in needs.items())

    if not recipe.lines or not feasible(1):
        return 0
    low, high = 1, 2
    while high <= limit and feasible(high):
        low, high = high, high * 2
    high = min(high, limit + 1)
    while high - low > 1:  # feasible(low), not feasible(high)
        middle = (low + high) // 2
        low, high = (middle, high) if feasible(middle) else (low, middle)
    return low
