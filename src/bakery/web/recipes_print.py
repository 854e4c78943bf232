"""Printable pages for the counter: a label per product and the allergen matrix; and a
recipe's baker's percentages."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ..clock import now
from ..domain.composition import ALLERGEN_NAMES
from ..queries import composition, inventory
from ..queries import recipes as recipe_queries
from . import web
from .access import ALL_ROLES, BAKEHOUSE, requires
from .catalog import read


@web.get("/products/<int:product_id>/label")
@requires(*ALL_ROLES)
def products_label(product_id: int) -> Any:
    """A label to print: name, ingredients by weight with allergens in bold, traces, the
    best-before of the stock sold next (its oldest sellable lot), price."""
    product = read(inventory.get_product, product_id)
    emphasis = read(composition.material_allergens,
                    [i["material_id"] for i in product["ingredients"]])
    moment = now()
    sellable = [lot["best_before"] for lot in product["lots"]
                if not lot["on_hold"] and lot["best_before"] and lot["best_before"] > moment]
    return render_template("label.html", product=product, emphasis=emphasis,
                           names=ALLERGEN_NAMES, best_before=min(sellable, default=None))


@web.get("/allergens")
@requires(*ALL_ROLES)
def allergens() -> Any:
    """Every product by the 14 allergens, for the counter (printable)."""
    return render_template("allergens.html", matrix=read(composition.allergen_matrix),
                           names=ALLERGEN_NAMES)


@web.get("/recipes/<int:recipe_id>/bakers")
@requires(*BAKEHOUSE)
def recipes_bakers(recipe_id: int) -> Any:
    """A recipe in grams and as baker's percentages (the flour is 100%)."""
    recipe = read(recipe_queries.get_recipe, recipe_id)
    return render_template("bakers.html", recipe=recipe,
                           lines=read(composition.bakers_view, recipe_id))
