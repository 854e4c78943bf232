"""Planning production: what stock allows now, and what to buy for a planned bake."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Material, Recipe
from ..db.stock_layers import (
    drawable_batches,
    drawable_lots,
    latest_batch_costs,
    recipe_lines,
    recipe_product_lines,
)
from ..domain.composition import Line, batches_making_intermediates, materials_to_make
from ..domain.composition import Recipe as RecipeNode
from ..domain.costing import purchase_cost
from ..domain.errors import ValidationFailed
from ..domain.fifo import available
from ..domain.numbers import ZERO
from ..domain.recipes import scale
from .composition import recipe_graph
from .recipes import recipe_dicts


def what_can_i_bake(session: Session) -> list[dict]:
    """Every recipe with the whole batches (and units) current stock allows, most first; and,
    for recipes with doughs or fillings, the batches allowed when those are made first."""
    recipes = list(session.execute(select(Recipe).order_by(Recipe.name)).scalars())
    graph = recipe_graph(session)
    nodes = _recipe_nodes(session, recipes)
    with_intermediates = [r.id for r in recipes
                          if any(line.kind == "product" for line in nodes[r.id].lines)]
    materials_on_hand: dict[int, Decimal] = {}
    lots_on_hand: dict[int, Decimal] = {}
    if with_intermediates:
        material_ids = set(session.execute(select(Material.id)).scalars())
        materials_on_hand = {mid: available(ls)
                             for mid, ls in drawable_batches(session, material_ids).items()}
        lots_on_hand = {pid: available(ls) for pid, ls in drawable_lots(session, graph).items()}
    rows = []
    for r in recipe_dicts(session, recipes):
        row = {"recipe_id": r["id"], "name": r["name"], "product_id": r["product_id"],
               "max_batches": r["max_batches"],
               "max_units": r["yield_quantity"] * r["max_batches"],
               "cost_per_batch": r["cost_per_batch"]}
        if r["id"] in with_intermediates:
            row["max_batches_making_intermediates"] = batches_making_intermediates(
                nodes[r["id"]], materials_on_hand, lots_on_hand, graph)
        rows.append(row)
    return sorted(rows, key=lambda row: (-row["max_batches"], row["name"]))


def _recipe_nodes(session: Session, recipes: list[Recipe]) -> dict[int, RecipeNode]:
    """Each recipe as the composition rules see it (its lines, in kind and id)."""
    lines = recipe_lines(session, [r.id for r in recipes])
    product_lines = recipe_product_lines(session, [r.id for r in recipes])
    return {r.id: RecipeNode(r.product_id, r.yield_quantity, tuple(
        [Line("material", i.material_id, i.quantity) for i in lines.get(r.id, [])]
        + [Line("product", i.material_id, i.quantity) for i in product_lines.get(r.id, [])]))
        for r in recipes}


def shopping_list(session: Session, plan: list[tuple[int, int]]) -> dict:
    """Per material: needed for the plan, on hand, to buy, and its cost at the latest price."""
    recipe_ids = [recipe_id for recipe_id, _ in plan]
    known = set(session.execute(select(Recipe.id).where(Recipe.id.in_(recipe_ids))).scalars())
    missing = {f"items.{i}.recipe_id": f"no recipe with id {rid}"
               for i, rid in enumerate(recipe_ids) if rid not in known}
    if missing:
        raise ValidationFailed("unknown recipe", missing)
    lines = recipe_lines(session, recipe_ids)
    product_lines = recipe_product_lines(session, recipe_ids)
    needed: dict[int, Decimal] = {}
    wanted_products: dict[int, Decimal] = {}
    for recipe_id, batches in plan:
        for material_id, qty in scale(lines.get(recipe_id, []), batches).items():
            needed[material_id] = needed.get(material_id, ZERO) + qty
        for product_id, qty in scale(product_lines.get(recipe_id, []), batches).items():
            wanted_products[product_id] = wanted_products.get(product_id, ZERO) + qty
    if wanted_products:  # doughs and fillings not in stock are made: buy their materials too
        lots = drawable_lots(session, wanted_products)
        made_of, _ = materials_to_make(
            wanted_products, {pid: available(ls) for pid, ls in lots.items()},
            recipe_graph(session))
        for material_id, qty in made_of.items():
            needed[material_id] = needed.get(material_id, ZERO) + qty
    layers = drawable_batches(session, needed)
    latest = latest_batch_costs(session, needed)
    names = {r.id: r for r in session.execute(
        select(Material.id, Material.name, Material.unit).where(Material.id.in_(needed)))}
    items = []
    for material_id in sorted(needed, key=lambda m: names[m].name):
        on_hand = available(layers.get(material_id, []))
        to_buy = max(needed[material_id] - on_hand, ZERO)
        price = latest.get(material_id)
        items.append({
            "material_id": material_id, "name": names[material_id].name,
            "unit": names[material_id].unit, "needed": needed[material_id], "on_hand": on_hand,
            "to_buy": to_buy, "latest_cost_per_unit": price,
            "estimated_cost": purchase_cost(to_buy, price),
        })
    total = sum((i["estimated_cost"] for i in items if i["estimated_cost"] is not None), ZERO)
    return {"items": items, "estimated_total": total,
            "unpriced": [i["material_id"] for i in items
                         if i["estimated_cost"] is None and i["to_buy"] > 0]}

