"""Stock adjustments (waste, counts, damage) and the sales history with date filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from pydantic import BaseModel, ConfigDict

from ..clock import bakery_zone, today
from ..contract.schemas import AdjustmentIn
from ..contract.types import IsoDate
from ..db.models import ADJUSTMENT_REASONS
from ..domain.errors import DomainError, InsufficientStock
from ..queries import history, inventory, lookups, reports
from ..queries.pages import page_request
from ..queries.users import user_emails
from ..runtime import sessions
from ..services import stock
from . import web
from .access import BAKEHOUSE, TILL, requires, signed_in
from .catalog import every, read
from .forms import FormState, blank_to_none, refused, validate

ADJUST_FIELDS = ("item", "quantity_delta", "reason", "note")


def _items() -> tuple[list[dict], list[dict]]:
    return (read(lambda db: every(db, inventory.list_materials)),
            read(lambda db: every(db, inventory.list_products)))


@web.route("/stock/adjust", methods=["GET", "POST"])
@requires(*BAKEHOUSE)
def adjust() -> Any:
    """Correct stock with a reason: waste, a count, damage or other."""
    form = FormState(values={"item": request.args.get("item", ""), "reason": "waste"})
    materials, products = _items()
    if request.method == "POST":
        form.values = {k: request.form.get(k, "") for k in ADJUST_FIELDS}
        data = blank_to_none(request.form, ("quantity_delta", "reason", "note"))
        kind, _, item_id = form.value("item").partition(":")
        if kind in ("material", "product") and item_id.isdigit():
            data[f"{kind}_id"] = int(item_id)
        else:
            form.errors["item"] = "choose a material or product"
        body = validate(AdjustmentIn, data, form,
                        rename={"material_id": "item", "product_id": "item", "form": "item"})
        if body is not None and form.ok:
            try:
                stock.adjust_stock(sessions(), **body.model_dump(), user_id=signed_in()["id"])
            except InsufficientStock as exc:
                shortfall = exc.shortfalls[0]
                form.errors["quantity_delta"] = (
                    f"only {shortfall.available.normalize():f} in stock; cannot remove "
                    f"{shortfall.required.normalize():f}")
                refused(exc, form)
            except DomainError as exc:
                refused(exc, form, rename={"material_id": "item", "product_id": "item"})
            else:
                flash(f"Stock adjusted by {body.quantity_delta.normalize():f} ({body.reason}).",
                      "success")
                endpoint = "web.materials_ledger" if kind == "material" else "web.products_ledger"
                target: dict[str, Any] = {f"{kind}_id": int(item_id)}
                return redirect(url_for(endpoint, **target))
        return render_template("adjust.html", form=form, materials=materials, products=products,
                               reasons=ADJUSTMENT_REASONS), 400
    return render_template("adjust.html", form=form, materials=materials, products=products,
                           reasons=ADJUSTMENT_REASONS)


class SalesFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    from_: IsoDate | None = None
    to: IsoDate | None = None


@web.get("/sales")
@requires(*TILL)
def sales() -> Any:
    """Sales between two of the bakery's days (inclusive), newest first, with their totals."""
    last = today()
    form = FormState(values={"from": request.args.get("from", (last - timedelta(days=6)).isoformat()),
                             "to": request.args.get("to", last.isoformat())})
    raw = blank_to_none(form.values, ("from", "to"))
    parsed = validate(SalesFilter, {"from_": raw.get("from"), "to": raw.get("to")}, form,
                      rename={"from_": "from"})
    if parsed and parsed.from_ and parsed.to and parsed.to < parsed.from_:
        form.errors["to"] = "is before the first day"
    if not form.ok or parsed is None:
        return render_template("sales.html", form=form, sales=[], cursor=None, report=None,
                               products={}, users={}), 400
    try:
        page = page_request(None, request.args.get("cursor"))
    except DomainError:
        page = page_request(None, None)

    def load(db: Any) -> dict:
        zone = bakery_zone()
        items, cursor = history.list_sales(db, page, parsed.from_, parsed.to, zone)
        report = (reports.sales_report(db, parsed.from_, parsed.to, "product", zone)
                  if parsed.from_ and parsed.to else None)
        return {"sales": items, "cursor": cursor, "report": report,
                "products": lookups.names(db, "product"), "users": user_emails(db)}

    return render_template("sales.html", form=form, **read(load))
