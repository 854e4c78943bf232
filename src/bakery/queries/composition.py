"""What products are made of, loaded for domain.composition: the recipe graph, the allergens
of materials and products, each product's derived allergens and ingredient list, the matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Material, Product, Recipe, RecipeIngredient, RecipeProduct
from ..domain import units
from ..domain.composition import (
    ALLERGENS,
    Graph,
    Line,
    Tags,
    bakers_percentages,
    derive_tags,
    ingredient_list,
    material_weights,
)
from ..domain.composition import Recipe as RecipeNode

GRAMS_PER = {unit: size for unit, (kind, size) in units.UNITS.items() if kind == "mass"}


def recipe_graph(session: Session, exclude_recipe: int | None = None) -> dict[int, list[RecipeNode]]:
    """Every recipe by the product it makes (one recipe left out: the one being rewritten)."""
    recipes = session.execute(select(Recipe.id, Recipe.product_id, Recipe.yield_quantity)
                              .order_by(Recipe.id)).all()
    lines: dict[int, list[Line]] = defaultdict(list)
    for recipe_id, material_id, quantity in session.execute(
            select(RecipeIngredient.recipe_id, RecipeIngredient.material_id,
                   RecipeIngredient.quantity).order_by(RecipeIngredient.id)):
        lines[recipe_id].append(Line("material", material_id, quantity))
    for recipe_id, product_id, quantity in session.execute(
            select(RecipeProduct.recipe_id, RecipeProduct.product_id,
                   RecipeProduct.quantity).order_by(RecipeProduct.id)):
        lines[recipe_id].append(Line("product", product_id, quantity))
    graph: dict[int, list[RecipeNode]] = defaultdict(list)
    for recipe_id, product_id, yield_quantity in recipes:
        if recipe_id != exclude_recipe:
            graph[product_id].append(RecipeNode(product_id, yield_quantity,
                                                tuple(lines.get(recipe_id, ()))))
    return graph


def _tags(allergens: str, may_contain: str) -> Tags:
    return Tags(frozenset(allergens.split()), frozenset(may_contain.split()))


def grams_per_unit(unit: str, stated: Decimal | None) -> Decimal | None:
    """What one unit of a material weighs in grams: from its unit when it is a mass, else as
    the material states (an egg: 60), else unknown."""
    return GRAMS_PER.get(unit.strip().lower(), stated)


def load_graph(session: Session) -> tuple[Graph, dict[int, Decimal | None], dict[int, str]]:
    """The whole recipe graph with every material's and product's declared allergens, each
    material's grams per unit, and material names."""
    materials = session.execute(select(Material.id, Material.name, Material.unit,
                                       Material.allergens, Material.may_contain,
                                       Material.grams_per_unit)).all()
    products = session.execute(select(Product.id, Product.allergens, Product.may_contain)).all()
    graph = Graph(recipe_graph(session),
                  {m.id: _tags(m.allergens, m.may_contain) for m in materials},
                  {p.id: _tags(p.allergens, p.may_contain) for p in products})
    return (graph, {m.id: grams_per_unit(m.unit, m.grams_per_unit) for m in materials},
            {m.id: m.name for m in materials})


def compositions(session: Session, product_ids: Collection[int]) -> dict[int, dict]:
    """Each product's allergens, may_contain and ingredient list (descending weight, shares)."""
    if not product_ids:
        return {}
    graph, grams, names = load_graph(session)
    tags = derive_tags(graph, product_ids)
    result = {}
    for product_id in product_ids:
        contains, may = tags[product_id].ordered()
        shares = ingredient_list(material_weights(graph, product_id, grams))
        result[product_id] = {
            "allergens": contains, "may_contain": may,
            "ingredients": [{"material_id": s.material_id, "name": names.get(s.material_id, ""),
                             "share": s.share, "grams": s.grams} for s in shares],
        }
    return result


def material_allergens(session: Session, material_ids: Collection[int]) -> dict[int, list[str]]:
    """Each material's declared allergens (for emphasis on a label)."""
    rows = session.execute(select(Material.id, Material.allergens)
                           .where(Material.id.in_(list(material_ids)))).all()
    return {r.id: r.allergens.split() for r in rows}


def bakers_view(session: Session, recipe_id: int) -> list[dict]:
    """One batch of a recipe in grams, intermediates expanded, with baker's percentages: the
    materials named flour (any flour) are 100%. Heaviest first; unweighed materials last."""
    recipe = session.get(Recipe, recipe_id)
    if recipe is None:
        return []
    graph, grams, names = load_graph(session)
    lines = session.execute(select(RecipeIngredient.material_id, RecipeIngredient.quantity)
                            .where(RecipeIngredient.recipe_id == recipe_id)).all()
    products = session.execute(select(RecipeProduct.product_id, RecipeProduct.quantity)
                               .where(RecipeProduct.recipe_id == recipe_id)).all()
    this = RecipeNode(recipe.product_id, recipe.yield_quantity,
                      tuple([Line("material", m, q) for m, q in lines]
                            + [Line("product", p, q) for p, q in products]))
    recipes = dict(graph.recipes)
    recipes[recipe.product_id] = [this]  # this recipe, whichever of the product's it is
    weights = material_weights(Graph(recipes), recipe.product_id, grams)
    flour = {mid for mid, name in names.items() if "flour" in name.lower()}
    percents = bakers_percentages(flour, weights)
    return [{"material_id": s.material_id, "name": names.get(s.material_id, ""),
             "grams": s.grams, "share": s.share, "percent": percents.get(s.material_id)}
            for s in ingredient_list(weights)]


def allergen_matrix(session: Session) -> dict:
    """Every product by the 14 allergens: what it contains and may contain."""
    products = session.execute(select(Product.id, Product.name, Product.sellable)
                               .order_by(Product.name, Product.id)).all()
    graph, _, _ = load_graph(session)
    tags = derive_tags(graph, [p.id for p in products])
    items = []
    for p in products:
        contains, may = tags[p.id].ordered()
        items.append({"product_id": p.id, "name": p.name, "sellable": p.sellable,
                      "allergens": contains, "may_contain": may})
    return {"allergens": list(ALLERGENS), "items": items}
