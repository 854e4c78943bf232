"""Materials (with batches), products and prices, recipes with their ingredient rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import BaseModel

from ..contract.schemas import BatchIn, MaterialIn, ProductIn, RecipeIn
from ..domain import units
from ..domain.errors import DomainError, NotFound
from ..domain.numbers import quantity_text
from ..queries import inventory, lookups
from ..queries import recipes as recipe_queries
from ..queries.pages import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor, page_request
from ..queries.users import user_emails
from ..runtime import sessions
from ..services import catalog, stock
from . import web
from .access import ALL_ROLES, BAKEHOUSE, MANAGERS, requires, signed_in
from .forms import FormState, as_id, blank_to_none, form_idempotency, new_key, refused, validate

T = TypeVar("T")
ListQuery = Callable[[Any, PageRequest], tuple[list[dict], str | None]]
LIST_PAGE = 100  # rows per page of the materials, products and recipes lists
BLANK_INGREDIENT_ROWS = 3


def read(query: Callable[..., T], *args: Any) -> T:
    """Run one read query in a fresh session; an unknown id is a 404 page."""
    try:
        with sessions()() as db:
            return query(db, *args)
    except NotFound:
        abort(404)


def every(db: Any, query: ListQuery) -> list[dict]:
    """All rows of a paged list query, page after page: a form's choices are never cut short."""
    rows: list[dict] = []
    page = PageRequest(MAX_LIMIT)
    while True:
        found, cursor = query(db, page)
        rows += found
        if cursor is None:
            return rows
        page = PageRequest(MAX_LIMIT, decode_cursor(cursor))


def _all(query: ListQuery) -> list[dict]:
    return read(lambda db: every(db, query))


def _cursor_page(limit: int = DEFAULT_LIMIT) -> PageRequest:
    """The page ?cursor= asks for; a cursor this site did not give out is a 404."""
    try:
        return replace(page_request(None, request.args.get("cursor")), limit=limit)
    except DomainError:
        abort(404)


def _list_page(query: ListQuery) -> dict[str, Any]:
    """One page of a list (LIST_PAGE rows), the cursor to the next, and whether the list spans
    more than this one page."""
    page = _cursor_page(LIST_PAGE)
    items, cursor = read(lambda db: query(db, page))
    return {"items": items, "cursor": cursor, "paged": bool(cursor or page.after_id)}


# --- materials -------------------------------------------------------------------------------

@web.get("/materials")
@requires(*BAKEHOUSE)
def materials() -> Any:
    listed = _list_page(inventory.list_materials)
    total = sum((m["stock_value"] for m in listed["items"]), 0)
    return render_template("materials.html", materials=listed["items"], total_value=total,
                           cursor=listed["cursor"], paged=listed["paged"])


@dataclass(frozen=True)
class NamedItem:
    """How the pages create and edit one kind of named item (a material or a product)."""

    kind: str
    schema: type[BaseModel]
    fields: tuple[str, ...]
    defaults: dict[str, str]
    load: Callable[..., dict]
    create: Callable[..., int]
    update: Callable[..., int]
    saved: Callable[[Any], str]
    lists: tuple[str, ...] = ("allergens", "may_contain")  # checkboxes of allergen codes
    flags: tuple[str, ...] = ()  # single checkboxes
    context: Callable[[], dict] = dict  # what else the form shows (choices)


MATERIAL = NamedItem("material", MaterialIn,
                     ("name", "unit", "min_quantity", "grams_per_unit", "issue_order"),
                     {"min_quantity": "0", "issue_order": "fifo"}, inventory.get_material,
                     catalog.create_material, catalog.update_material,
                     lambda body: f"Saved {body.name}.")
PRODUCT = NamedItem("product", ProductIn,
                    ("name", "price", "min_quantity", "tax_rate", "eat_in_tax_rate",
                     "shelf_life_hours", "day_old_product_id"),
                    {"tax_rate": "0.00"},
                    inventory.get_product, catalog.create_product, catalog.update_product,
                    lambda body: f"Saved {body.name} at {body.price:.2f}.", flags=("sellable",),
                    context=lambda: {"day_old_choices": read(_day_old_choices)})


def _day_old_choices(db: Any) -> list[tuple[int, str]]:
    """Products stock may be marked down to: those not marked down themselves."""
    return [(p["id"], p["name"]) for p in every(db, inventory.list_products)
            if p["day_old_product_id"] is None]


def _named_form(item: NamedItem, item_id: int | None) -> Any:
    """The create (item_id None) and edit page of a material or product."""
    current = read(item.load, item_id) if item_id else None
    form = FormState(values=dict(current) if current else dict(item.defaults))
    form.values.update(current.get("declared", {}) if current else {})
    if current and current.get("grams_per_unit") is not None:
        form.values["grams_per_unit"] = quantity_text(current["grams_per_unit"])
    template = f"{item.kind}_form.html"
    if request.method == "GET":
        return render_template(template, form=form, **{item.kind: current}, **item.context())
    form.values = {k: request.form.get(k, "") for k in item.fields}
    chosen: dict[str, Any] = {k: request.form.getlist(k) for k in item.lists}
    chosen.update({k: request.form.get(k) == "on" for k in item.flags})
    form.values.update(chosen)
    data = blank_to_none(request.form, item.fields)
    data = {k: int(v) if k.endswith("_id") and isinstance(v, str) and v.isdigit() and len(v) < 19
            else v for k, v in data.items()}  # a chosen item's id, as the API takes it
    body = validate(item.schema, {**item.defaults, **data, **chosen}, form)
    if body is not None:
        # only what the form shows is changed (pack sizes are kept, for one)
        shown = set(item.fields) | set(item.lists) | set(item.flags)
        try:
            if item_id is None:
                item_id = item.create(sessions(), **body.model_dump(), actor_id=signed_in()["id"])
            else:
                item.update(sessions(), item_id, **body.model_dump(include=shown),
                            actor_id=signed_in()["id"])
        except DomainError as exc:
            refused(exc, form)
        else:
            flash(item.saved(body), "success")
            target: dict[str, Any] = {f"{item.kind}_id": item_id}
            return redirect(url_for(f"web.{item.kind}s_show", **target))
    return render_template(template, form=form, **{item.kind: current}, **item.context()), 400


@web.route("/materials/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def materials_new() -> Any:
    return _named_form(MATERIAL, None)


@web.route("/materials/<int:material_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def materials_edit(material_id: int) -> Any:
    return _named_form(MATERIAL, material_id)


@web.get("/materials/<int:material_id>")
@requires(*BAKEHOUSE)
def materials_show(material_id: int) -> Any:
    material = read(inventory.get_material, material_id)
    return render_template("material.html", material=material)


BATCH_FIELDS = ("quantity", "cost_per_unit", "unit", "purchase_date", "expiry_date", "lot",
                "supplier")


def _receiving_units(material: dict) -> list[tuple[str, str]]:
    """What a delivery may be counted in: the material's unit, its packs, units that convert."""
    own = material["unit"]
    packs = [(p["unit"], f"{p['unit']} of {quantity_text(p['quantity'])} {own}")
             for p in material.get("pack_sizes", [])]
    kind = units.dimension(own)
    same = [(u, u) for u in units.UNITS if kind and units.dimension(u) == kind
            and u != own.strip().lower()]
    return [("", own), *packs, *same]


@web.route("/materials/<int:material_id>/receive", methods=["GET", "POST"])
@requires(*BAKEHOUSE)
def materials_receive(material_id: int) -> Any:
    """Book a delivery; a hidden key makes a second submit of the same form a no-op."""
    material = read(inventory.get_material, material_id)
    form = FormState(values={"key": new_key()})
    if request.method == "POST":
        form.values = {k: request.form.get(k, "") for k in (*BATCH_FIELDS, "key")}
        body = validate(BatchIn, blank_to_none(request.form, BATCH_FIELDS), form)
        if body is not None:
            fields = body.model_dump()
            idem = form_idempotency("receive_batch", form.value("key"),
                                {"material_id": material_id, **body.model_dump(mode="json")})
            try:
                outcome = stock.receive_batch(sessions(), material_id, **fields,
                                              user_id=signed_in()["id"], idem=idem)
            except DomainError as exc:
                refused(exc, form)
            else:
                if not outcome.replayed:
                    flash(f"Received {fields['quantity']} {fields['unit'] or material['unit']} "
                          f"of {material['name']}.", "success")
                return redirect(url_for("web.materials_show", material_id=material_id))
        return render_template("receive.html", form=form, material=material,
                               unit_options=_receiving_units(material)), 400
    return render_template("receive.html", form=form, material=material,
                           unit_options=_receiving_units(material))


@web.get("/materials/<int:material_id>/ledger")
@requires(*BAKEHOUSE)
def materials_ledger(material_id: int) -> Any:
    material = read(inventory.get_material, material_id)
    moves, cursor = read(lambda db: inventory.list_moves(db, _cursor_page(), material_id=material_id))
    return render_template("ledger.html", item=material, kind="material", moves=moves,
                           cursor=cursor, users=read(user_emails))


# --- products --------------------------------------------------------------------------------

@web.get("/products")
@requires(*ALL_ROLES)
def products() -> Any:
    listed = _list_page(inventory.list_products)
    return render_template("products.html", products=listed["items"], cursor=listed["cursor"])


@web.get("/products/<int:product_id>")
@requires(*ALL_ROLES)
def products_show(product_id: int) -> Any:
    return render_template("product.html", product=read(inventory.get_product, product_id))


@web.route("/products/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def products_new() -> Any:
    return _named_form(PRODUCT, None)


@web.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def products_edit(product_id: int) -> Any:
    return _named_form(PRODUCT, product_id)


@web.get("/products/<int:product_id>/ledger")
@requires(*BAKEHOUSE)
def products_ledger(product_id: int) -> Any:
    product = read(inventory.get_product, product_id)
    moves, cursor = read(lambda db: inventory.list_moves(db, _cursor_page(), product_id=product_id))
    return render_template("ledger.html", item=product, kind="product", moves=moves,
                           cursor=cursor, users=read(user_emails))


# --- recipes ---------------------------------------------------------------------------------

@web.get("/recipes")
@requires(*BAKEHOUSE)
def recipes() -> Any:
    listed = _list_page(recipe_queries.list_recipes)
    return render_template("recipes.html", recipes=listed["items"], cursor=listed["cursor"],
                           products=read(lookups.names, "product"))


@web.get("/recipes/<int:recipe_id>")
@requires(*BAKEHOUSE)
def recipes_show(recipe_id: int) -> Any:
    recipe = read(recipe_queries.get_recipe, recipe_id)
    materials_by_id = {m["id"]: m for m in _all(inventory.list_materials)}
    return render_template("recipe.html", recipe=recipe, materials=materials_by_id,
                           products=read(lookups.names, "product"))


def _ingredient_rows(form_data: Any) -> list[tuple[int, str, str, str]]:
    """(row index, item, quantity, unit) of each submitted ingredient row, in row order.

    The item is a material id, or "product:<id>" for a product made by its own recipe."""
    indexes = sorted({int(key.split("-")[1]) for key in form_data
                      if key.startswith("ingredients-") and key.split("-")[1].isdigit()
                      and int(key.split("-")[1]) < 200})
    return [(i, form_data.get(f"ingredients-{i}-material_id", "").strip(),
             form_data.get(f"ingredients-{i}-quantity", "").strip(),
             form_data.get(f"ingredients-{i}-unit", "").strip()) for i in indexes]


# Recipe lines are shown in grams (or millilitres) when the material is kept by mass (volume).
_SHOWN_IN = {"mass": "g", "volume": "ml"}


def _shown_line(line: dict, material_units: dict[int, str]) -> tuple[str, str, str]:
    """A stored line as the form shows it: (item, quantity, unit), kg as grams and so on."""
    if "product_id" in line:
        return f"product:{line['product_id']}", quantity_text(line["quantity"]), ""
    unit = material_units.get(line["material_id"], "")
    kind = units.dimension(unit)
    if kind in _SHOWN_IN and unit.strip().lower() != _SHOWN_IN[kind]:
        shown = units.convert(line["quantity"], unit, _SHOWN_IN[kind])
        return str(line["material_id"]), f"{shown.normalize():f}", _SHOWN_IN[kind]
    return str(line["material_id"]), quantity_text(line["quantity"]), ""


def _line_body(item: str, qty: str, unit: str) -> dict:
    line: dict[str, Any] = {"quantity": qty or None}
    if item.startswith("product:"):
        line["product_id"] = as_id(item.split(":", 1)[1])
    else:
        line["material_id"] = as_id(item) if item else None
    if unit:
        line["unit"] = unit
    return line


def _recipe_form(recipe_id: int | None) -> Any:
    current = read(recipe_queries.get_recipe, recipe_id) if recipe_id else None
    form = FormState()
    rows: list[tuple[int, str, str, str]] = []
    if current:
        form.values = {"name": current["name"], "product_id": current["product_id"],
                       "yield_quantity": quantity_text(current["yield_quantity"])}
        material_units = {m["id"]: m["unit"] for m in _all(inventory.list_materials)}
        rows = [(i, *_shown_line(line, material_units))
                for i, line in enumerate(current["ingredients"])]
    if request.method == "POST":
        form.values = {k: request.form.get(k, "") for k in ("name", "product_id", "yield_quantity")}
        rows = _ingredient_rows(request.form)
        filled = [(i, m, q, u) for i, m, q, u in rows if m or q]
        data = blank_to_none(request.form, ("name", "yield_quantity"))
        if request.form.get("product_id", "").strip():
            data["product_id"] = as_id(request.form["product_id"])
        data["ingredients"] = [_line_body(m, q, u) for _, m, q, u in filled]
        # errors name a line by its place among the filled rows; show them on the form's row
        rename = {}
        for position, (index, _, _, _) in enumerate(filled):
            for part in ("material_id", "quantity", "unit"):
                rename[f"ingredients.{position}.{part}"] = f"ingredients-{index}-{part}"
            rename[f"ingredients.{position}.product_id"] = f"ingredients-{index}-material_id"
            rename[f"ingredients.{position}"] = f"ingredients-{index}-quantity"
        rename["ingredients"] = "ingredients"
        body = validate(RecipeIn, data, form, rename)
        for index, material, qty, _ in filled:
            if not material:
                form.errors[f"ingredients-{index}-material_id"] = "choose a material"
            if not qty:
                form.errors[f"ingredients-{index}-quantity"] = "required"
        if body is not None:
            try:
                saved = catalog.save_recipe(sessions(), recipe_id, body.model_dump(),
                                            actor_id=signed_in()["id"])
                flash(f"Saved the recipe {body.name}.", "success")
                return redirect(url_for("web.recipes_show", recipe_id=saved))
            except DomainError as exc:
                refused(exc, form, rename)
        return _render_recipe_form(form, current, rows), 400
    return _render_recipe_form(form, current, rows)


def _render_recipe_form(form: FormState, current: dict | None,
                        rows: list[tuple[int, str, str, str]]) -> str:
    next_index = max((i for i, _, _, _ in rows), default=-1) + 1
    rows = rows + [(next_index + n, "", "", "") for n in range(BLANK_INGREDIENT_ROWS)]
    for index, material, qty, unit in rows:
        form.values.setdefault(f"ingredients-{index}-material_id", material)
        form.values.setdefault(f"ingredients-{index}-quantity", qty)
        form.values.setdefault(f"ingredients-{index}-unit", unit)
    materials = _all(inventory.list_materials)
    products = _all(inventory.list_products)
    made = read(lambda db: recipe_queries.made_products(db))
    intermediates = [p for p in products if p["id"] in made
                     and (current is None or p["id"] != current["product_id"])]
    material_costs, product_costs = read(lambda db: recipe_queries.unit_prices(
        db, {m["id"] for m in materials}, {p["id"] for p in intermediates}))
    return render_template(
        "recipe_form.html", form=form, recipe=current, rows=[i for i, _, _, _ in rows],
        material_options=[(m["id"], f"{m['name']} ({m['unit']})") for m in materials],
        item_options=[(str(m["id"]), f"{m['name']} ({m['unit']})", m["unit"],
                       material_costs.get(m["id"], 0)) for m in materials],
        intermediate_options=[(f"product:{p['id']}", p["name"], "", product_costs.get(p["id"], 0))
                              for p in intermediates],
        unit_options=list(units.UNITS),
        product_options=[(p["id"], p["name"]) for p in products])


@web.route("/recipes/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def recipes_new() -> Any:
    return _recipe_form(None)


@web.route("/recipes/<int:recipe_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def recipes_edit(recipe_id: int) -> Any:
    return _recipe_form(recipe_id)
