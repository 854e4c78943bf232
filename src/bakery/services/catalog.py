"""Materials, products and recipes: creating and editing what the bakery stocks and bakes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.engine import transaction
from ..db.models import Material, Product, Recipe, RecipeIngredient
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.recipes import Ingredient, merge_ingredients
from . import audit
from .unit_of_work import SessionFactory

AUDITED = {"materials": ("name", "unit", "min_quantity", "issue_order"),
           "products": ("name", "price", "min_quantity", "shelf_life_hours",
                        "day_old_product_id"),
           "recipes": ("name", "product_id", "yield_quantity")}


def _name_taken(session: Session, model: Any, name: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.execute(query).first() is not None


def _save_named(factory: SessionFactory, model: Any, item_id: int | None, fields: dict,
                actor_id: int | None = None) -> int:
    """Insert or update a row whose `name` must be unique (case-insensitively); audit it."""
    kind = model.__tablename__.rstrip("s")
    audited = AUDITED[model.__tablename__]
    try:
        with transaction(factory) as session:
            if "name" in fields and _name_taken(session, model, fields["name"], item_id):
                raise Conflict(f"a {kind} named {fields['name']!r} already exists",
                               {"name": "already exists"})
            if item_id is None:
                row = model(**fields)
                session.add(row)
                session.flush()
                audit.record(session, actor_id, "create", kind, row.id, None,
                             audit.snapshot(row, audited))
                return int(row.id)
            row = session.get(model, item_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no {kind} with id {item_id}")
            before = audit.snapshot(row, audited)
            for key, value in fields.items():
                setattr(row, key, value)
            audit.record(session, actor_id, "update", kind, item_id, before,
                         audit.snapshot(row, audited))
            return item_id
    except IntegrityError as exc:  # a concurrent insert of the same name won the race
        raise Conflict(f"a {kind} with that name already exists", {"name": "already exists"}) from exc


def create_material(factory: SessionFactory, *, name: str, unit: str,
                    min_quantity: Decimal = Decimal(0), issue_order: str = "fifo",
                    actor_id: int | None = None) -> int:
    return _save_named(factory, Material, None,
                       {"name": name, "unit": unit, "min_quantity": min_quantity,
                        "issue_order": issue_order}, actor_id)


def update_material(factory: SessionFactory, material_id: int, *, actor_id: int | None = None,
                    **fields: Any) -> int:
    return _save_named(factory, Material, material_id, fields, actor_id)


def create_product(factory: SessionFactory, *, name: str, price: Decimal,
                   min_quantity: Decimal | None = None, shelf_life_hours: int | None = None,
                   day_old_product_id: int | None = None, actor_id: int | None = None) -> int:
    _check_day_old(factory, None, day_old_product_id)
    return _save_named(factory, Product, None,
                       {"name": name, "price": price, "min_quantity": min_quantity,
                        "shelf_life_hours": shelf_life_hours,
                        "day_old_product_id": day_old_product_id}, actor_id)


def _check_day_old(factory: SessionFactory, product_id: int | None, day_old_id: int | None
                   ) -> None:
    """A day-old product must exist, be another product, and not be marked down itself."""
    if day_old_id is None:
        return
    with factory() as session:
        day_old = session.get(Product, day_old_id)
    if day_old is None or day_old_id == product_id or day_old.day_old_product_id is not None:
        raise ValidationFailed("not a day-old product", {
            "day_old_product_id": "must be another product that is not marked down itself"})


def update_product(factory: SessionFactory, product_id: int, *, actor_id: int | None = None,
                   **fields: Any) -> int:
    _check_day_old(factory, product_id, fields.get("day_old_product_id"))
    return _save_named(factory, Product, product_id, fields, actor_id)


def _check_references(session: Session, product_id: int | None,
                      ingredients: list[Ingredient] | None, raw_lines: list[dict] | None) -> None:
    errors: dict[str, str] = {}
    if product_id is not None and session.get(Product, product_id) is None:
        errors["product_id"] = f"no product with id {product_id}"
    if ingredients is not None:
        wanted = {line.material_id for line in ingredients}
        found = set(session.scalars(select(Material.id).where(Material.id.in_(wanted))))
        for index, line in enumerate(raw_lines or []):
            if line["material_id"] not in found:
                errors[f"ingredients.{index}.material_id"] = (
                    f"no material with id {line['material_id']}"
                )
    if errors:
        raise ValidationFailed("the recipe names something that does not exist", errors)


def _write_ingredients(session: Session, recipe_id: int, ingredients: list[Ingredient]) -> None:
    session.execute(delete(RecipeIngredient).where(RecipeIngredient.recipe_id == recipe_id))
    if ingredients:
        session.execute(
            insert(RecipeIngredient),
            [{"recipe_id": recipe_id, "material_id": i.material_id, "quantity": i.quantity}
             for i in ingredients],
        )


def _recipe_snapshot(session: Session, recipe: Recipe) -> dict:
    values = audit.snapshot(recipe, AUDITED["recipes"])
    lines = session.execute(select(RecipeIngredient.material_id, RecipeIngredient.quantity)
                            .where(RecipeIngredient.recipe_id == recipe.id)
                            .order_by(RecipeIngredient.material_id)).all()
    values["ingredients"] = [{"material_id": m, "quantity": str(q)} for m, q in lines]
    return values


def save_recipe(factory: SessionFactory, recipe_id: int | None, fields: dict,
                actor_id: int | None = None) -> int:
    """Create (recipe_id None) or update a recipe; ingredient lines are replaced whole."""
    raw_lines = fields.pop("ingredients", None)
    ingredients = (
        merge_ingredients(Ingredient(line["material_id"], line["quantity"]) for line in raw_lines)
        if raw_lines is not None else None
    )
    try:
        with transaction(factory) as session:
            _check_references(session, fields.get("product_id"), ingredients, raw_lines)
            if "name" in fields and _name_taken(session, Recipe, fields["name"], recipe_id):
                raise Conflict(f"a recipe named {fields['name']!r} already exists",
                               {"name": "already exists"})
            before = None
            recipe: Recipe | None
            if recipe_id is None:
                recipe = Recipe(**fields)
                session.add(recipe)
                session.flush()
            else:
                recipe = session.get(Recipe, recipe_id, with_for_update=True)
                if recipe is None:
                    raise NotFound(f"no recipe with id {recipe_id}")
                before = _recipe_snapshot(session, recipe)
                for key, value in fields.items():
                    setattr(recipe, key, value)
            if ingredients is not None:
                _write_ingredients(session, recipe.id, ingredients)
            session.flush()
            audit.record(session, actor_id, "update" if before else "create", "recipe",
                         recipe.id, before, _recipe_snapshot(session, recipe))
            return int(recipe.id)
    except IntegrityError as exc:
        raise Conflict("a recipe with that name already exists", {"name": "already exists"}) from exc
