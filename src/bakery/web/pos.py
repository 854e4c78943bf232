"""The point of sale: product buttons, a cart, one-tap checkout that never sells twice.

The cart lives in the form itself (one quantity field per product), so the page works without
JavaScript: the + / - / product buttons submit the form and the page comes back with the new
quantities. With JavaScript (static/bakery.js) the same buttons change the fields in place.
Each rendered page carries a fresh key; checkout passes it to record_sale as an idempotency
key, so a double tap or a resent form records one sale.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import redirect, render_template, request, url_for
from pydantic import ValidationError

from ..clock import bakery_zone, now
from ..contract.schemas import SaleIn
from ..domain.errors import DomainError, InsufficientStock
from ..domain.numbers import money
from ..queries import history, inventory
from ..queries.food_safety import expiring_today
from ..runtime import sessions
from ..services import stock
from . import web
from .access import TILL, requires, signed_in
from .catalog import every, read
from .forms import FormState, form_idempotency, new_key, pydantic_errors

ONE = Decimal(1)


def _products() -> list[dict]:
    return read(lambda db: every(db, inventory.list_products))


def _cart(products: list[dict], form: FormState) -> dict[int, Decimal]:
    """Quantities from the posted fields qty-<product id>; bad ones become field errors."""
    cart: dict[int, Decimal] = {}
    for product in products:
        name = f"qty-{product['id']}"
        raw = request.form.get(name, "").strip()
        form.values[name] = raw
        if raw in ("", "0"):
            continue
        try:
            qty = Decimal(raw)
        except InvalidOperation:
            form.errors[name] = "not a number"
            continue
        if not qty.is_finite() or qty < 0:
            form.errors[name] = "must be zero or more"
        elif qty > 0:
            cart[product["id"]] = qty
    return cart


def _render(products: list[dict], form: FormState, cart: dict[int, Decimal], status: int = 200,
            last_sale: dict | None = None) -> Any:
    by_id = {p["id"]: p for p in products}
    lines: list[dict[str, Any]] = [
        {"product": by_id[pid], "quantity": qty, "total": money(qty * by_id[pid]["price"])}
        for pid, qty in cart.items() if pid in by_id]
    total = money(sum((line["total"] for line in lines), Decimal(0)))
    form.values.setdefault("key", new_key())
    expiring = read(lambda db: expiring_today(db, now(), bakery_zone()))
    return render_template("pos.html", products=products, form=form, cart=cart, lines=lines,
                           total=total, last_sale=last_sale, expiring_today=expiring), status


@web.get("/pos")
@requires(*TILL)
def pos() -> Any:
    last_sale = None
    sale_id = request.args.get("sale", "")
    if sale_id.isdigit():
        try:
            with sessions()() as db:
                last_sale = history.get_sale(db, int(sale_id))
        except DomainError:
            last_sale = None
    return _render(_products(), FormState(), {}, last_sale=last_sale)


@web.post("/pos")
@requires(*TILL)
def pos_post() -> Any:
    """Change the cart (add / more / less / clear) or check out."""
    products = _products()
    form = FormState()
    cart = _cart(products, form)
    action, _, target = request.form.get("action", "").partition(":")
    if action in ("add", "more", "less", "remove") and target.isdigit():
        pid = int(target)
        qty = cart.get(pid, Decimal(0))
        qty = {"add": qty + ONE, "more": qty + ONE, "less": qty - ONE, "remove": Decimal(0)}[action]
        if qty > 0:
            cart[pid] = qty
        else:
            cart.pop(pid, None)
        form.values[f"qty-{pid}"] = str(qty) if qty > 0 else ""
        form.values["key"] = request.form.get("key") or new_key()
        return _render(products, form, cart)
    if action == "clear":
        return redirect(url_for("web.pos"))
    if action != "checkout":
        form.errors["form"] = "Choose a product or check out."
        return _render(products, form, cart, 400)
    return _checkout(products, form, cart)


def _checkout(products: list[dict], form: FormState, cart: dict[int, Decimal]) -> Any:
    key = request.form.get("key", "").strip()
    form.values["key"] = key
    if form.errors:
        return _render(products, form, cart, 400)
    if not cart:
        form.errors["form"] = "The cart is empty: tap a product first."
        return _render(products, form, cart, 400)
    try:
        body = SaleIn.model_validate(
            {"items": [{"product_id": pid, "quantity": str(qty)} for pid, qty in cart.items()]})
    except ValidationError as exc:
        details = pydantic_errors(exc)
        pids = list(cart)
        for path, message in details.items():
            parts = path.split(".")
            if len(parts) >= 2 and parts[1].isdigit():
                form.errors[f"qty-{pids[int(parts[1])]}"] = message
        form.errors.setdefault("form", "Check the quantities in the cart.")
        return _render(products, form, cart, 400)
    items = [(line.product_id, line.quantity) for line in body.items]
    idem = form_idempotency("sale", key, body.model_dump(mode="json"))
    try:
        outcome = stock.record_sale(sessions(), items, user_id=signed_in()["id"], idem=idem)
    except InsufficientStock as exc:
        for shortfall in exc.shortfalls:
            form.errors[f"qty-{shortfall.item_id}"] = (
                f"only {shortfall.available.normalize():f} in stock")
        form.errors["form"] = exc.message + ". Nothing was sold."
        return _render(products, form, cart, 409)
    except DomainError as exc:
        form.errors["form"] = exc.message
        return _render(products, form, cart, 409)
    return redirect(url_for("web.pos", sale=outcome.resource_id))
