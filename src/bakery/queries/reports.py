"""Sales figures for owners, aggregated in SQL so they stay fast on years of history.

Days, hours and weekdays are those of the bakery's time zone (BAKERY_TIMEZONE). PostgreSQL
converts with `timezone(tz, created_at)`; SQLite has no zone database, so the UTC offsets in
force over the report's range (they change at daylight-saving transitions) are computed here and
handed to SQLite as one CASE expression: every row still gets its own local time, in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, cast, exists, func, literal_column, select
from sqlalchemy.orm import Session

from ..clock import day_bounds
from ..db.models import (
    Material,
    MaterialBatch,
    Product,
    ProductLot,
    Refund,
    RefundItem,
    Sale,
    SaleItem,
    SalePayment,
)
from ..domain.costing import margin_percent
from ..domain.numbers import ZERO, money

S = Sale.__table__
I = SaleItem.__table__  # noqa: E741
B = MaterialBatch.__table__
L = ProductLot.__table__
R = Refund.__table__
RI = RefundItem.__table__
P = SalePayment.__table__

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GROUPINGS = ("day", "product", "hour", "weekday")
FIGURES = ("quantity", "revenue", "cost", "margin", "refunds", "tax")


# --- local time in SQL -----------------------------------------------------------------------

def _offset_minutes(tz: tzinfo, moment: datetime) -> int:
    offset = moment.astimezone(tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def offset_segments(tz: tzinfo, lower: datetime, upper: datetime) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets over [lower, upper): [(until, minutes), ..., (None, minutes)].

    Transitions are found day by day, then to the second by bisection.
    """
    segments: list[tuple[datetime | None, int]] = []
    current, offset = lower, _offset_minutes(tz, lower)
    while current < upper:
        step = min(current + timedelta(days=1), upper)
        if _offset_minutes(tz, step) != offset:
            before, after = current, step
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                middle = middle.replace(microsecond=0) if middle.microsecond else middle
                if middle <= before:
                    break
                if _offset_minutes(tz, middle) == offset:
                    before = middle
                else:
                    after = middle
            segments.append((after, offset))
            offset = _offset_minutes(tz, after)
            current = after
        else:
            current = step
    segments.append((None, offset))
    return segments


def _sqlite_modifier(tz: tzinfo, lower: datetime, upper: datetime,
                     stamp: Any = S.c.created_at) -> Any:
    """A SQLite date-function modifier ('+60 minutes') that follows the zone's transitions."""
    segments = offset_segments(tz, lower, upper)
    last = f"{segments[-1][1]:+d} minutes"
    if len(segments) == 1:
        return literal_column(f"'{last}'")
    return case(*[(stamp < until, literal_column(f"'{minutes:+d} minutes'"))
                  for until, minutes in segments[:-1]],
                else_=literal_column(f"'{last}'"))


def _zone_name(tz: tzinfo) -> str:
    name = getattr(tz, "key", None) or ("UTC" if tz is timezone.utc else None)
    if name is None or "'" in name:
        raise ValueError(f"not an IANA time zone: {tz!r}")
    return name


def _local(session: Session, tz: tzinfo, lower: datetime, upper: datetime, part: str,
           stamp: Any = S.c.created_at) -> Any:
    """The local day (YYYY-MM-DD), hour (0-23) or ISO weekday (1-7) of each sale (or of the
    rows `stamp` dates), in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal_column(f"'{_zone_name(tz)}'"), stamp)
        if part == "day":
            return func.to_char(local, literal_column("'YYYY-MM-DD'"))
        field = "hour" if part == "hour" else "isodow"
        return cast(func.extract(field, local), Integer)
    modifier = _sqlite_modifier(tz, lower, upper, stamp)
    # SQLite rounds fractional seconds to milliseconds (23:59:59.9999 would become the next
    # day): cut the stored text to whole seconds before converting.
    seconds = func.substr(stamp, 1, 19)
    if part == "day":
        return func.date(seconds, modifier)
    if part == "hour":
        return cast(func.strftime(literal_column("'%H'"), seconds, modifier), Integer)
    # %w is 0 for Sunday; ISO numbers Sunday 7.
    weekday = cast(func.strftime(literal_column("'%w'"), seconds, modifier), Integer)
    return case((weekday == 0, 7), else_=weekday)


# --- sales -----------------------------------------------------------------------------------

def _figures() -> list[Any]:
    return [func.sum(I.c.quantity).label("quantity"), func.sum(I.c.line_total).label("revenue"),
            func.sum(I.c.cost).label("cost"), func.sum(I.c.tax).label("tax")]


def _refund_figures() -> list[Any]:
    """What refunds take back: their amount and tax, and the cost of what went back on a shelf."""
    return [func.sum(RI.c.amount).label("amount"), func.sum(RI.c.tax).label("tax"),
            func.sum(case((R.c.restock, RI.c.cost), else_=0)).label("restocked")]


def _row(key: str, quantity: Any, revenue: Any, cost: Any, tax: Any = 0,
         refunded: Any = None) -> dict:
    """One report row. Revenue, tax and cost are net of refunds (cost of restocked units only);
    the margin is on revenue net of tax."""
    quantity, revenue, cost = Decimal(quantity or 0), Decimal(revenue or 0), Decimal(cost or 0)
    tax = Decimal(tax or 0)
    refunds = restocked = ZERO
    if refunded is not None:
        refunds, restocked = Decimal(refunded.amount or 0), Decimal(refunded.restocked or 0)
        tax -= Decimal(refunded.tax or 0)
    revenue, cost = revenue - refunds, cost - restocked
    margin = revenue - tax - cost
    return {"key": key, "quantity": quantity, "revenue": revenue, "cost": cost, "margin": margin,
            "margin_percent": margin_percent(margin, revenue - tax), "refunds": refunds,
            "tax": tax}


def _totals(rows: Iterable[dict]) -> dict:
    totals: dict[str, Decimal | None] = dict.fromkeys(FIGURES, ZERO)
    sums = dict.fromkeys(FIGURES, ZERO)
    for row in rows:
        for name in FIGURES:
            sums[name] += row[name]
    totals = {**sums, "margin_percent": margin_percent(sums["margin"],
                                                       sums["revenue"] - sums["tax"])}
    return totals


def sales_report(session: Session, start: date, end: date, group_by: str,
                 tz: tzinfo = timezone.utc) -> dict:
    """Quantity, revenue, cost and margin per local day, product, hour or weekday.

    `start` and `end` are inclusive local dates. Days appear only when something was sold;
    hours (0-23) and weekdays (Monday-Sunday) are always all listed.
    """
    lower, upper = day_bounds(start, end, tz)
    assert lower is not None and upper is not None
    joined = I.join(S, S.c.id == I.c.sale_id)
    refunds = RI.join(R, R.c.id == RI.c.refund_id)
    if group_by == "product":
        key = Product.name.label("key")
        query = (select(I.c.product_id, key, *_figures())
                 .select_from(joined.join(Product, Product.id == I.c.product_id))
                 .group_by(I.c.product_id, Product.name)
                 .order_by(func.sum(I.c.line_total).desc(), key))
        back = (select(RI.c.product_id.label("key"), Product.name.label("name"),
                       *_refund_figures())
                .select_from(refunds.join(Product, Product.id == RI.c.product_id))
                .group_by(RI.c.product_id, Product.name))
    elif group_by in ("day", "hour", "weekday"):
        key = _local(session, tz, lower, upper, group_by).label("key")
        query = select(key, *_figures()).select_from(joined).group_by(key).order_by(key)
        refund_key = _local(session, tz, lower, upper, group_by, R.c.created_at).label("key")
        back = select(refund_key, *_refund_figures()).select_from(refunds).group_by(refund_key)
    else:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}")
    query = query.where(S.c.created_at >= lower, S.c.created_at < upper)
    found = session.execute(query).all()
    refunded = {r.key: r for r in session.execute(
        back.where(R.c.created_at >= lower, R.c.created_at < upper))}
    if group_by == "hour":
        by_hour = {int(r.key): r for r in found}
        back_by_hour = {int(k): r for k, r in refunded.items()}
        rows = [_row(f"{h:02d}", *_sums(by_hour.get(h)), back_by_hour.get(h))
                for h in range(24)]
    elif group_by == "weekday":
        by_day = {int(r.key): r for r in found}
        back_by_day = {int(k): r for k, r in refunded.items()}
        rows = [_row(WEEKDAYS[d - 1], *_sums(by_day.get(d)), back_by_day.get(d))
                for d in range(1, 8)]
    elif group_by == "product":
        rows = []
        for r in found:
            row = _row(str(r.key), r.quantity, r.revenue, r.cost, r.tax,
                       refunded.pop(r.product_id, None))
            rows.append({**row, "product_id": r.product_id})
        rows += [{**_row(r.name, 0, 0, 0, 0, r), "product_id": pid}  # refunded, none sold
                 for pid, r in refunded.items()]
    else:
        rows = [_row(str(r.key), r.quantity, r.revenue, r.cost, r.tax,
                     refunded.pop(str(r.key), None)) for r in found]
        rows += [_row(str(k), 0, 0, 0, 0, r) for k, r in refunded.items()]
        rows.sort(key=lambda row: row["key"])
    return {"rows": rows, "totals": _totals(rows)}


def _sums(row: Any) -> tuple[Any, Any, Any, Any]:
    return (row.quantity, row.revenue, row.cost, row.tax) if row is not None else (0, 0, 0, 0)


def payments_report(session: Session, start: date, end: date, tz: tzinfo = timezone.utc) -> dict:
    """What each payment method took per local day (cash net of change), and refunds paid out.

    A sale without payment rows was paid in cash, exactly.
    """
    lower, upper = day_bounds(start, end, tz)
    assert lower is not None and upper is not None
    day = _local(session, tz, lower, upper, "day").label("key")
    in_range = (S.c.created_at >= lower, S.c.created_at < upper)
    days: dict[str, dict[str, Decimal]] = {}

    def add(key: Any, column: str, amount: Any) -> None:
        row = days.setdefault(str(key), dict.fromkeys(("cash", "card", "other", "refunds"), ZERO))
        row[column] += Decimal(amount or 0)

    for key, method, amount in session.execute(
            select(day, P.c.method, func.sum(P.c.amount)).select_from(P.join(S, S.c.id == P.c.sale_id))
            .where(*in_range).group_by(day, P.c.method)):
        add(key, method, amount)
    unpaid = ~exists().where(P.c.sale_id == S.c.id)
    for key, exact, change in session.execute(
            select(day, func.sum(case((unpaid, S.c.total), else_=0)), func.sum(S.c.change))
            .where(*in_range).group_by(day)):
        add(key, "cash", Decimal(exact or 0) - Decimal(change or 0))
    refund_day = _local(session, tz, lower, upper, "day", R.c.created_at).label("key")
    for key, amount in session.execute(
            select(refund_day, func.sum(R.c.amount))
            .where(R.c.created_at >= lower, R.c.created_at < upper).group_by(refund_day)):
        add(key, "refunds", amount)
    for figures in days.values():
        figures["total"] = figures["cash"] + figures["card"] + figures["other"] - figures["refunds"]
    totals = {name: sum((figures[name] for figures in days.values()), ZERO)
              for name in ("cash", "card", "other", "refunds", "total")}
    rows = [{"key": key, **figures} for key, figures in sorted(days.items())]
    return {"rows": rows, "totals": {"key": "total", **totals}}


def best_sellers(session: Session, start: date, end: date, limit: int = 10,
                 rank_by: str = "quantity", tz: tzinfo = timezone.utc) -> dict:
    """The products that sold most (by quantity or revenue) over an inclusive local date range."""
    lower, upper = day_bounds(start, end, tz)
    measure = func.sum(I.c.quantity) if rank_by == "quantity" else func.sum(I.c.line_total)
    query = (select(I.c.product_id, Product.name.label("key"), *_figures())
             .select_from(I.join(S, S.c.id == I.c.sale_id)
                          .join(Product, Product.id == I.c.product_id))
             .where(S.c.created_at >= lower, S.c.created_at < upper)
             .group_by(I.c.product_id, Product.name)
             .order_by(measure.desc(), Product.name).limit(limit))
    rows = []
    for rank, r in enumerate(session.execute(query), start=1):
        row = _row(r.key, r.quantity, r.revenue, r.cost, r.tax)
        row.update(product_id=r.product_id, rank=rank)
        rows.append(row)
    return {"rows": rows, "totals": _totals(rows)}


# --- stock value -----------------------------------------------------------------------------

def inventory_valuation(session: Session) -> dict:
    """Stock at cost: materials at their open batches' costs, products at their open lots' costs."""
    materials = session.execute(
        select(Material.id, Material.name, Material.unit,
               func.coalesce(func.sum(B.c.remaining), 0).label("on_hand"),
               func.coalesce(func.sum(B.c.remaining * B.c.cost_per_unit), 0).label("value"))
        .outerjoin(B, (B.c.material_id == Material.id) & (B.c.remaining > 0))
        .group_by(Material.id, Material.name, Material.unit).order_by(Material.name)
    ).all()
    products = session.execute(
        select(Product.id, Product.name,
               func.coalesce(func.sum(L.c.remaining), 0).label("on_hand"),
               func.coalesce(func.sum(L.c.remaining * L.c.unit_cost), 0).label("value"))
        .outerjoin(L, (L.c.product_id == Product.id) & (L.c.remaining > 0))
        .group_by(Product.id, Product.name).order_by(Product.name)
    ).all()
    material_rows = [{"kind": "material", "material_id": r.id, "product_id": None,
                      "name": r.name, "unit": r.unit, "on_hand": Decimal(r.on_hand),
                      "value": money(Decimal(r.value))} for r in materials]
    product_rows = [{"kind": "product", "material_id": None, "product_id": r.id,
                     "name": r.name, "unit": "pcs", "on_hand": Decimal(r.on_hand),
                     "value": money(Decimal(r.value))} for r in products]
    materials_total = sum((r["value"] for r in material_rows), ZERO)
    products_total = sum((r["value"] for r in product_rows), ZERO)
    return {"rows": material_rows + product_rows,
            "totals": {"materials": materials_total, "products": products_total,
                       "total": materials_total + products_total}}


def local_day(session: Session, tz: tzinfo, lower: datetime, upper: datetime) -> Any:
    """Each sale's local day (YYYY-MM-DD) in SQL, for reads that group sales by day."""
    return _local(session, tz, lower, upper, "day")
