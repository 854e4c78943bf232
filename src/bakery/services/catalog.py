"""Materials, products and recipes: creating and editing what the bakery stocks and bakes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.engine import transaction
from ..db.models import Material, Product, Recipe, RecipeIngredient, RecipeProduct
from ..domain import units
from ..domain.composition import Graph, Tags, derive_tags, would_cycle
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.numbers import MAX_QUANTITY, quantity_text
from ..domain.recipes import Ingredient, merge_ingredients
from . import audit
from .unit_of_work import SessionFactory

AUDITED = {"materials": ("name", "unit", "min_quantity", "allergens", "may_contain", "issue_order"),
           "products": ("name", "price", "min_quantity", "sellable", "allergens", "may_contain",
                        "shelf_life_hours", "day_old_product_id"),
           "recipes": ("name", "product_id", "yield_quantity")}


def _name_taken(session: Session, model: Any, name: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.execute(query).first() is not None


def _save_named(factory: SessionFactory, model: Any, item_id: int | None, fields: dict,
                actor_id: int | None = None,
                after: Callable[[Session, Any, dict], None] | None = None) -> int:
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
            if after is not None:
                session.flush()
                after(session, row, before)
            return item_id
    except IntegrityError as exc:  # a concurrent insert of the same name won the race
        raise Conflict(f"a {kind} with that name already exists", {"name": "already exists"}) from exc


def _stored(fields: dict) -> dict:
    """Allergen lists as space-separated codes and pack sizes as JSON, as the columns hold them."""
    stored = dict(fields)
    for key in ("allergens", "may_contain"):
        if key in stored:
            stored[key] = " ".join(stored[key] or [])
    if "pack_sizes" in stored:
        packs = [{"unit": p["unit"], "quantity": quantity_text(p["quantity"])}
                 for p in stored["pack_sizes"] or []]
        stored["pack_sizes"] = json.dumps(packs) if packs else None
    return stored


def create_material(factory: SessionFactory, *, name: str, unit: str,
                    min_quantity: Decimal = Decimal(0), actor_id: int | None = None,
                    **extras: Any) -> int:
    """A new material; `extras` are allergens, may_contain, pack_sizes, grams_per_unit and
    issue_order."""
    return _save_named(factory, Material, None, _stored(
        {"name": name, "unit": unit, "min_quantity": min_quantity, **extras}), actor_id)


def update_material(factory: SessionFactory, material_id: int, *, actor_id: int | None = None,
                    **fields: Any) -> int:
    """Change a material; a change of allergens reaches every product made with it at once
    (they are derived when read) and the audit log records it."""

    def products_follow(session: Session, material: Material, before: dict) -> None:
        if (before["allergens"], before["may_contain"]) != (material.allergens,
                                                            material.may_contain):
            _audit_derived_allergens(session, material.id, before, actor_id)

    return _save_named(factory, Material, material_id, _stored(fields), actor_id,
                       after=products_follow)


def _audit_derived_allergens(session: Session, material_id: int, before: dict,
                             actor_id: int | None) -> None:
    """One audit row per product whose derived allergens the material's change altered."""
    from ..queries.composition import load_graph

    graph, _, _ = load_graph(session)
    old_tags = dict(graph.material_tags)
    old_tags[material_id] = Tags(frozenset(before["allergens"].split()),
                                 frozenset(before["may_contain"].split()))
    old_graph = Graph(graph.recipes, old_tags, graph.product_tags)
    products = list(graph.recipes)
    new, old = derive_tags(graph, products), derive_tags(old_graph, products)
    for product_id in sorted(products):
        if new[product_id].ordered() != old[product_id].ordered():
            (was, was_may), (now, now_may) = old[product_id].ordered(), new[product_id].ordered()
            audit.record(session, actor_id, "allergens", "product", product_id,
                         {"allergens": was, "may_contain": was_may, "material_id": material_id},
                         {"allergens": now, "may_contain": now_may, "material_id": material_id})


def create_product(factory: SessionFactory, *, name: str, price: Decimal,
                   min_quantity: Decimal | None = None, actor_id: int | None = None,
                   **extras: Any) -> int:
    """A new product; `extras` are sellable, the allergens declared on the product, its tax
    rates, its shelf life and the day-old product it is marked down to."""
    _check_day_old(factory, None, extras.get("day_old_product_id"))
    return _save_named(factory, Product, None, _stored(
        {"name": name, "price": price, "min_quantity": min_quantity, **extras}), actor_id)


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
    return _save_named(factory, Product, product_id, _stored(fields), actor_id)


def material_packs(material: Material) -> dict[str, Decimal]:
    """A material's pack sizes by name, in its own unit."""
    return {p["unit"]: Decimal(p["quantity"]) for p in json.loads(material.pack_sizes or "[]")}


def in_material_unit(material: Material, quantity: Decimal, unit: str | None,
                     field: str) -> Decimal:
    """`quantity` given in `unit` as the material's own unit; 422 naming `field` otherwise."""
    if unit is None:
        return quantity
    try:
        converted = units.convert(quantity, unit, material.unit, material_packs(material))
    except units.UnitError as exc:
        raise ValidationFailed(f"{field}: {exc}", {field: str(exc)}) from exc
    if converted <= 0 or converted > MAX_QUANTITY:
        raise ValidationFailed(f"{field}: {quantity} {unit} is out of range in {material.unit}",
                               {field: f"is {converted} {material.unit}, out of range"})
    return converted


def _check_references(session: Session, product_id: int | None,
                      raw_lines: list[dict] | None) -> tuple[list[Ingredient], dict[int, Decimal]]:
    """The material lines (in each material's unit, merged) and product lines of a recipe;
    422 naming every line that refers to nothing or whose unit does not convert."""
    errors: dict[str, str] = {}
    if product_id is not None and session.get(Product, product_id) is None:
        errors["product_id"] = f"no product with id {product_id}"
    lines = raw_lines or []
    material_ids = {line["material_id"] for line in lines if line.get("material_id") is not None}
    product_ids = {line["product_id"] for line in lines if line.get("product_id") is not None}
    materials = {m.id: m for m in session.scalars(
        select(Material).where(Material.id.in_(material_ids)))}
    found_products = set(session.scalars(select(Product.id).where(Product.id.in_(product_ids))))
    material_lines: list[Ingredient] = []
    product_lines: dict[int, Decimal] = {}
    for index, line in enumerate(lines):
        at = f"ingredients.{index}"
        if line.get("product_id") is not None:
            if line["product_id"] not in found_products:
                errors[f"{at}.product_id"] = f"no product with id {line['product_id']}"
            else:
                product_lines[line["product_id"]] = (
                    product_lines.get(line["product_id"], Decimal(0)) + line["quantity"])
            continue
        material = materials.get(line["material_id"])
        if material is None:
            errors[f"{at}.material_id"] = f"no material with id {line['material_id']}"
            continue
        try:
            quantity = in_material_unit(material, line["quantity"], line.get("unit"), f"{at}.unit")
        except ValidationFailed as exc:
            errors.update(exc.details)
            continue
        material_lines.append(Ingredient(material.id, quantity))
    if errors:
        raise ValidationFailed("the recipe names something that does not exist or does not "
                               "convert", errors)
    return merge_ingredients(material_lines), product_lines


def _refuse_cycles(session: Session, recipe_id: int | None, product_id: int,
                   product_lines: dict[int, Decimal]) -> None:
    """422 when the recipe would contain its own product, at any depth."""
    if not product_lines:
        return
    from ..queries.composition import recipe_graph

    recipes = recipe_graph(session, exclude_recipe=recipe_id)
    path = would_cycle(recipes, product_id, product_lines)
    if path is not None:
        names = dict(session.execute(select(Product.id, Product.name)
                                     .where(Product.id.in_(path))).all())
        shown = " -> ".join(names.get(p, f"#{p}") for p in path)
        raise ValidationFailed(f"the recipe would contain itself: {shown}",
                               {"ingredients": f"would contain itself: {shown}"})


def _write_ingredients(session: Session, recipe_id: int, ingredients: list[Ingredient],
                       product_lines: dict[int, Decimal]) -> None:
    session.execute(delete(RecipeIngredient).where(RecipeIngredient.recipe_id == recipe_id))
    session.execute(delete(RecipeProduct).where(RecipeProduct.recipe_id == recipe_id))
    if ingredients:
        session.execute(
            insert(RecipeIngredient),
            [{"recipe_id": recipe_id, "material_id": i.material_id, "quantity": i.quantity}
             for i in ingredients],
        )
    if product_lines:
        session.execute(insert(RecipeProduct), [
            {"recipe_id": recipe_id, "product_id": pid, "quantity": qty}
            for pid, qty in product_lines.items()])


def _recipe_snapshot(session: Session, recipe: Recipe) -> dict:
    values = audit.snapshot(recipe, AUDITED["recipes"])
    lines = session.execute(select(RecipeIngredient.material_id, RecipeIngredient.quantity)
                            .where(RecipeIngredient.recipe_id == recipe.id)
                            .order_by(RecipeIngredient.material_id)).all()
    values["ingredients"] = [{"material_id": m, "quantity": quantity_text(q)}
                            for m, q in lines]
    products = session.execute(select(RecipeProduct.product_id, RecipeProduct.quantity)
                               .where(RecipeProduct.recipe_id == recipe.id)
                               .order_by(RecipeProduct.product_id)).all()
    values["ingredients"] += [{"product_id": p, "quantity": quantity_text(q)} for p, q in products]
    return values


def save_recipe(factory: SessionFactory, recipe_id: int | None, fields: dict,
                actor_id: int | None = None) -> int:
    """Create (recipe_id None) or update a recipe; ingredient lines are replaced whole."""
    raw_lines = fields.pop("ingredients", None)
    try:
        with transaction(factory) as session:
            ingredients, product_lines = _check_references(session, fields.get("product_id"),
                                                           raw_lines)
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
            if raw_lines is not None:
                _refuse_cycles(session, recipe_id, recipe.product_id, product_lines)
                _write_ingredients(session, recipe.id, ingredients, product_lines)
            elif "product_id" in fields and recipe_id is not None:
                current = dict(session.execute(
                    select(RecipeProduct.product_id, RecipeProduct.quantity)
                    .where(RecipeProduct.recipe_id == recipe_id)).tuples().all())
                _refuse_cycles(session, recipe_id, recipe.product_id, current)
            session.flush()
            audit.record(session, actor_id, "update" if before else "create", "recipe",
                         recipe.id, before, _recipe_snapshot(session, recipe))
            return int(recipe.id)
    except IntegrityError as exc:
        raise Conflict("a recipe with that name already exists", {"name": "already exists"}) from exc
