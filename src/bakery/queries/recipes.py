"""Recipes with their cost at current FIFO prices and how many batches stock allows now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Product, Recipe, as_utc
from ..db.stock_layers import (
    drawable_batches,
    drawable_lots,
    latest_batch_costs,
    latest_lot_costs,
    recipe_lines,
    recipe_product_lines,
)
from ..domain.costing import batch_cost, intermediates_cost, margin_percent
from ..domain.errors import NotFound
from ..domain.fifo import available
from ..domain.numbers import money, unit_cost
from ..domain.recipes import max_batches
from .pages import PageRequest, paged, split_page


def _intermediate_costs(session: Session, product_ids: set[int], depth: int = 0) -> dict:
    """What one unit of each intermediate costs when its lots run short: its latest lot's cost,
    or, for one never made, its first recipe's cost per batch (expanded in turn) per unit."""
    latest = latest_lot_costs(session, product_ids)
    never_made = product_ids - set(latest)
    if never_made and depth < 32:  # the catalogue refuses cycles; the bound is a backstop
        recipes: dict[int, Any] = {}
        for recipe in session.execute(select(Recipe).where(Recipe.product_id.in_(never_made))
                                      .order_by(Recipe.id)).scalars():
            recipes.setdefault(recipe.product_id, recipe)
        for product_id, recipe in recipes.items():
            cost = _batch_costs(session, [recipe], depth + 1)[recipe.id]
            latest[product_id] = unit_cost(cost / recipe.yield_quantity)
    return latest


def _batch_costs(session: Session, recipes: list[Any], depth: int = 0) -> dict[int, Decimal]:
    """Each recipe's cost per batch now: materials at FIFO, intermediates at their lots' FIFO."""
    lines = recipe_lines(session, [r.id for r in recipes])
    product_lines = recipe_product_lines(session, [r.id for r in recipes])
    material_ids = {i.material_id for ls in lines.values() for i in ls}
    product_ids = {i.material_id for ls in product_lines.values() for i in ls}
    layers = drawable_batches(session, material_ids)
    latest = latest_batch_costs(session, material_ids)
    lots = drawable_lots(session, product_ids) if product_ids else {}
    fallback = _intermediate_costs(session, product_ids, depth) if product_ids else {}
    return {r.id: batch_cost(lines.get(r.id, []), layers, latest)
            + intermediates_cost(product_lines.get(r.id, []), lots, fallback) for r in recipes}


def recipe_dicts(session: Session, recipes: list[Any]) -> list[dict]:
    """Recipes as the API shows them: lines, cost and margin now, and the batches stock allows."""
    lines = recipe_lines(session, [r.id for r in recipes])
    product_lines = recipe_product_lines(session, [r.id for r in recipes])
    material_ids = {i.material_id for ls in lines.values() for i in ls}
    product_ids = {i.material_id for ls in product_lines.values() for i in ls}
    layers = drawable_batches(session, material_ids)
    lots = drawable_lots(session, product_ids) if product_ids else {}
    on_hand = {mid: available(ls) for mid, ls in layers.items()}
    lots_on_hand = {pid: available(ls) for pid, ls in lots.items()}
    costs = _batch_costs(session, recipes)
    prices = dict(session.execute(select(Product.id, Product.price).where(
        Product.id.in_({r.product_id for r in recipes}))).all())
    result = []
    for recipe in recipes:
        ingredients = lines.get(recipe.id, [])
        intermediates = product_lines.get(recipe.id, [])
        cost = costs[recipe.id]
        cost_per_unit = money(cost / recipe.yield_quantity)
        price = prices.get(recipe.product_id)
        margin = price - cost_per_unit if price is not None else None
        result.append({
            "id": recipe.id, "name": recipe.name, "product_id": recipe.product_id,
            "yield_quantity": recipe.yield_quantity,
            "ingredients": [{"material_id": i.material_id, "quantity": i.quantity}
                            for i in ingredients]
            + [{"product_id": i.material_id, "quantity": i.quantity} for i in intermediates],
            "cost_per_batch": money(cost),
            "cost_per_unit": cost_per_unit,
            "price": price,
            "margin_per_unit": margin,
            "margin_percent": margin_percent(margin, price) if margin is not None and price
            else None,
            "max_batches": _max_batches(ingredients, on_hand, intermediates, lots_on_hand),
            "created_at": as_utc(recipe.created_at),
        })
    return result


def _max_batches(ingredients: list, on_hand: dict, intermediates: list, lots: dict) -> int:
    """Whole batches the materials and the intermediates' lots both allow."""
    limits = [max_batches(ingredients, on_hand)] if ingredients else []
    if intermediates:
        limits.append(max_batches(intermediates, lots))
    return min(limits) if limits else 0


def list_recipes(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    query = paged(select(Recipe), Recipe.id, page)
    rows, cursor = split_page(list(session.execute(query).scalars()), page)
    return recipe_dicts(session, rows), cursor


def get_recipe(session: Session, recipe_id: int) -> dict:
    recipe = session.get(Recipe, recipe_id)
    if recipe is None:
        raise NotFound(f"no recipe with id {recipe_id}")
    return recipe_dicts(session, [recipe])[0]


def unit_prices(session: Session, material_ids: set[int],
                product_ids: set[int]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """What the next unit of each material and intermediate product costs now (the first
    layer in issue order, else the latest cost): the recipe form's live estimate."""
    layers = drawable_batches(session, material_ids)
    latest = latest_batch_costs(session, material_ids)
    materials = {mid: layers[mid][0].unit_cost if layers.get(mid) else latest.get(mid, Decimal(0))
                 for mid in material_ids}
    lots = drawable_lots(session, product_ids) if product_ids else {}
    fallback = _intermediate_costs(session, product_ids) if product_ids else {}
    products = {pid: lots[pid][0].unit_cost if lots.get(pid) else fallback.get(pid, Decimal(0))
                for pid in product_ids}
    return materials, products


def made_products(session: Session) -> set[int]:
    """Products some recipe makes: what a recipe line may use as an intermediate."""
    return set(session.execute(select(Recipe.product_id).distinct()).scalars())
