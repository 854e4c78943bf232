"""The staff web interface: server-rendered pages on the same services and queries as the API.

`init_web(app)` registers the blueprint, CSRF protection for every form (the bearer-token API is
exempt), the per-request user, template helpers and HTML error pages for browsers.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..clock import bakery_zone
from ..db.models import as_utc
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
    number = Decimal(value).quantize(Decimal("0.001"))
    text = f"{number:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_when(value: datetime | None) -> str:
    """A stored moment as the bakery's wall clock showed it (BAKERY_TIMEZONE)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(bakery_zone()).strftime("%Y-%m-%d %H:%M")


def _browser_aware(previous: Any) -> Any:
    """Wrap an app error handler: JSON stays for /api and JSON clients, browsers get a page."""

    def handle(exc: Exception) -> Any:
        from .. import _wants_json

        response = previous(exc)
        if _wants_json():
            return response
        if isinstance(response, HTTPException):
            status, message = response.code or 500, response.description or response.name
        else:
            status = response.status_code
            try:
                message = json.loads(response.get_data())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = "Something went wrong."
        if isinstance(exc, CSRFError):
            message = ("This form was open too long or came from elsewhere. Nothing was saved: "
                       "go back, reload the page and try again.")
        return render_template("error.html", status=status, message=message), status

    return handle


def _html_error_pages(app: Flask) -> None:
    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    for exc_class, previous in list(handlers.items()):
        app.register_error_handler(exc_class, _browser_aware(previous))
    if HTTPException not in handlers:  # no JSON handler yet: browsers still get pages
        app.register_error_handler(HTTPException, _browser_aware(lambda exc: exc))


def init_web(app: Flask) -> None:
    """Register the web pages on `app` (after its error handlers, which this wraps)."""
    from ..api import api
    from . import auth, catalog, dashboard, pos, production, stock  # noqa: F401 - registers views

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a till page may stay open all day
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    csrf.init_app(app)
    csrf.exempt(api)
    app.register_blueprint(web)
    app.before_request(load_user)
    app.jinja_env.filters.update(money=fmt_money, qty=fmt_qty, when=fmt_when)
    app.context_processor(lambda: {"current_user": current_user(), "may": may,
                                   "request_path": request.path, "zone": str(bakery_zone())})
    _html_error_pages(app)
