"""Planning production: what stock allows now, the bake plan for a day, and what to buy."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import Material, MaterialBatch, MaterialSupplier, Product, Recipe
from ..db.stock_layers import (
    drawable_batches,
    drawable_lots,
    latest_batch_costs,
    recipe_lines,
    recipe_product_lines,
    sellable_on,
)
from ..domain.composition import Line, batches_making_intermediates, materials_to_make
from ..domain.composition import Recipe as RecipeNode
from ..domain.costing import latest_cost, price_need, purchase_cost
from ..domain.errors import ValidationFailed
from ..domain.fifo import available
from ..domain.numbers import ZERO, money
from ..domain.planning import Component, PlanRecipe, plan_bake, stock_left_on
from ..domain.recipes import scale
from .composition import recipe_graph
from .forecast import LOOKAHEAD_DAYS, plan_figures
from .orders import ordered_on
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
    return _shopping(session, material_needs(session, plan))


def material_needs(session: Session, plan: list[tuple[int, int]]) -> dict[int, Decimal]:
    """What a plan of (recipe id, batches) draws of each material, with what the doughs and
    fillings it lacks are made of."""
    recipe_ids = [recipe_id for recipe_id, _ in plan]
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
    return needed


def _shopping(session: Session, needed: dict[int, Decimal], day: date | None = None) -> dict:
    """The shopping list for these needs: per material and per supplier, with order-by dates."""
    layers = drawable_batches(session, needed)
    latest = latest_batch_costs(session, needed)
    names = {r.id: r for r in session.execute(
        select(Material.id, Material.name, Material.unit).where(Material.id.in_(needed)))}
    sources = suppliers(session, needed)
    items = []
    for material_id in sorted(needed, key=lambda m: names[m].name):
        on_hand = available(layers.get(material_id, []))
        to_buy = max(needed[material_id] - on_hand, ZERO)
        price = latest.get(material_id)
        supplier, lead_time = sources.get(material_id, (None, None))
        items.append({
            "material_id": material_id, "name": names[material_id].name,
            "unit": names[material_id].unit, "needed": needed[material_id], "on_hand": on_hand,
            "to_buy": to_buy, "latest_cost_per_unit": price,
            "estimated_cost": purchase_cost(to_buy, price),
            "supplier": supplier, "lead_time_days": lead_time,
            "order_by": (day - timedelta(days=lead_time)
                         if day is not None and lead_time is not None and to_buy > 0 else None),
        })
    total = sum((i["estimated_cost"] for i in items if i["estimated_cost"] is not None), ZERO)
    by_supplier: dict[str, list[dict]] = {}
    for item in items:
        if item["to_buy"] > 0:
            by_supplier.setdefault(item["supplier"] or "", []).append(item)
    return {"items": items, "estimated_total": total,
            "unpriced": [i["material_id"] for i in items
                         if i["estimated_cost"] is None and i["to_buy"] > 0],
            "suppliers": [{"supplier": name or None, "items": rows,
                           "estimated_total": sum((r["estimated_cost"] or ZERO for r in rows),
                                                  ZERO)}
                          for name, rows in sorted(by_supplier.items(),
                                                   key=lambda kv: (kv[0] == "", kv[0]))]}


def suppliers(session: Session, material_ids: Collection[int]) -> dict[int, tuple[str, int | None]]:
    """Who each material is bought from: its recorded supplier and lead time, else the supplier
    of its newest batch (lead time unknown)."""
    found: dict[int, tuple[str, int | None]] = {
        r.material_id: (r.supplier, r.lead_time_days) for r in session.execute(
            select(MaterialSupplier).where(MaterialSupplier.material_id.in_(material_ids)))
        .scalars()}
    newest = (select(MaterialBatch.material_id, MaterialBatch.supplier,
                     func.row_number().over(partition_by=MaterialBatch.material_id,
                                            order_by=(MaterialBatch.purchase_date.desc(),
                                                      MaterialBatch.id.desc())).label("rank"))
              .where(MaterialBatch.material_id.in_(list(material_ids)),
                     MaterialBatch.supplier.is_not(None)).subquery())
    for r in session.execute(select(newest.c.material_id, newest.c.supplier)
                             .where(newest.c.rank == 1)):
        found.setdefault(r.material_id, (r.supplier, None))
    return found


# --- the bake plan ---------------------------------------------------------------------------

def recipe_components(session: Session, recipe_ids: Collection[int]) -> dict[int, list[Component]]:
    """Recipe lines that are products (intermediates: a dough, a filling), per batch:
    `domain.planning.plan_bake` plans the intermediates from what the finished products need."""
    return {recipe_id: [Component(line.material_id, line.quantity) for line in lines]
            for recipe_id, lines in recipe_product_lines(session, recipe_ids).items()}


def _plan_recipes(session: Session) -> dict[int, PlanRecipe]:
    """The recipe that makes each product (the first written, when there are several)."""
    chosen: dict[int, tuple[int, Decimal]] = {}
    for r in session.execute(select(Recipe.id, Recipe.product_id, Recipe.yield_quantity)
                             .order_by(Recipe.id)):
        chosen.setdefault(r.product_id, (r.id, r.yield_quantity))
    recipe_ids = [rid for rid, _ in chosen.values()]
    lines = recipe_lines(session, recipe_ids)
    components = recipe_components(session, recipe_ids)
    return {pid: PlanRecipe(rid, pid, yield_qty, lines.get(rid, []), components.get(rid, []))
            for pid, (rid, yield_qty) in chosen.items()}


def _orders_before(session: Session, today: date, day: date) -> dict[int, Decimal]:
    """What orders due from today until `day` (exclusive) will take out of stock."""
    taken: dict[int, Decimal] = {}
    for n in range(max(min((day - today).days, LOOKAHEAD_DAYS), 0)):
        for pid, qty in ordered_on(session, today + timedelta(days=n)).items():
            taken[pid] = taken.get(pid, ZERO) + qty
    return taken


def bake_plan(session: Session, day: date, tz: tzinfo, today: date | None = None) -> dict:
    """`GET /plans/bake`: batches per recipe for `day`, the materials they need, and the cost.

    `today` (the bakery's date now) says which days lie between now and `day`: their expected
    sales and orders come out of the stock counted for `day`.
    """
    recipes = _plan_recipes(session)
    product_ids = list(recipes)
    names = {r.id: r.name for r in session.execute(
        select(Product.id, Product.name).where(Product.id.in_(product_ids)))}
    on_hand = sellable_on(session, product_ids, day)
    figures = plan_figures(session, day, tz, product_ids, today)
    expected = dict(figures.sold_before)
    for pid, qty in _orders_before(session, today or day, day).items():
        expected[pid] = expected.get(pid, ZERO) + qty
    lines = plan_bake(recipes, figures.forecast, ordered_on(session, day),
                      stock_left_on(on_hand, expected))
    plan = [(line.recipe_id, line.batches) for line in lines if line.batches]
    needed = material_needs(session, plan)
    layers = drawable_batches(session, needed)
    latest = latest_batch_costs(session, needed)
    materials, cost = [], ZERO
    for material_id, required in sorted(needed.items()):
        price = price_need(layers.get(material_id, []), required)
        cost += price.covered_cost + price.short * latest_cost(latest, material_id)
        materials.append({"material_id": material_id, "required": required,
                          "on_hand": available(layers.get(material_id, [])),
                          "shortfall": price.short})
    shopping = _shopping(session, needed, day)
    by_id = {i["material_id"]: i for i in shopping["items"]}
    for row in materials:
        row.update(name=by_id[row["material_id"]]["name"], unit=by_id[row["material_id"]]["unit"])
    return {"date": day, "items": [
        {"recipe_id": ln.recipe_id, "product_id": ln.product_id, "name": names[ln.product_id],
         "forecast": ln.forecast, "ordered": ln.ordered, "for_recipes": ln.for_recipes,
         "on_hand": on_hand.get(ln.product_id, ZERO),
         "sold_before": expected.get(ln.product_id, ZERO),
         "in_stock": ln.in_stock, "to_make": ln.to_make, "batches": ln.batches,
         "units": ln.batches * recipes[ln.product_id].yield_quantity} for ln in lines],
        "materials": sorted(materials, key=lambda m: m["name"]), "cost": money(cost),
        "shopping": shopping}
