"""Planning pages: tomorrow's bake plan (printable, with a button that records its runs), the
forecast's backtest, customer and standing orders, and a printable delivery note per order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ..clock import bakery_zone, today
from ..contract.downloads import shopping_csv
from ..contract.schemas import DayQuery, OrderIn, StandingDayIn, StandingEndIn, StandingOrderIn
from ..domain.errors import DomainError
from ..queries import forecast as forecasting
from ..queries import lookups, orders, plans
from ..queries.pages import PageRequest
from ..runtime import sessions
from ..services import orders as ordering
from ..services import planning
from . import web
from .access import ALL_ROLES, BAKEHOUSE, MANAGERS, TILL, requires, signed_in
from .catalog import read
from .forms import FormState, as_id, form_idempotency, new_key, refused, validate

ORDER_ROWS = 4
BACKTEST_DAYS = 28
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(name: str, default: date) -> date:
    """A date from the query string; a malformed one is a 400 page."""
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


# --- the bake plan ---------------------------------------------------------------------------

@web.get("/plan")
@requires(*BAKEHOUSE)
def plan() -> Any:
    day = _day("date", today() + timedelta(days=1))
    result = read(plans.bake_plan, day, bakery_zone(), today())
    return render_template("plan.html", plan=result, day=day, key=new_key(),
                           baking=[i for i in result["items"] if i["batches"]])


@web.get("/plan/shopping.csv")
@requires(*BAKEHOUSE)
def plan_shopping_csv() -> Any:
    day = _day("date", today() + timedelta(days=1))
    result = read(plans.bake_plan, day, bakery_zone(), today())["shopping"]
    return shopping_csv(result, f"shopping-list-{day.isoformat()}.csv")


@web.post("/plan/runs")
@requires(*BAKEHOUSE)
def plan_runs() -> Any:
    body = validate(DayQuery, {"date": request.form.get("date", "")}, FormState())
    if body is None:
        abort(400)
    result = read(plans.bake_plan, body.date, bakery_zone(), today())
    batches = [(i["recipe_id"], i["batches"]) for i in result["items"] if i["batches"]]
    if not batches:
        flash("Nothing to bake for that day.", "info")
        return redirect(url_for("web.plan", date=body.date.isoformat()))
    idem = form_idempotency("plan", request.form.get("key", ""), {"date": body.date.isoformat()})
    try:
        runs = planning.record_bake(sessions(), batches, user_id=signed_in()["id"], idem=idem)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.plan", date=body.date.isoformat()))
    flash(f"Recorded {len(runs)} production run{'s' if len(runs) != 1 else ''} of the plan "
          f"for {body.date.isoformat()}.", "success")
    return redirect(url_for("web.production"))


@web.get("/plan/backtest")
@requires(*MANAGERS)
def plan_backtest() -> Any:
    end = _day("to", today() - timedelta(days=1))
    start = _day("from", end - timedelta(days=BACKTEST_DAYS - 1))
    if end < start or (end - start).days >= forecasting.MAX_BACKTEST_DAYS:
        abort(400)
    if end >= today():
        abort(400)
    result = read(forecasting.backtest_report, start, end, bakery_zone(), today())
    return render_template("plan_backtest.html", score=result)


# --- customer and standing orders ------------------------------------------------------------

def _lines(source: Any) -> list[dict]:
    lines = []
    for n in range(ORDER_ROWS):
        product, qty = source.get(f"product_{n}", ""), source.get(f"quantity_{n}", "").strip()
        if product or qty:
            lines.append({"product_id": as_id(product), "quantity": qty})
    return lines


def _orders_page(form: FormState, standing_form: FormState, status: int = 200) -> Any:
    due = _day("due", today())

    def load(db: Any) -> dict:
        return {"orders": orders.list_orders(db, PageRequest(500), due)[0],
                "standing": orders.list_standing_orders(db, PageRequest(500))[0],
                "due_standing": orders.standing_due(db, due),
                "products": sorted(lookups.names(db, "product").items(), key=lambda p: p[1])}

    data = read(load)
    return render_template("orders.html", due=due, form=form, standing_form=standing_form,
                           rows=range(ORDER_ROWS), weekday_names=WEEKDAY_NAMES, **data), status


@web.get("/orders")
@requires(*ALL_ROLES)
def orders_page() -> Any:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    return _orders_page(FormState(values={"due_date": tomorrow}),
                        FormState(values={"starts_on": tomorrow}))


@web.post("/orders")
@requires(*TILL)
def orders_new() -> Any:
    form = FormState(values=dict(request.form))
    data = {"customer": request.form.get("customer", ""),
            "due_date": request.form.get("due_date", ""),
            "deposit": request.form.get("deposit", "").strip() or "0",
            "note": request.form.get("note") or None, "items": _lines(request.form)}
    body = validate(OrderIn, data, form)
    if body is None:
        return _orders_page(form, FormState(), 400)
    try:
        outcome = ordering.create_order(
            sessions(), customer=body.customer, due_date=body.due_date, note=body.note,
            deposit=body.deposit, items=[(i.product_id, i.quantity) for i in body.items],
            user_id=signed_in()["id"])
    except DomainError as exc:
        refused(exc, form)
        return _orders_page(form, FormState(), 400)
    flash(f"Order {outcome.resource_id} taken for {body.customer}.", "success")
    return redirect(url_for("web.orders_page", due=body.due_date.isoformat()))


@web.post("/standing-orders")
@requires(*MANAGERS)
def standing_new() -> Any:
    form = FormState(values=dict(request.form))
    data = {"customer": request.form.get("customer", ""),
            "weekdays": [as_id(d) for d in request.form.getlist("weekdays")],
            "starts_on": request.form.get("starts_on", ""),
            "ends_on": request.form.get("ends_on") or None,
            "note": request.form.get("note") or None, "items": _lines(request.form)}
    body = validate(StandingOrderIn, data, form)
    if body is None:
        return _orders_page(FormState(), form, 400)
    try:
        ordering.create_standing_order(
            sessions(), customer=body.customer, weekdays=body.weekdays, starts_on=body.starts_on,
            ends_on=body.ends_on, note=body.note,
            items=[(i.product_id, i.quantity) for i in body.items], user_id=signed_in()["id"])
    except DomainError as exc:
        refused(exc, form)
        return _orders_page(FormState(), form, 400)
    flash(f"Standing order taken for {body.customer}.", "success")
    return redirect(url_for("web.orders_page"))


def _back(due: Any = None) -> Any:
    return redirect(url_for("web.orders_page", due=due) if due else url_for("web.orders_page"))


@web.post("/orders/<int:order_id>/fulfil")
@requires(*TILL)
def orders_fulfil(order_id: int) -> Any:
    try:
        ordering.fulfil_order(sessions(), order_id, user_id=signed_in()["id"])
        flash(f"Order {order_id} fulfilled and sold.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return _back(request.form.get("due"))


@web.post("/orders/<int:order_id>/cancel")
@requires(*TILL)
def orders_cancel(order_id: int) -> Any:
    try:
        ordering.cancel_order(sessions(), order_id)
        flash(f"Order {order_id} cancelled.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return _back(request.form.get("due"))


@web.post("/standing-orders/<int:standing_id>/deliver")
@requires(*TILL)
def standing_deliver(standing_id: int) -> Any:
    body = validate(StandingDayIn, {"date": request.form.get("date", "")}, FormState())
    if body is None:
        abort(400)
    try:
        order_id = ordering.deliver_standing_order(sessions(), standing_id, body.date,
                                                   user_id=signed_in()["id"])
        flash(f"Delivered and sold as order {order_id}.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return _back(body.date.isoformat())


@web.post("/standing-orders/<int:standing_id>/end")
@requires(*MANAGERS)
def standing_end(standing_id: int) -> Any:
    body = validate(StandingEndIn, {"ends_on": request.form.get("ends_on", "")}, FormState())
    if body is None:
        flash("Give the last delivery day as a date.", "error")
        return _back()
    try:
        ordering.end_standing_order(sessions(), standing_id, body.ends_on)
        flash(f"Standing order {standing_id} ends after {body.ends_on.isoformat()}.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return _back()


@web.get("/orders/<int:order_id>/note")
@requires(*ALL_ROLES)
def orders_note(order_id: int) -> Any:
    return render_template("delivery_note.html", order=read(orders.get_order, order_id))


