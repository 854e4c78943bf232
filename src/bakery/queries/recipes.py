"""Recipes with their cost at current FIFO prices and how many batches stock allows now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Product, Recipe, as_utc
from ..db.stock_layers import drawable_batches, latest_batch_costs, recipe_lines
from ..domain.costing import batch_cost, margin_percent
from ..domain.errors import NotFound
from ..domain.fifo import available
from ..domain.numbers import money
from ..domain.recipes import max_batches
from .pages import PageRequest, paged, split_page


def recipe_dicts(session: Session, recipes: list[Any]) -> list[dict]:
    """Recipes as the API shows them: lines, cost and margin now, and the batches stock allows."""
    lines = recipe_lines(session, [r.id for r in recipes])
    material_ids = {i.material_id for ls in lines.values() for i in ls}
    layers = drawable_batches(session, material_ids)
    latest = latest_batch_costs(session, material_ids)
    on_hand = {mid: available(ls) for mid, ls in layers.items()}
    prices = dict(session.execute(select(Product.id, Product.price).where(
        Product.id.in_({r.product_id for r in recipes}))).all())
    result = []
    for recipe in recipes:
        ingredients = lines.get(recipe.id, [])
        cost = batch_cost(ingredients, layers, latest)
        cost_per_unit = money(cost / recipe.yield_quantity)
        price = prices.get(recipe.product_id)
        margin = price - cost_per_unit if price is not None else None
        result.append({
            "id": recipe.id, "name": recipe.name, "product_id": recipe.product_id,
            "yield_quantity": recipe.yield_quantity,
            "ingredients": [{"material_id": i.material_id, "quantity": i.quantity}
                            for i in ingredients],
            "cost_per_batch": money(cost),
            "cost_per_unit": cost_per_unit,
            "price": price,
            "margin_per_unit": margin,
            "margin_percent": margin_percent(margin, price) if margin is not None and price
            else None,
            "max_batches": max_batches(ingredients, on_hand),
            "created_at": as_utc(recipe.created_at),
        })
    return result


def list_recipes(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    query = paged(select(Recipe), Recipe.id, page)
    rows, cursor = split_page(list(session.execute(query).scalars()), page)
    return recipe_dicts(session, rows), cursor


def get_recipe(session: Session, recipe_id: int) -> dict:
    recipe = session.get(Recipe, recipe_id)
    if recipe is None:
        raise NotFound(f"no recipe with id {recipe_id}")
    return recipe_dicts(session, [recipe])[0]
