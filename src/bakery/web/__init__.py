"""The staff web interface: server-rendered pages on the same services and queries as the API.

`init_web(app)` registers the blueprint, CSRF protection for every form (the bearer-token API is
exempt), the per-request user and template helpers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, request, send_from_directory
from flask_wtf.csrf import CSRFProtect

from ..clock import bakery_zone
from ..contract.types import MAX_ID
from ..db.models import as_utc
from ..domain.composition import ALLERGENS
from ..domain.numbers import (
    QUANTITY_PLACES,
    QUANTITY_STEP,
    SHOWN_UNIT_COST_PLACES,
    UNIT_COST_PLACES,
    shown,
)
from .access import current_user, load_user, may, public

STATIC = Path(__file__).parent / "static"

web = Blueprint("web", __name__, template_folder="templates")
csrf = CSRFProtect()


@web.get("/assets/<path:filename>")
@public
def asset(filename: str) -> Response:
    """Stylesheets and scripts shipped in the package (no CDN)."""
    return send_from_directory(STATIC, filename, max_age=3600)


def fmt_money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def fmt_qty(value: Any) -> str:
    """A quantity without needless trailing zeros: 2.500 -> 2.5, 3.000 -> 3."""
    if value is None or value == "":
        return ""
    number = Decimal(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
    text = f"{number:,.{QUANTITY_PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_unit_cost(value: Any) -> str:
    """A cost per unit in cents, with more places only when it has them: 2.50, 0.0008."""
    if value is None or value == "":
        return ""
    text = shown(value, SHOWN_UNIT_COST_PLACES, UNIT_COST_PLACES)
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}.{fraction}" if not whole.startswith("-") else text


def fmt_when(value: datetime | None) -> str:
    """A stored moment as the bakery's wall clock showed it (BAKERY_TIMEZONE)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(bakery_zone()).strftime("%Y-%m-%d %H:%M")


def _ids_fit_the_database() -> None:
    """A page for an id beyond a 64-bit integer is a 404 (no such row can exist), as in the API,
    before any query sends the number to a database that cannot hold it."""
    if any(isinstance(value, int) and value > MAX_ID
           for value in (request.view_args or {}).values()):
        abort(404)


def init_web(app: Flask) -> None:
    """Register the web pages on `app`."""
    from ..api import api
    from . import (  # noqa: F401 - registers views
        auth,
        catalog,
        counter,
        dashboard,
        food_safety,
        planning,
        pos,
        production,
        recipes_print,
        stock,
    )

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a till page may stay open all day
    # The cookie lasts as long as the server-side session (services/web_sessions.py) may.
    hours = app.extensions["bakery.settings"].session_hours
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    csrf.init_app(app)
    csrf.exempt(api)
    app.register_blueprint(web)
    app.before_request(_ids_fit_the_database)
    app.before_request(load_user)
    app.jinja_env.filters.update(money=fmt_money, qty=fmt_qty, when=fmt_when,
                                 unit_cost=fmt_unit_cost)
    app.context_processor(lambda: {"current_user": current_user(), "may": may,
                                   "allergen_codes": ALLERGENS,
                                   "request_path": request.path, "zone": str(bakery_zone())})
