"""What a production run would consume and cost, before anyone confirms it. Never writes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Material, MaterialBatch, Product, Recipe, RecipeIngredient
from ..domain import fifo
from ..domain.errors import NotFound
from ..domain.numbers import ZERO, money, unit_cost
from ..domain.recipes import Ingredient, scale

B = MaterialBatch.__table__


def preview_production(session: Session, recipe_id: int, batches: int) -> dict:
    """The FIFO draws, cost and every shortfall of baking `batches` of a recipe now.

    The same arithmetic as the production service (domain.fifo on the open batches), without
    locks or writes: stock may change before the run is confirmed, and the run checks again.
    """
    recipe = session.get(Recipe, recipe_id)
    if recipe is None:
        raise NotFound(f"no recipe with id {recipe_id}")
    lines = [Ingredient(r.material_id, r.quantity) for r in session.execute(
        select(RecipeIngredient.material_id, RecipeIngredient.quantity)
        .where(RecipeIngredient.recipe_id == recipe_id).order_by(RecipeIngredient.id))]
    needs = scale(lines, batches)
    materials = {m.id: m for m in session.scalars(select(Material).where(Material.id.in_(needs)))}
    layers: dict[int, list[fifo.StockLayer]] = {mid: [] for mid in needs}
    for r in session.execute(
        select(B.c.id, B.c.material_id, B.c.remaining, B.c.cost_per_unit, B.c.purchase_date)
        .where(B.c.material_id.in_(needs), B.c.remaining > 0)
        .order_by(B.c.material_id, B.c.purchase_date, B.c.id)
    ):
        layers[r.material_id].append(
            fifo.StockLayer(r.id, r.material_id, r.remaining, r.cost_per_unit, r.purchase_date))
    names = {mid: m.name for mid, m in materials.items()}
    shortfalls = fifo.shortfalls("material", needs, layers, names)
    short_ids = {s.item_id for s in shortfalls}
    result_lines = []
    total = ZERO
    for material_id, required in needs.items():
        on_hand = fifo.available(layers[material_id])
        draws = [] if material_id in short_ids else fifo.consume_fifo(layers[material_id], required)
        cost = sum((d.cost for d in draws), ZERO)
        total += cost
        result_lines.append({
            "material_id": material_id, "name": names.get(material_id, f"#{material_id}"),
            "unit": materials[material_id].unit if material_id in materials else "",
            "required": required, "available": on_hand, "short": material_id in short_ids,
            "cost": money(cost),
            "draws": [{"batch_id": d.layer_id, "quantity": d.quantity,
                       "cost_per_unit": d.unit_cost, "cost": money(d.cost),
                       "purchase_date": _purchase_date(layers[material_id], d.layer_id)}
                      for d in draws],
        })
    produced = recipe.yield_quantity * batches
    product = session.get(Product, recipe.product_id)
    return {
        "recipe_id": recipe.id, "recipe_name": recipe.name, "batches": batches,
        "product_id": recipe.product_id, "product_name": product.name if product else "",
        "produced_quantity": produced, "lines": result_lines,
        "shortfalls": [{"material_id": s.item_id, "name": s.name, "required": s.required,
                        "available": s.available, "missing": s.required - s.available,
                        "unit": materials[s.item_id].unit if s.item_id in materials else ""}
                       for s in shortfalls],
        "total_cost": None if shortfalls else money(total),
        "unit_cost": None if shortfalls or not produced else money(unit_cost(total / produced)),
    }


def _purchase_date(layers: list[fifo.StockLayer], batch_id: int):  # type: ignore[no-untyped-def]
    return next((layer.received for layer in layers if layer.id == batch_id), None)

