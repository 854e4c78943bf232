"""Forecasting a product's sales for a day from its own history, and scoring the forecast.

A pure function of the history (no clock, no database): the same history and target date give
the same forecast, and a forecast for day D reads only days before D, so a backtest can replay
it honestly. Everything is exact `Decimal` arithmetic; the statistics are a weighted mean and a
least-squares line over a few dozen points, which need no library.

The method, for a product and a target day D:

1. **The window.** The open days of the last `WINDOW_DAYS` days before D (a day is open when
   the shop sold anything; closed days are left out, not counted as zero), from the product's
   first day on sale.
2. **Demand, not sales.** A day that sold out early understates demand. When the product's last
   sale came so early that, at the rate it was selling, more sales were all but certain before
   the shop's last sale (`sold_out_share`), its demand is its sales divided by the share of
   the selling day that had passed (at most doubled).
3. **Weekday pattern.** A first least-squares line through the weekly mean demands gives the
   trend (each whole week holds every weekday once, so the pattern cancels out); each
   weekday's factor is the mean of demand over trend on that weekday, normalised to average 1
   (a weekday seen fewer than three times is pulled towards 1; one never open in the window
   is 0, the shop does not open then).
4. **Trend.** A second least-squares line through the weekday-adjusted demand against the day;
   its value on D (damped to at most `MAX_TREND` away from the window's mean) times D's weekday
   factor is the forecast.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .numbers import ZERO, quantity

WINDOW_DAYS = 56
MIN_TREND_DAYS = 14
MAX_TREND = Decimal("0.5")  # the trend moves a forecast at most 50% from the window's mean
MIN_SHARE = Decimal("0.5")  # a sold-out day's demand is at most twice its sales
SHRINK_DAYS = 1  # a pseudo-day pulling a rarely seen weekday's factor towards 1
MIN_WEEKDAY_DAYS = 3
MIN_LINES_FOR_SOLD_OUT = 3
SOLD_OUT_EXPECTED = 5  # further sales expected at the day's rate before we call it sold out
ONE = Decimal(1)


@dataclass(frozen=True)
class DaySales:
    """What one product sold on one day, and the share of the selling day that had passed at
    its last sale when it sold out early (None when it did not)."""

    sold: Decimal
    sold_out_share: Decimal | None = None


History = Mapping[date, DaySales]


def sold_out_share(shop_first: datetime, shop_last: datetime, product_last: datetime,
                   lines: int) -> Decimal | None:
    """The share of the shop's selling day passed at a product's last sale, when it sold out.

    The selling day runs from the shop's first sale to its last. A product sold `lines` times by
    share s sells, at that rate, lines * (1 - s) / s more times in the rest of the day; when that
    expectation exceeds 3 the chance of no further sale is under 5%, so the product must have run
    out. Fewer than three sales say too little to tell.
    """
    span = (shop_last - shop_first).total_seconds()
    if lines < MIN_LINES_FOR_SOLD_OUT or span <= 0:
        return None
    share = Decimal(int((product_last - shop_first).total_seconds())) / Decimal(int(span))
    if share <= 0 or lines * (ONE - share) <= SOLD_OUT_EXPECTED * share:
        return None
    return share


def demand(day: DaySales) -> Decimal:
    """A day's demand: its sales, scaled up by the share of the day left when it sold out."""
    if day.sold_out_share is None:
        return day.sold
    return day.sold / max(day.sold_out_share, MIN_SHARE)


def _window(history: History, open_days: Collection[date], target: date) -> list[date]:
    """The open days the forecast for `target` learns from, oldest first."""
    if not history:
        return []
    first_on_sale = min(history)
    start = max(target - timedelta(days=WINDOW_DAYS), first_on_sale)
    return sorted(d for d in open_days if start <= d < target)


def _mean(values: Iterable[Decimal]) -> Decimal:
    items = list(values)
    return sum(items, ZERO) / len(items) if items else ZERO


def weekday_factors(days: list[date], ratios: list[Decimal]) -> dict[int, Decimal]:
    """Each weekday's mean of `ratios` (demand over its trend), normalised to average 1 over
    the days seen (weekday 0 is Monday). A weekday seen fewer than `MIN_WEEKDAY_DAYS` times is
    shrunk towards 1 by one pseudo-day; one never open in a window of two weeks or more is 0
    (the shop does not open then)."""
    span = (days[-1] - days[0]).days + 1 if days else 0
    factors = {}
    for weekday in range(7):
        seen = [r for d, r in zip(days, ratios, strict=True) if d.weekday() == weekday]
        if not seen:
            factors[weekday] = ZERO if span >= 14 else ONE
            continue
        shrink = SHRINK_DAYS if len(seen) < MIN_WEEKDAY_DAYS else 0
        factors[weekday] = (sum(seen, ZERO) + shrink) / (len(seen) + shrink)
    mean = _mean([factors[d.weekday()] for d in days])
    return {w: f / mean for w, f in factors.items()} if mean else {}


def fit_line(offsets: list[int], values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """The least-squares line through (offset, value): (value at offset 0, slope).

    Fewer than `MIN_TREND_DAYS` points give a flat line at their mean.
    """
    mean_y = _mean(values)
    if len(values) < MIN_TREND_DAYS:
        return mean_y, ZERO
    mean_x = Decimal(sum(offsets)) / len(offsets)
    sxx = sum(((x - mean_x) ** 2 for x in offsets), ZERO)
    if sxx == 0:
        return mean_y, ZERO
    slope = sum(((x - mean_x) * y for x, y in zip(offsets, values, strict=True)), ZERO) / sxx
    return mean_y - slope * mean_x, slope


def weekly_trend(days: list[date], demands: list[Decimal], target: date
                 ) -> tuple[Decimal, Decimal]:
    """The trend of demand, blind to the weekday pattern: a line through the mean demand of
    each whole week of the history, counted back from its last day (every week holds each
    weekday once, so the pattern cancels out), as (value on `target`, slope per day); flat at
    the mean with under two whole weeks."""
    first, end = days[0], days[-1] + timedelta(days=1)
    weeks: dict[int, list[tuple[int, Decimal]]] = {}
    for d, y in zip(days, demands, strict=True):
        back = ((end - d).days - 1) // 7  # 0: the last seven days of the history
        if end - timedelta(days=7 * (back + 1)) >= first:  # a whole week in the window
            weeks.setdefault(back, []).append(((d - target).days, y))
    if len(weeks) < 2:
        return _mean(demands), ZERO
    centres = [sum(x for x, _ in week) / Decimal(len(week)) for week in weeks.values()]
    means = [_mean(y for _, y in week) for week in weeks.values()]
    mean_x, mean_y = _mean(centres), _mean(means)
    sxx = sum(((x - mean_x) ** 2 for x in centres), ZERO)
    slope = sum(((x - mean_x) * y for x, y in zip(centres, means, strict=True)), ZERO) / sxx
    return mean_y - slope * mean_x, slope


def trend_level(offsets: list[int], values: list[Decimal]) -> Decimal:
    """The line's value at offset 0, damped to within `MAX_TREND` of the values' mean."""
    mean_y = _mean(values)
    level, _ = fit_line(offsets, values)
    limit = abs(mean_y) * MAX_TREND
    return min(max(level, mean_y - limit), mean_y + limit)


def forecast(history: History, open_days: Collection[date], target: date) -> Decimal:
    """The product's expected demand on `target`, from days before it only (3 places)."""
    days = _window(history, open_days, target)
    if not days:
        return ZERO
    demands = [demand(history.get(d, DaySales(ZERO))) for d in days]
    offsets = [(d - target).days for d in days]
    level, slope = weekly_trend(days, demands, target)
    trend = [level + slope * x for x in offsets]
    if any(t <= 0 for t in trend):  # too little or too steep to divide by: weekday means only
        trend = [_mean(demands)] * len(days)
    if trend[0] <= 0:
        return ZERO
    factors = weekday_factors(days, [y / t for y, t in zip(demands, trend, strict=True)])
    if not factors:
        return ZERO
    adjusted = [y / factors[d.weekday()] for d, y in zip(days, demands, strict=True)]
    return quantity(max(trend_level(offsets, adjusted), ZERO) * factors[target.weekday()])


def expected_until(history: History, open_days: Collection[date], days: list[date],
                   sold_today: Decimal) -> Decimal:
    """Forecast demand over `days`, the first of which is today and has sold `sold_today`."""
    total = ZERO
    for n, day in enumerate(days):
        expected = forecast(history, open_days, day)
        total += max(expected - sold_today, ZERO) if n == 0 else expected
    return total


def naive(history: History, target: date) -> Decimal:
    """The rule bakers use: what sold on the same weekday a week earlier."""
    day = history.get(target - timedelta(days=7))
    return day.sold if day is not None else ZERO


@dataclass(frozen=True)
class Score:
    """Errors summed over products and days: |actual - forecast| for the method and naive."""

    actual: Decimal = ZERO
    error: Decimal = ZERO
    naive_error: Decimal = ZERO

    def add(self, actual: Decimal, predicted: Decimal, naive_predicted: Decimal) -> Score:
        return Score(self.actual + actual, self.error + abs(actual - predicted),
                     self.naive_error + abs(actual - naive_predicted))

    def plus(self, other: Score) -> Score:
        return Score(self.actual + other.actual, self.error + other.error,
                     self.naive_error + other.naive_error)

    @property
    def wape(self) -> Decimal | None:
        return wape(self.error, self.actual)

    @property
    def naive_wape(self) -> Decimal | None:
        return wape(self.naive_error, self.actual)


def wape(error: Decimal, actual: Decimal) -> Decimal | None:
    """Weighted absolute percentage error as a fraction, 4 places; None when nothing sold."""
    if actual == 0:
        return None
    return (error / actual).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def backtest(history: History, open_days: Collection[date], days: Iterable[date]) -> Score:
    """Replay the forecast and the naive rule over open `days`, each from earlier days only.

    Closed days are not scored: nobody could buy anything, so there was no demand to meet.
    """
    score = Score()
    for day in days:
        if day not in open_days:
            continue
        actual = history.get(day, DaySales(ZERO)).sold
        if history and day < min(history):
            continue  # not on sale yet
        score = score.add(actual, forecast(history, open_days, day), naive(history, day))
    return score
