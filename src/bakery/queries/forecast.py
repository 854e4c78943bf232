"""The sales history a forecast learns from, read in one aggregate per product and day.

Only the window the forecast uses is read (WINDOW_DAYS before the first day asked for), through
the sales' time index, so two years of history cost no more than eight weeks. Days are the
bakery's local days; a day is open when anything at all was sold on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import day_bounds
from ..db.models import Product, Sale, SaleItem, as_utc
from ..domain.errors import ValidationFailed
from ..domain.forecast import (
    WINDOW_DAYS,
    DaySales,
    Score,
    backtest,
    expected_until,
    forecast,
    sold_out_share,
)
from ..domain.numbers import ZERO
from .reports import local_day

S = Sale.__table__
I = SaleItem.__table__  # noqa: E741
MAX_BACKTEST_DAYS = 366


@dataclass
class SalesHistory:
    """Per product, what sold each day; and the days the shop was open."""

    products: dict[int, dict[date, DaySales]] = field(default_factory=dict)
    open_days: set[date] = field(default_factory=set)


def load_history(session: Session, start: date, end: date, tz: tzinfo) -> SalesHistory:
    """Sales per product and local day over [start, end], with each sold-out day marked."""
    lower, upper = day_bounds(start, end, tz)
    assert lower is not None and upper is not None
    day = local_day(session, tz, lower, upper).label("day")
    rows = session.execute(
        select(day, I.c.product_id, func.sum(I.c.quantity).label("sold"),
               func.count().label("lines"), func.min(S.c.created_at).label("first"),
               func.max(S.c.created_at).label("last"))
        .select_from(I.join(S, S.c.id == I.c.sale_id))
        .where(S.c.created_at >= lower, S.c.created_at < upper)
        .group_by(day, I.c.product_id)).all()
    shop: dict[date, tuple[datetime, datetime]] = {}
    for r in rows:
        d = date.fromisoformat(str(r.day))
        first, last = as_utc(r.first), as_utc(r.last)
        known = shop.get(d)
        shop[d] = (min(first, known[0]), max(last, known[1])) if known else (first, last)
    history = SalesHistory(open_days=set(shop))
    products: dict[int, dict[date, DaySales]] = defaultdict(dict)
    for r in rows:
        d = date.fromisoformat(str(r.day))
        share = sold_out_share(shop[d][0], shop[d][1], as_utc(r.last), int(r.lines))
        products[r.product_id][d] = DaySales(Decimal(r.sold), share)
    history.products = dict(products)
    return history


def _names(session: Session) -> dict[int, str]:
    return {r.id: r.name for r in session.execute(
        select(Product.id, Product.name).order_by(Product.name))}


LOOKAHEAD_DAYS = 14  # a plan further ahead counts the sales of two weeks before it, no more


@dataclass
class PlanFigures:
    """Each product's forecast for the planned day, and what it should sell before then."""

    forecast: dict[int, Decimal]
    sold_before: dict[int, Decimal]


def plan_figures(session: Session, day: date, tz: tzinfo, product_ids: list[int],
                 today: date | None = None) -> PlanFigures:
    """Forecasts for `day` and the sales expected from now until then, from whole days only.

    Today's sales so far are not a day's demand (the day is not over): the forecasts learn from
    the days before today, and today's sales only lower what today is still expected to sell.
    """
    until = min(day, today) if today is not None else day
    history = load_history(session, until - timedelta(days=WINDOW_DAYS),
                           until - timedelta(days=1), tz)
    figures = {pid: forecast(history.products.get(pid, {}), history.open_days, day)
               for pid in product_ids}
    if today is None or day <= today:
        return PlanFigures(figures, {})
    so_far = load_history(session, today, today, tz).products
    days = [today + timedelta(days=n) for n in range(min((day - today).days, LOOKAHEAD_DAYS))]
    expected = {pid: expected_until(history.products.get(pid, {}), history.open_days, days,
                                    so_far.get(pid, {}).get(today, DaySales(ZERO)).sold)
                for pid in product_ids}
    return PlanFigures(figures, expected)


def forecast_report(session: Session, day: date, tz: tzinfo, today: date | None = None) -> dict:
    """`GET /plans/forecast`: every product's forecast for a day."""
    names = _names(session)
    figures = plan_figures(session, day, tz, list(names), today).forecast
    return {"date": day, "items": [{"product_id": pid, "name": name, "forecast": figures[pid]}
                                   for pid, name in names.items()]}


def backtest_report(session: Session, start: date, end: date, tz: tzinfo,
                    today: date | None = None) -> dict:
    """The method against "same weekday last week" over [start, end], per product and overall.

    Only whole days can be scored: `end` must be before `today`."""
    if end < start:
        raise ValidationFailed("the range is empty", {"to": "must not be before 'from'"})
    if today is not None and end >= today:
        raise ValidationFailed("the range is not over yet",
                               {"to": f"must be before today ({today.isoformat()})"})
    if (end - start).days >= MAX_BACKTEST_DAYS:
        raise ValidationFailed("the range is too long",
                               {"to": f"a backtest covers at most {MAX_BACKTEST_DAYS} days"})
    history = load_history(session, start - timedelta(days=WINDOW_DAYS), end, tz)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    total = Score()
    items = []
    for pid, name in _names(session).items():
        score = backtest(history.products.get(pid, {}), history.open_days, days)
        total = total.plus(score)
        items.append({"product_id": pid, "name": name, "actual": score.actual,
                      "wape": score.wape, "naive_wape": score.naive_wape})
    scored = sum(1 for d in days if d in history.open_days)
    return {"from": start, "to": end, "days": scored, "wape": total.wape,
            "naive_wape": total.naive_wape, "items": items}
