"""What a production run would consume and cost, before anyone confirms it. Never writes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Material, Product, Recipe
from ..db.stock_layers import drawable_batches, recipe_lines
from ..domain import fifo
from ..domain.costing import cost_of
from ..domain.errors import NotFound
from ..domain.numbers import money
from ..domain.production import plan_production


def preview_production(session: Session, recipe_id: int, batches: int) -> dict:
    """The FIFO draws, cost and every shortfall of baking `batches` of a recipe now.

    The production service's own plan (domain.production.plan_production on the same open
    batches), without locks or writes: stock may change before the run is confirmed, and the
    run checks again.
    """
    recipe = session.get(Recipe, recipe_id)
    if recipe is None:
        raise NotFound(f"no recipe with id {recipe_id}")
    lines = recipe_lines(session, [recipe_id])[recipe_id]
    material_ids = [line.material_id for line in lines]
    materials = {m.id: m for m in session.scalars(select(Material).where(
        Material.id.in_(material_ids)))}
    names = {mid: m.name for mid, m in materials.items()}
    layers = drawable_batches(session, material_ids)
    plan = plan_production(lines, batches, recipe.yield_quantity, layers, names)
    short_ids = {s.item_id for s in plan.shortfalls}
    result_lines = []
    for material_id, required in plan.needs.items():
        draws = plan.draws.get(material_id, [])
        result_lines.append({
            "material_id": material_id, "name": names.get(material_id, f"#{material_id}"),
            "unit": materials[material_id].unit if material_id in materials else "",
            "required": required, "available": fifo.available(layers[material_id]),
            "short": material_id in short_ids, "cost": money(cost_of(draws)),
            "draws": [{"batch_id": d.layer_id, "quantity": d.quantity,
                       "cost_per_unit": d.unit_cost, "cost": money(d.cost),
                       "purchase_date": _purchase_date(layers[material_id], d.layer_id)}
                      for d in draws],
        })
    produced = plan.produced
    product = session.get(Product, recipe.product_id)
    return {
        "recipe_id": recipe.id, "recipe_name": recipe.name, "batches": batches,
        "product_id": recipe.product_id, "product_name": product.name if product else "",
        "produced_quantity": produced, "lines": result_lines,
        "shortfalls": [{"material_id": s.item_id, "name": s.name, "required": s.required,
                        "available": s.available, "missing": s.required - s.available,
                        "unit": materials[s.item_id].unit if s.item_id in materials else ""}
                       for s in plan.shortfalls],
        "total_cost": None if plan.shortfalls else money(plan.cost),
        "unit_cost": None if plan.shortfalls or not produced else money(plan.unit_cost),
    }


def _purchase_date(layers: list[fifo.StockLayer], batch_id: int) -> date | None:
    return next((layer.received for layer in layers if layer.id == batch_id), None)
