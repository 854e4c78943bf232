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
from ..domain.composition import materials_to_make
from ..domain.costing import purchase_cost
from ..domain.errors import ValidationFailed
from ..domain.fifo import available
from ..domain.numbers import ZERO
from ..domain.recipes import scale
from .composition import recipe_graph
from .recipes import recipe_dicts


def what_can_i_bake(session: Session) -> list[dict]:
    """Every recipe with the whole batches (and units) current stock allows, most first."""
    recipes = list(session.execute(select(Recipe).order_by(Recipe.name)).scalars())
    rows = [{"recipe_id": r["id"], "name": r["name"], "product_id": r["product_id"],
             "max_batches": r["max_batches"],
             "max_units": r["yield_quantity"] * r["max_batches"],
             "cost_per_batch": r["cost_per_batch"]}
            for r in recipe_dicts(session, recipes)]
    return sorted(rows, key=lambda row: (-row["max_batches"], row["name"]))


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

