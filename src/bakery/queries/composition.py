"""What products are made of, loaded for domain.composition: the recipe graph, the allergens
of materials and products, each product's derived allergens and ingredient list, the matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, bindparam, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from ..db.engine import Executor
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


# The statements behind the graph, built once: every recipe with its lines (materials first, then
# intermediate products, each in the order written; a recipe without lines still comes once),
# and what every material and product declares.
_MATERIAL_LINE, _PRODUCT_LINE = 0, 1
_I, _P, _R = RecipeIngredient.__table__, RecipeProduct.__table__, Recipe.__table__
_LINES = union_all(
    select(literal_column(str(_MATERIAL_LINE), Integer).label("kind"), _I.c.id.label("line_id"),
           _I.c.recipe_id, _I.c.material_id.label("item_id"), _I.c.quantity),
    select(literal_column(str(_PRODUCT_LINE), Integer), _P.c.id, _P.c.recipe_id,
           _P.c.product_id, _P.c.quantity),
).subquery("lines")
_RECIPE_GRAPH = (
    select(_R.c.id, _R.c.product_id, _R.c.yield_quantity, _LINES.c.kind, _LINES.c.item_id,
           _LINES.c.quantity)
    .outerjoin(_LINES, _LINES.c.recipe_id == _R.c.id)
    .order_by(_R.c.id, _LINES.c.kind, _LINES.c.line_id)
)
_M, _PR = Material.__table__, Product.__table__
_DECLARED = union_all(
    select(literal_column(str(_MATERIAL_LINE), Integer).label("kind"), _M.c.id, _M.c.name,
           _M.c.unit, _M.c.allergens, _M.c.may_contain, _M.c.grams_per_unit),
    select(literal_column(str(_PRODUCT_LINE), Integer), _PR.c.id, null(), null(),
           _PR.c.allergens, _PR.c.may_contain, null()),
)


# What products are made of, for their answers: each recipe line with what its item declares
# (a material's name, unit, grams per unit and allergens; an intermediate product's allergens),
# so the composition of products already loaded takes one statement. `_MADE_OF_ONE` follows only
# the recipes one product (bound as `product_id`) is made by, through every level.
_LINE_ITEMS = (
    _RECIPE_GRAPH
    .add_columns(_M.c.name, _M.c.unit, _M.c.allergens.label("material_allergens"),
                 _M.c.may_contain.label("material_may_contain"), _M.c.grams_per_unit,
                 _PR.c.allergens.label("product_allergens"),
                 _PR.c.may_contain.label("product_may_contain"))
    .outerjoin(_M, and_(_LINES.c.kind == _MATERIAL_LINE, _M.c.id == _LINES.c.item_id))
    .outerjoin(_PR, and_(_LINES.c.kind == _PRODUCT_LINE, _PR.c.id == _LINES.c.item_id))
)
_REACH = select(bindparam("product_id", type_=BigInteger).label("product_id")) \
    .cte("reach", recursive=True)
_REACH = _REACH.union(
    select(_P.c.product_id).join(_R, _R.c.id == _P.c.recipe_id)
    .join(_REACH, _R.c.product_id == _REACH.c.product_id))
_MADE_OF_ONE = _LINE_ITEMS.where(_R.c.product_id.in_(select(_REACH.c.product_id)))


def _recipes(rows: Iterable[Any], exclude_recipe: int | None = None
             ) -> dict[int, list[RecipeNode]]:
    """Recipes by the product they make, from rows of `_RECIPE_GRAPH` (or more columns)."""
    lines: dict[int, list[Line]] = defaultdict(list)
    recipes: dict[int, tuple[int, Decimal]] = {}
    for r in rows:
        recipes.setdefault(r.id, (r.product_id, r.yield_quantity))
        if r.item_id is not None:
            kind = "material" if r.kind == _MATERIAL_LINE else "product"
            lines[r.id].append(Line(kind, r.item_id, r.quantity))
    graph: dict[int, list[RecipeNode]] = defaultdict(list)
    for recipe_id, (product_id, yield_quantity) in recipes.items():
        if recipe_id != exclude_recipe:
            graph[product_id].append(RecipeNode(product_id, yield_quantity,
                                                tuple(lines.get(recipe_id, ()))))
    return graph


def recipe_graph(db: Executor, exclude_recipe: int | None = None) -> dict[int, list[RecipeNode]]:
    """Every recipe by the product it makes (one recipe left out: the one being rewritten)."""
    return _recipes(db.execute(_RECIPE_GRAPH), exclude_recipe)


def _tags(allergens: str, may_contain: str) -> Tags:
    return Tags(frozenset(allergens.split()), frozenset(may_contain.split()))


def grams_per_unit(unit: str, stated: Decimal | None) -> Decimal | None:
    """What one unit of a material weighs in grams: from its unit when it is a mass, else as
    the material states (an egg: 60), else unknown."""
    return GRAMS_PER.get(unit.strip().lower(), stated)


def load_graph(db: Executor) -> tuple[Graph, dict[int, Decimal | None], dict[int, str]]:
    """The whole recipe graph with every material's and product's declared allergens, each
    material's grams per unit, and material names (two statements)."""
    materials: dict[int, Tags] = {}
    products: dict[int, Tags] = {}
    grams: dict[int, Decimal | None] = {}
    names: dict[int, str] = {}
    for r in db.execute(_DECLARED):
        if r.kind == _MATERIAL_LINE:
            materials[r.id] = _tags(r.allergens, r.may_contain)
            grams[r.id] = grams_per_unit(r.unit, r.grams_per_unit)
            names[r.id] = r.name
        else:
            products[r.id] = _tags(r.allergens, r.may_contain)
    return Graph(recipe_graph(db), materials, products), grams, names


def _graph_of(db: Executor, products: Sequence[dict]
              ) -> tuple[Graph, dict[int, Decimal | None], dict[int, str]]:
    """The part of the graph `products` are made of, with what each item in it declares, the
    products' own declarations taken as loaded: one statement."""
    if len(products) == 1:
        rows = db.execute(_MADE_OF_ONE, {"product_id": products[0]["id"]}).all()
    else:
        rows = db.execute(_LINE_ITEMS).all()
    materials: dict[int, Tags] = {}
    product_tags: dict[int, Tags] = {}
    grams: dict[int, Decimal | None] = {}
    names: dict[int, str] = {}
    for r in rows:
        if r.item_id is None or r.item_id in (materials if r.kind == _MATERIAL_LINE
                                               else product_tags):
            continue
        if r.kind == _MATERIAL_LINE:
            materials[r.item_id] = _tags(r.material_allergens, r.material_may_contain)
            grams[r.item_id] = grams_per_unit(r.unit, r.grams_per_unit)
            names[r.item_id] = r.name
        else:
            product_tags[r.item_id] = _tags(r.product_allergens, r.product_may_contain)
    for product in products:
        declared = product["declared"]
        product_tags[product["id"]] = Tags(frozenset(declared["allergens"]),
                                           frozenset(declared["may_contain"]))
    return Graph(_recipes(rows), materials, product_tags), grams, names


def compositions(db: Executor, products: Sequence[dict], ingredients: bool = True
                 ) -> dict[int, dict]:
    """Each product's allergens, may_contain and ingredient list (descending weight, shares;
    left out with `ingredients` false, for a page that shows allergens only). `products` as
    `inventory.product_dict` shapes them: their `declared` allergens are used as they are, so
    one statement loads what they are made of."""
    if not products:
        return {}
    graph, grams, names = _graph_of(db, products)
    product_ids = [p["id"] for p in products]
    tags = derive_tags(graph, product_ids)
    result: dict[int, dict] = {}
    for product_id in product_ids:
        contains, may = tags[product_id].ordered()
        result[product_id] = {"allergens": contains, "may_contain": may}
        if ingredients:
            shares = ingredient_list(material_weights(graph, product_id, grams))
            result[product_id]["ingredients"] = [
                {"material_id": s.material_id, "name": names.get(s.material_id, ""),
                 "share": s.share, "grams": s.grams} for s in shares]
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
