"""The counter's pages: a till's session (open, cash in and out, close), its X and Z reports,
and refunds or voids of a sale from the sales history.

The same services and schemas as the API: TillSessionIn, CashMoveIn, TillCloseIn, RefundIn.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from pydantic import BaseModel

from ..contract.schemas import CashMoveIn, RefundIn, TillCloseIn, TillSessionIn
from ..domain.errors import DomainError
from ..domain.payments import METHODS
from ..queries import history, lookups
from ..queries import till as till_reports
from ..queries.pages import PageRequest
from ..queries.users import user_emails
from ..runtime import sessions, settings
from ..services import refunds, till
from ..services.unit_of_work import Idempotency
from . import web
from .access import TILL, requires, signed_in
from .catalog import read
from .forms import FormState, blank_to_none, form_idempotency, new_key, refused, validate

DEFAULT_TILL = "counter"


def till_name(raw: str | None) -> str:
    """The till a page works on (?till=), the shop's one counter unless named."""
    name = (raw or "").strip()
    return name[:40] if name else DEFAULT_TILL


def open_session_of(name: str) -> dict | None:
    """The till's open session with its X report, or None."""
    return read(till_reports.open_session_of, name)


def till_session_required() -> bool:
    """Pages ask for an open session unless BAKERY_REQUIRE_TILL_SESSION is set to false."""
    return settings().require_till_session is not False


# --- the till --------------------------------------------------------------------------------

def _till_page(name: str, form: FormState, status: int = 200) -> Any:
    current = open_session_of(name)
    closed = read(lambda db: till_reports.list_sessions(db, PageRequest(10), "closed", name)[0])
    form.values.setdefault("key", new_key())
    return render_template("till.html", till=name, current=current, closed=closed,
                           form=form), status


@web.get("/till")
@requires(*TILL)
def till_page() -> Any:
    return _till_page(till_name(request.args.get("till")), FormState())


def _till_form(schema: type[BaseModel], data: dict[str, Any], scope: str,
               act: Callable[[Any, Idempotency | None], Any]) -> tuple[Any, Any]:
    """Validate a till form and run its use case once per form key: (the body, None) when
    done, (None, the till page with the errors) when refused."""
    form = FormState(values=dict(request.form))
    name = till_name(request.form.get("till"))
    body = validate(schema, data, form)
    if body is None:
        return None, _till_page(name, form, 400)
    try:
        act(body, form_idempotency(scope, form.value("key"), body.model_dump(mode="json")))
    except DomainError as exc:
        refused(exc, form)
        return None, _till_page(name, form, 409)
    return body, None


@web.post("/till/open")
@requires(*TILL)
def till_open() -> Any:
    name = till_name(request.form.get("till"))
    body, refusal = _till_form(
        TillSessionIn, {"till": name, **blank_to_none(request.form, ("opening_float",))},
        "till-open", lambda b, idem: till.open_session(
            sessions(), till=b.till, opening_float=b.opening_float, user_id=signed_in()["id"],
            idem=idem))
    if refusal is not None:
        return refusal
    flash(f"Till {name} is open with a float of {body.opening_float:.2f}.", "success")
    back = request.form.get("next")
    return redirect(url_for("web.pos", till=name) if back == "pos" else
                    url_for("web.till_page", till=name))


@web.post("/till/<int:session_id>/cash")
@requires(*TILL)
def till_cash(session_id: int) -> Any:
    raw = blank_to_none(request.form, ("amount", "note"))
    if raw.get("amount") and request.form.get("direction") == "out":
        raw["amount"] = "-" + raw["amount"].lstrip("+-")
    body, refusal = _till_form(CashMoveIn, raw, "till-cash", lambda b, idem: till.move_cash(
        sessions(), session_id, amount=b.amount, note=b.note, user_id=signed_in()["id"],
        idem=idem))
    if refusal is not None:
        return refusal
    flash(f"Cash {'paid in' if body.amount > 0 else 'paid out'}: {abs(body.amount):.2f}.",
          "success")
    return redirect(url_for("web.till_page", till=till_name(request.form.get("till"))))


@web.post("/till/<int:session_id>/close")
@requires(*TILL)
def till_close(session_id: int) -> Any:
    _, refusal = _till_form(
        TillCloseIn, blank_to_none(request.form, ("counted_cash",)), "till-close",
        lambda b, idem: till.close_session(sessions(), session_id, counted_cash=b.counted_cash,
                                           user_id=signed_in()["id"], idem=idem))
    return refusal or redirect(url_for("web.till_report", session_id=session_id))


@web.get("/till/sessions/<int:session_id>")
@requires(*TILL)
def till_report(session_id: int) -> Any:
    """The X report of an open session, the printable Z report of a closed one."""
    report = read(till_reports.get_session, session_id)
    users = read(user_emails)
    return render_template("z_report.html", report=report, users=users)


# --- refunds and voids -----------------------------------------------------------------------

def _refund_page(sale_id: int, form: FormState, status: int = 200) -> Any:
    def load(db: Any) -> dict:
        return {"sale": history.get_sale(db, sale_id),
                "lines": history.refundable_lines(db, sale_id),
                "refunds": history.refunds_of_sale(db, sale_id),
                "products": lookups.names(db, "product")}

    form.values.setdefault("key", new_key())
    form.values.setdefault("restock", "on")
    return render_template("refund.html", form=form, methods=METHODS,
                           is_manager=signed_in()["role"] in ("admin", "manager"),
                           **read(load)), status


@web.get("/sales/<int:sale_id>/refund")
@requires(*TILL)
def refund_form(sale_id: int) -> Any:
    return _refund_page(sale_id, FormState())


@web.post("/sales/<int:sale_id>/refund")
@requires(*TILL)
def refund_post(sale_id: int) -> Any:
    form = FormState(values=dict(request.form))
    items = []
    for name, raw in request.form.items():
        if name.startswith("qty-") and name[4:].isdigit() and raw.strip() not in ("", "0"):
            items.append({"product_id": int(name[4:]), "quantity": raw.strip()})
    whole = request.form.get("action") == "void"
    data: dict[str, Any] = {"restock": request.form.get("restock") == "on",
                            **blank_to_none(form.values, ("reason", "method"))}
    if not whole:
        if not items:
            form.errors["form"] = "Enter how many of each product come back."
            return _refund_page(sale_id, form, 400)
        data["items"] = items
    body = validate(RefundIn, data, form)
    if body is None:
        for key in list(form.errors):
            parts = key.split(".")
            if parts[0] == "items" and len(parts) > 2 and parts[1].isdigit():
                form.errors[f"qty-{items[int(parts[1])]['product_id']}"] = form.errors.pop(key)
        form.errors.setdefault("form", "Check the quantities.")
        return _refund_page(sale_id, form, 400)
    user = signed_in()
    who = refunds.Refunder(user["id"], user["role"], settings().void_minutes)
    open_session = open_session_of(till_name(request.form.get("till")))
    try:
        outcome = refunds.refund_sale(
            sessions(), sale_id, who,
            items=[(i.product_id, i.quantity) for i in body.items] if body.items else None,
            restock=body.restock, reason=body.reason, method=body.method,
            till_session_id=open_session["id"] if open_session else None,
            idem=form_idempotency("refund", form.value("key"), body.model_dump(mode="json")))
    except DomainError as exc:
        refused(exc, form)
        return _refund_page(sale_id, form, 403 if exc.code == "forbidden" else 409)
    refund = read(history.get_refund, outcome.resource_id)
    flash(f"Refund {refund['id']} of sale {sale_id}: {Decimal(refund['amount']):.2f} back "
          f"({refund['method']}){', restocked' if refund['restock'] else ', booked as waste'}.",
          "success")
    return redirect(url_for("web.refund_form", sale_id=sale_id))
