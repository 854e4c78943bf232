"""Production: choose a recipe and a number of batches, preview the FIFO draws, then bake."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ..contract.schemas import ProductionIn
from ..domain.errors import DomainError, InsufficientStock, NotFound
from ..queries import history, lookups
from ..queries.pages import PageRequest
from ..queries.production import preview_production
from ..queries.recipes import list_recipes
from ..runtime import sessions
from ..services import stock
from . import web
from .access import BAKEHOUSE, requires, signed_in
from .catalog import every, read
from .forms import FormState, as_id, form_idempotency, new_key, refused, validate

RECENT_RUNS = 15


def _page(form: FormState, status: int = 200) -> Any:
    def load(db: Any) -> dict:
        return {"recipes": every(db, list_recipes),
                "runs": history.list_runs(db, PageRequest(RECENT_RUNS))[0],
                "recipe_names": lookups.names(db, "recipe"),
                "product_names": lookups.names(db, "product"),
                "material_names": lookups.names(db, "material")}

    data = read(load)
    options = [(r["id"], f"{r['name']} (stock allows {r['max_batches']})") for r in data["recipes"]]
    return render_template("production.html", form=form, recipe_options=options, **data), status


def _parse(source: Any, form: FormState) -> ProductionIn | None:
    form.values.update({k: source.get(k, "") for k in ("recipe_id", "batches")})
    data = {"recipe_id": as_id(source.get("recipe_id", "")), "batches": as_id(source.get("batches", ""))}
    blank = data["recipe_id"] == ""
    if blank:
        del data["recipe_id"]
    body = validate(ProductionIn, data, form)
    if blank:
        form.errors["recipe_id"] = "choose a recipe"
    return body


@web.get("/production")
@requires(*BAKEHOUSE)
def production() -> Any:
    form = FormState(values={"batches": "1", "recipe_id": request.args.get("recipe_id", "")})
    return _page(form)


def _preview(body: ProductionIn, form: FormState, status: int = 200) -> Any:
    try:
        with sessions()() as db:
            preview = preview_production(db, body.recipe_id, body.batches)
    except NotFound:
        form.errors["recipe_id"] = "no such recipe"
        return _page(form, 400)
    return render_template("production_preview.html", preview=preview, form=form,
                           key=form.value("key") or new_key()), status


@web.get("/production/preview")
@requires(*BAKEHOUSE)
def production_preview() -> Any:
    form = FormState()
    body = _parse(request.args, form)
    if body is None:
        return _page(form, 400)
    return _preview(body, form)


@web.post("/production")
@requires(*BAKEHOUSE)
def production_run() -> Any:
    form = FormState(values={"key": request.form.get("key", "")})
    body = _parse(request.form, form)
    if body is None:
        return _page(form, 400)
    idem = form_idempotency("production", form.value("key"), body.model_dump(mode="json"))
    try:
        outcome = stock.run_production(sessions(), recipe_id=body.recipe_id, batches=body.batches,
                                       user_id=signed_in()["id"], idem=idem)
    except InsufficientStock as exc:
        form.errors["form"] = exc.message
        return _preview(body, form, 409)
    except DomainError as exc:
        refused(exc, form)
        return _page(form, 400)
    if outcome.result is not None:
        run = outcome.result.run
        names = read(lookups.names, "product")
        flash(f"Baked {run.batches} batch{'es' if run.batches != 1 else ''}: "
              f"{run.produced_quantity.normalize():f} {names.get(run.product_id, '')} "
              f"for {run.total_cost:.2f}.", "success")
    return redirect(url_for("web.production"))
