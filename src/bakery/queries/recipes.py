"""Recipes with their cost at current FIFO prices and how many batches stock allows now."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import MaterialBatch, Product, Recipe, RecipeIngredient, as_utc
from ..domain.errors import NotFound
from ..domain.fifo import StockLayer, available
from ..domain.numbers import money
from ..domain.recipes import Ingredient, batch_cost, max_batches
from .pages import PageRequest, paged, split_page

B = MaterialBatch.__table__


def recipe_lines(session: Session, recipe_ids: list[int]) -> dict[int, list[Ingredient]]:
    lines: dict[int, list[Ingredient]] = defaultdict(list)
    rows = session.execute(
        select(RecipeIngredient.recipe_id, RecipeIngredient.material_id, RecipeIngredient.quantity)
        .where(RecipeIngredient.recipe_id.in_(recipe_ids)).order_by(RecipeIngredient.id)
    )
    for r in rows:
        lines[r.recipe_id].append(Ingredient(r.material_id, r.quantity))
    return lines


def material_stock(session: Session, material_ids: set[int]) -> tuple[dict, dict]:
    """Open layers per material, and the latest purchase cost per material."""
    layers: dict[int, list[StockLayer]] = defaultdict(list)
    latest: dict[int, Decimal] = {}
    rows = session.execute(
        select(B.c.id, B.c.material_id, B.c.remaining, B.c.cost_per_unit, B.c.purchase_date)
        .where(B.c.material_id.in_(material_ids))
        .order_by(B.c.material_id, B.c.purchase_date, B.c.id)
    )
    for r in rows:
        latest[r.material_id] = r.cost_per_unit
        if r.remaining > 0:
            layers[r.material_id].append(
                StockLayer(r.id, r.material_id, r.remaining, r.cost_per_unit, r.purchase_date))
    return layers, latest


def recipe_dicts(session: Session, recipes: list[Any]) -> list[dict]:
    lines = recipe_lines(session, [r.id for r in recipes])
    layers, latest = material_stock(session, {i.material_id for ls in lines.values() for i in ls})
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
            "margin_percent": money(margin * 100 / price) if price else None,
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
