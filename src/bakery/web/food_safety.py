"""Food-safety pages: close the day (what is left, what expires, write it off in one tap) and
the recall page (who got flour lot L-42, on one screen, with the hold and its CSV)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from ..clock import bakery_zone, now, today
from ..contract.downloads import csv_response
from ..contract.food_safety import RECALL_COLUMNS, RecallOut, recall_rows
from ..domain.errors import DomainError
from ..queries import food_safety as reads
from ..queries import inventory, lookups, trace
from ..runtime import sessions
from ..services import food_safety
from . import web
from .access import BAKEHOUSE, MANAGERS, requires, signed_in
from .catalog import every, read


@web.get("/close-day")
@requires(*BAKEHOUSE)
def close_day() -> Any:
    """What is left in the shop, lot by lot: fresh, expiring today, expired or on hold."""
    at, zone = now(), bakery_zone()

    def load(db: Any) -> dict:
        lots = reads.close_of_day(db, at, zone)
        soon = [i for i in reads.expiring(db, 1, at, today()) if "batch_id" in i]
        return {"lots": lots, "batches": soon,
                "expired_cost": sum((lot["cost"] for lot in lots if lot["state"] == "expired"),
                                    start=0)}

    return render_template("close_day.html", **read(load))


@web.post("/close-day/write-off")
@requires(*BAKEHOUSE)
def write_off() -> Any:
    """Write off everything expired, at cost, in one tap (the same use case as the API's)."""
    result = food_safety.expire_stock(sessions(), user_id=signed_in()["id"])
    count = len(result.items())
    flash(f"Wrote off {count} expired lot{'s' if count != 1 else ''} and batches at cost "
          f"{result.cost}." if count else "Nothing has expired: nothing was written off.",
          "success")
    return redirect(url_for("web.close_day"))


@web.post("/close-day/mark-down/<int:lot_id>")
@requires(*BAKEHOUSE)
def mark_down(lot_id: int) -> Any:
    """Move a lot's unsold stock to the product's day-old product (its lower price)."""
    try:
        done = food_safety.mark_down(sessions(), lot_id, user_id=signed_in()["id"])
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Marked down {done.quantity.normalize():f} to the day-old product "
              f"(lot #{done.day_old_lot_id}).", "success")
    return redirect(url_for("web.close_day"))


def _recall_form() -> tuple[int | None, str]:
    raw_id, lot = request.args.get("material_id", ""), request.args.get("lot", "").strip()
    return (int(raw_id) if raw_id.isdigit() and len(raw_id) < 19 else None), lot[:80]


@web.get("/recall")
@requires(*MANAGERS)
def recall() -> Any:
    """Who got a supplier lot: every batch, bake, lot and sale it reached, on one screen."""
    material_id, lot = _recall_form()

    def load(db: Any) -> dict:
        data: dict[str, Any] = {
            "materials": every(db, inventory.list_materials), "material_id": material_id,
            "lot": lot, "result": None, "holds": reads.holds(db),
            "products": lookups.names(db, "product"), "error": None}
        if material_id is not None and lot:
            try:
                data["result"] = trace.recall(db, material_id, lot)
            except DomainError as exc:
                data["error"] = exc.message
        return data

    data = read(load)
    return render_template("recall.html", **data), 404 if data["error"] else 200


@web.get("/recall.csv")
@requires(*MANAGERS)
def recall_csv() -> Response:
    material_id, lot = _recall_form()
    if material_id is None or not lot:
        abort(400, "choose a material and a lot code")
    try:
        result = read(lambda db: trace.recall(db, material_id, lot))
    except DomainError:
        abort(404)
    data = RecallOut.model_validate(result).model_dump(mode="json")
    return csv_response(recall_rows(data), RECALL_COLUMNS, f"recall-{material_id}-{lot}.csv")


@web.post("/recall/hold")
@requires(*MANAGERS)
def recall_hold() -> Any:
    raw_id, lot = request.form.get("material_id", ""), request.form.get("lot", "").strip()
    if not raw_id.isdigit() or len(raw_id) > 18 or not lot or len(lot) > 80:
        abort(400, "choose a material and a lot code")
    try:
        outcome = food_safety.hold_recall(sessions(), material_id=int(raw_id), lot=lot,
                                          note=request.form.get("note") or None,
                                          user_id=signed_in()["id"])
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        held = outcome.result
        assert held is not None
        flash(f"On hold: {len(held.batch_ids)} batches and {len(held.lot_ids)} lots. They are "
              "not sold or used until released.", "success")
    return redirect(url_for("web.recall", material_id=raw_id, lot=lot))


@web.post("/recall/holds/<int:hold_id>/release")
@requires(*MANAGERS)
def recall_release(hold_id: int) -> Any:
    try:
        hold = food_safety.release_hold(sessions(), hold_id, user_id=signed_in()["id"])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.recall"))
    flash(f"Released the hold on lot {hold.lot}.", "success")
    return redirect(url_for("web.recall", material_id=hold.material_id, lot=hold.lot))
