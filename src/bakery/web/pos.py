"""The point of sale: product buttons, a cart, one-tap checkout that never sells twice.

The cart lives in the form itself (one quantity field per product), so the page works without
JavaScript: the + / - / product buttons submit the form and the page comes back with the new
quantities. With JavaScript (static/bakery.js) the same buttons change the fields in place.
Each rendered page carries a fresh key; checkout passes it to record_sale as an idempotency
key, so a double tap or a resent form records one sale.

Payment: "Charge" takes cash (the amount tendered, when entered, gives the change shown in large
type after the sale), "Card" charges the total to a card, "Split" takes the card amount entered
and the rest in cash. The page works on one till (?till=, default "counter") and asks to open
a session for it when it has none (unless BAKERY_REQUIRE_TILL_SESSION is false).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import redirect, render_template, request, url_for
from pydantic import ValidationError

from ..contract.schemas import SaleIn
from ..contract.types import MAX_ID, parse_decimal
from ..db.engine import single_read
from ..domain.errors import DomainError, InsufficientStock
from ..domain.numbers import MAX_QUANTITY, money
from ..domain.payments import Payment
from ..queries import history, inventory
from ..runtime import sessions
from ..services import stock
from . import web
from .access import TILL, requires, signed_in
from .counter import open_session_of, till_name, till_session_required
from .forms import FormState, form_idempotency, new_key, pydantic_errors

ONE = Decimal(1)


def _products() -> list[dict]:
    """The products for sale (doughs and fillings, `sellable` false, stay off the till), each
    with what of its stock expires today: one plain connection, two statements."""
    with single_read(sessions()) as db:
        return inventory.till_products(db)


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
            qty = parse_decimal(raw)
        except ValueError as exc:
            form.errors[name] = str(exc)
            continue
        if qty < 0:
            form.errors[name] = "must be zero or more"
        elif qty > MAX_QUANTITY:
            form.errors[name] = f"must be at most {MAX_QUANTITY}"
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
    name = till_name(request.values.get("till"))
    expiring = {p["id"]: p["expiring_today"] for p in products if p["expiring_today"]}
    return render_template("pos.html", products=products, form=form, cart=cart, lines=lines,
                           total=total, last_sale=last_sale, till=name,
                           till_session=open_session_of(name),
                           session_required=till_session_required(),
                           expiring_today=expiring), status


@web.get("/pos")
@requires(*TILL)
def pos() -> Any:
    last_sale = None
    sale_id = request.args.get("sale", "")
    if sale_id.isascii() and sale_id.isdigit() and 0 < int(sale_id) <= MAX_ID:
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
    if action in CHECKOUTS:
        return _checkout(products, form, cart, CHECKOUTS[action])
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
    form.errors["form"] = "Choose a product or check out."
    return _render(products, form, cart, 400)


CHECKOUTS = {"checkout": "cash", "checkout-card": "card", "checkout-split": "split"}
PAYMENT_FIELDS = {"payments.0.amount": "tendered", "payments.1.amount": "tendered",
                  "payments": "tendered"}


def _payments(how: str, products: list[dict], cart: dict[int, Decimal],
              form: FormState) -> list[dict] | None:
    """The payments a checkout button means; None: cash, exactly the total (nothing entered)."""
    by_id = {p["id"]: p for p in products}
    total = money(sum((money(q * by_id[p]["price"]) for p, q in cart.items() if p in by_id),
                      Decimal(0)))
    tendered = request.form.get("tendered", "").strip()
    form.values["tendered"] = tendered
    if how == "card":
        return [{"method": "card", "amount": str(total)}]
    if how == "split":
        card = request.form.get("card_amount", "").strip()
        form.values["card_amount"] = card
        try:
            rest = str(money(total - Decimal(card))) if card else ""
        except ArithmeticError:
            form.errors["card_amount"] = "not an amount"
            return None
        return [{"method": "card", "amount": card},
                {"method": "cash", "amount": tendered or rest}]
    return [{"method": "cash", "amount": tendered}] if tendered else None


def _checkout(products: list[dict], form: FormState, cart: dict[int, Decimal],
              how: str = "cash") -> Any:
    key = request.form.get("key", "").strip()
    form.values["key"] = key
    if form.errors:
        return _render(products, form, cart, 400)
    if not cart:
        form.errors["form"] = "The cart is empty: tap a product first."
        return _render(products, form, cart, 400)
    name = till_name(request.form.get("till"))
    till_session = open_session_of(name)
    if till_session is None and till_session_required():
        form.errors["form"] = f"Open the till ({name}) first: nothing was sold."
        return _render(products, form, cart, 409)
    payments = _payments(how, products, cart, form)
    eat_in = request.form.get("eat_in") == "on"
    form.values["eat_in"] = "on" if eat_in else ""
    if form.errors:
        return _render(products, form, cart, 400)
    try:
        body = SaleIn.model_validate(
            {"items": [{"product_id": pid, "quantity": str(qty)} for pid, qty in cart.items()],
             "payments": payments, "eat_in": eat_in,
             "till_session_id": till_session["id"] if till_session else None})
    except ValidationError as exc:
        details = pydantic_errors(exc)
        pids = list(cart)
        for path, message in details.items():
            parts = path.split(".")
            if path.startswith("payments"):
                form.errors["card_amount" if how == "split" and path == "payments.0.amount"
                            else PAYMENT_FIELDS.get(path, "tendered")] = message
            elif len(parts) >= 2 and parts[1].isdigit():
                form.errors[f"qty-{pids[int(parts[1])]}"] = message
        form.errors.setdefault("form", "Check the cart and the payment.")
        return _render(products, form, cart, 400)
    items = [(line.product_id, line.quantity) for line in body.items]
    paid = [Payment(p.method, p.amount) for p in body.payments] if body.payments else None
    idem = form_idempotency("sale", key, body.model_dump(mode="json"))
    try:
        outcome = stock.record_sale(sessions(), items, user_id=signed_in()["id"], idem=idem,
                                    payments=paid, eat_in=body.eat_in,
                                    till_session_id=body.till_session_id)
    except InsufficientStock as exc:
        for shortfall in exc.shortfalls:
            form.errors[f"qty-{shortfall.item_id}"] = (
                f"only {shortfall.available.normalize():f} in stock")
        form.errors["form"] = exc.message + ". Nothing was sold."
        return _render(products, form, cart, 409)
    except DomainError as exc:
        form.errors["form"] = exc.message
        if exc.details.get("payments"):
            form.errors["tendered"] = exc.details["payments"]
        return _render(products, form, cart, 422 if exc.code == "validation_error" else 409)
    return redirect(url_for("web.pos", sale=outcome.resource_id, till=name))
