"""The read side of food safety: what expires, what is left at the end of the day, waste.

Which layers count as expired or sellable is asked of db.stock_layers, the one home of that
rule; these queries only shape the answers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import day_bounds
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductLot,
    StockHold,
    StockMove,
    as_utc,
)
from ..db.stock_layers import expired_batch, expired_lot, held_lot, sellable_lot
from ..domain.errors import NotFound
from ..domain.freshness import freshness, waste_rate
from ..domain.numbers import ZERO, money

B = MaterialBatch.__table__
L = ProductLot.__table__
M = StockMove.__table__
WASTE_REASONS = ("expired", "waste", "damage")  # a refund not restocked is a "waste" row
WASTE_GROUPINGS = ("product", "material", "reason", "day")


def expiring(session: Session, days: int, at: datetime, on: date) -> list[dict]:
    """Open batches and lots that expire within `days` (or have expired), soonest first."""
    lot_rows = session.execute(
        select(L.c.id, L.c.product_id, L.c.remaining, L.c.best_before, Product.name)
        .join(Product, Product.id == L.c.product_id)
        .where(expired_lot(at + timedelta(days=days)))).all()
    batch_rows = session.execute(
        select(B.c.id, B.c.material_id, B.c.remaining, B.c.expiry_date, Material.name)
        .join(Material, Material.id == B.c.material_id)
        .where(expired_batch(on + timedelta(days=days + 1)))).all()
    items = [{"product_id": r.product_id, "lot_id": r.id, "name": r.name,
              "remaining": r.remaining, "expires": as_utc(r.best_before),
              "expired": as_utc(r.best_before) <= at} for r in lot_rows]
    items += [{"material_id": r.material_id, "batch_id": r.id, "name": r.name,
               "remaining": r.remaining, "expires": r.expiry_date,
               "expired": r.expiry_date < on} for r in batch_rows]
    return sorted(items, key=lambda i: (_sort_moment(i["expires"]), i["name"]))


def _sort_moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def product_stock(session: Session, at: datetime) -> dict[int, dict[str, Decimal]]:
    """Per product: sellable `on_hand`, `expired` awaiting write-off and stock `on_hold`."""
    figures: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {"on_hand": ZERO, "expired": ZERO, "on_hold": ZERO})
    for name, where in (("on_hand", sellable_lot(at)), ("expired", expired_lot(at)),
                        ("on_hold", held_lot())):
        for r in session.execute(select(L.c.product_id, func.sum(L.c.remaining).label("q"))
                                 .where(where).group_by(L.c.product_id)):
            figures[r.product_id][name] = Decimal(r.q)
    return figures


def close_of_day(session: Session, at: datetime, zone: tzinfo) -> list[dict]:
    """What is left in the shop, lot by lot, and how each lot stands: the close-the-day list."""
    rows = session.execute(
        select(L.c.id, L.c.product_id, L.c.remaining, L.c.unit_cost, L.c.best_before,
               L.c.hold_id, Product.name, Product.price, Product.day_old_product_id)
        .join(Product, Product.id == L.c.product_id)
        .where(L.c.remaining > 0).order_by(Product.name, L.c.id)).all()
    return [{"lot_id": r.id, "product_id": r.product_id, "name": r.name,
             "remaining": r.remaining, "cost": money(r.remaining * r.unit_cost),
             "retail_value": money(r.remaining * r.price),
             "best_before": as_utc(r.best_before) if r.best_before else None,
             "may_mark_down": r.day_old_product_id is not None,
             "state": "on_hold" if r.hold_id is not None
             else freshness(as_utc(r.best_before) if r.best_before else None, at, zone)}
            for r in rows]


def _local_day(moment: datetime, zone: tzinfo) -> str:
    return as_utc(moment).astimezone(zone).date().isoformat()


def waste_report(session: Session, start: date, end: date, group_by: str,
                 zone: tzinfo = timezone.utc) -> dict:
    """Write-offs over an inclusive local date range, at cost and at retail value.

    Waste is every ledger row that throws stock away: expired write-offs, adjustments for waste
    or damage, refunds not restocked. `produced` is what production made of the products in
    the row, and `waste_rate` the percentage of it wasted.
    """
    if group_by not in WASTE_GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(WASTE_GROUPINGS)}")
    lower, upper = day_bounds(start, end, zone)
    in_range = (M.c.created_at >= lower, M.c.created_at < upper)
    rows = session.execute(
        select(M.c.material_id, M.c.product_id, M.c.delta, M.c.unit_cost, M.c.reason,
               M.c.created_at, Material.name.label("material"), Product.name.label("product"),
               Product.price)
        .outerjoin(Material, Material.id == M.c.material_id)
        .outerjoin(Product, Product.id == M.c.product_id)
        .where(M.c.reason.in_(WASTE_REASONS), M.c.delta < 0, *in_range)).all()
    produced_by_product = {r.product_id: Decimal(r.q) for r in session.execute(
        select(M.c.product_id, func.sum(M.c.delta).label("q"))
        .where(M.c.reason == "production", M.c.lot_id.is_not(None), M.c.delta > 0, *in_range)
        .group_by(M.c.product_id))}
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        if group_by == "product" and r.product_id is None:
            continue
        if group_by == "material" and r.material_id is None:
            continue
        key = {"product": r.product, "material": r.material, "reason": r.reason,
               "day": _local_day(r.created_at, zone)}[group_by]
        group = groups.setdefault(key, {"key": key, "quantity": ZERO, "cost": ZERO,
                                        "retail_value": ZERO, "products": set(),
                                        "product_quantity": ZERO})
        if group_by == "product":
            group["product_id"] = r.product_id
        if group_by == "material":
            group["material_id"] = r.material_id
        wasted = -Decimal(r.delta)
        group["quantity"] += wasted
        group["cost"] += wasted * Decimal(r.unit_cost)
        if r.product_id is not None:
            group["retail_value"] += wasted * Decimal(r.price)
            group["products"].add(r.product_id)
            group["product_quantity"] += wasted
    out = []
    for group in sorted(groups.values(), key=lambda g: (-g["cost"], g["key"])
                        if group_by != "day" else g["key"]):
        out.append(_waste_row(group, produced_by_product))
    totals = _waste_row({"key": "total", "quantity": sum((g["quantity"] for g in out), ZERO),
                         "cost": sum((g["cost"] for g in out), ZERO),
                         "retail_value": sum((g["retail_value"] for g in out), ZERO),
                         "products": set().union(*(g["products"] for g in groups.values())),
                         "product_quantity": sum((g["product_quantity"] for g in groups.values()),
                                                 ZERO)},
                        produced_by_product)
    totals.pop("key")
    return {"rows": out, "totals": totals}


def _waste_row(group: dict, produced_by_product: dict[int | None, Decimal]) -> dict:
    produced = sum((produced_by_product.get(pid, ZERO) for pid in group["products"]), ZERO)
    row = {k: v for k, v in group.items() if k not in ("products", "product_quantity")}
    row.update(cost=money(group["cost"]), retail_value=money(group["retail_value"]),
               produced=produced, waste_rate=waste_rate(group["product_quantity"], produced))
    return row


def holds(session: Session) -> list[Any]:
    """Recall holds, the open ones first, newest first."""
    return list(session.execute(select(StockHold).order_by(
        StockHold.released_at.is_not(None), StockHold.id.desc())).scalars())


def get_hold(session: Session, hold_id: int) -> StockHold:
    hold = session.get(StockHold, hold_id)
    if hold is None:
        raise NotFound(f"no hold with id {hold_id}")
    return hold


def expiring_today(session: Session, at: datetime, zone: tzinfo) -> dict[int, Decimal]:
    """Per product: sellable stock whose best-before falls later today (the bakery's day)."""
    end_of_day = day_bounds(at.astimezone(zone).date(), at.astimezone(zone).date(), zone)[1]
    assert end_of_day is not None
    rows = session.execute(select(L.c.product_id, func.sum(L.c.remaining).label("q"))
                           .where(sellable_lot(at), expired_lot(end_of_day))
                           .group_by(L.c.product_id))
    return {r.product_id: Decimal(r.q) for r in rows}
