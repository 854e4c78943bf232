"""The dashboard: today's takings, low stock, what can be baked now, recent production."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ..clock import now, today
from ..queries import dashboard as figures
from ..queries import history, inventory, lookups
from ..queries.food_safety import expiring
from ..queries.pages import PageRequest
from ..queries.recipes import list_recipes
from . import web
from .access import ALL_ROLES, BAKEHOUSE, TILL, requires, signed_in
from .catalog import every, read

RECENT = 8
EXPIRING_DAYS = 2  # the dashboard warns of stock expiring within two days, and of expired stock


@web.get("/")
@requires(*ALL_ROLES)
def dashboard() -> Any:
    role = signed_in()["role"]
    sees_sales, sees_stock = role in TILL, role in BAKEHOUSE

    def load(db: Any) -> dict:
        data: dict[str, Any] = {"sees_sales": sees_sales, "sees_stock": sees_stock}
        if sees_sales:
            data["today"] = figures.sales_today(db)
        if sees_stock:
            data["low_stock"] = inventory.low_stock(db)
            data["expiring"] = expiring(db, EXPIRING_DAYS, now(), today())
            data["recipes"] = sorted(every(db, list_recipes),
                                     key=lambda r: (-r["max_batches"], r["name"]))
            data["runs"] = history.list_runs(db, PageRequest(RECENT))[0]
            data["recipe_names"] = lookups.names(db, "recipe")
            data["product_names"] = lookups.names(db, "product")
        return data

    return render_template("dashboard.html", **read(load))
