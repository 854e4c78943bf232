"""The forecast on generated histories where the right answer is known."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bakery.domain.forecast import (
    DaySales,
    backtest,
    demand,
    forecast,
    naive,
    sold_out_share,
    trend_level,
    wape,
    weekday_factors,
)

D = Decimal
TARGET = date(2026, 11, 23)  # a Monday
WEEKLY = [10, 10, 10, 10, 20, 30, 0]  # Monday .. Sunday: busy weekends, closed Sundays


def days_before(target: date, count: int) -> list[date]:
    return [target - timedelta(days=n) for n in range(count, 0, -1)]


def history_of(sales: dict[date, int]) -> dict[date, DaySales]:
    return {d: DaySales(D(q)) for d, q in sales.items()}


def test_a_flat_history_forecasts_its_level():
    days = days_before(TARGET, 56)
    assert forecast(history_of(dict.fromkeys(days, 12)), set(days), TARGET) == D("12.000")


def test_the_weekly_pattern_is_learnt_day_by_day():
    days = [d for d in days_before(TARGET + timedelta(days=7), 63) if d.isoweekday() != 7]
    history = history_of({d: WEEKLY[d.weekday()] for d in days if d < TARGET})
    opened = {d for d in days if d < TARGET}
    for target in (TARGET + timedelta(days=n) for n in range(6)):
        assert forecast(history, opened, target) == D(WEEKLY[target.weekday()])


def test_closed_days_are_left_out_not_counted_as_zero():
    days = days_before(TARGET, 56)
    closed = {days[10], days[30], days[45]}
    history = history_of({d: 8 for d in days if d not in closed})
    assert forecast(history, set(days) - closed, TARGET) == D("8.000")


def test_a_steady_trend_is_followed():
    days = days_before(TARGET, 56)
    history = history_of({d: 100 + (d - TARGET).days for d in days})  # one more every day
    assert forecast(history, set(days), TARGET) == D("100.000")


def test_a_trend_and_a_weekly_pattern_together():
    days = [d for d in days_before(TARGET, 56) if d.isoweekday() != 7]
    history = history_of({d: WEEKLY[d.weekday()] * (100 + (d - TARGET).days) // 10
                          for d in days})
    got = forecast(history, set(days), TARGET)  # a Monday: 10 x 100 / 10
    assert abs(got - 100) <= 2, got


def test_the_trend_is_damped_to_half_the_mean():
    days = days_before(TARGET, 28)
    values = [D(x) for x in range(28)]
    level = trend_level([(d - TARGET).days for d in days], [v * 100 for v in values])
    assert level == D("2025.0")  # mean 1350 + 50%, not the line's 2800


def test_a_sold_out_day_counts_as_more_demand_than_it_sold():
    days = days_before(TARGET, 28)
    history = history_of(dict.fromkeys(days, 10))
    for d in days[-7:]:
        history[d] = DaySales(D(5), D("0.5"))  # half of it by noon, then none left
    assert forecast(history, set(days), TARGET) == D("10.000")


def test_sold_out_is_told_by_the_last_sale_against_the_shops_day():
    opening = datetime(2026, 11, 20, 7, tzinfo=timezone.utc)
    closing = opening + timedelta(hours=10)
    noon = opening + timedelta(hours=5)
    assert sold_out_share(opening, closing, noon, 12) == D("0.5")
    assert sold_out_share(opening, closing, noon, 2) is None  # too few sales to tell
    assert sold_out_share(opening, closing, closing - timedelta(minutes=20), 12) is None
    assert demand(DaySales(D(12), D("0.5"))) == D(24)
    assert demand(DaySales(D(12), D("0.1"))) == D(24)  # at most doubled


def test_no_history_forecasts_nothing():
    assert forecast({}, set(), TARGET) == 0
    days = days_before(TARGET, 14)
    assert forecast(history_of(dict.fromkeys(days, 0)), set(days), TARGET) == 0


def test_the_forecast_reads_only_days_before_its_target():
    days = days_before(TARGET, 56)
    history = history_of(dict.fromkeys(days, 10))
    with_future = history | history_of({TARGET: 500, TARGET + timedelta(days=3): 900})
    opened = set(days) | {TARGET, TARGET + timedelta(days=3)}
    assert forecast(with_future, opened, TARGET) == forecast(history, set(days), TARGET)


def test_weekday_factors_shrink_towards_one_when_seen_rarely():
    monday, tuesday = date(2026, 11, 16), date(2026, 11, 17)
    factors = weekday_factors([monday, tuesday], [D("1.5"), D("0.5")])
    assert factors[0] == D("1.25") and factors[1] == D("0.75") and factors[2] == 1


def test_a_weekday_never_open_over_two_weeks_forecasts_nothing():
    days = [d for d in days_before(TARGET, 21) if d.isoweekday() != 7]
    history = history_of(dict.fromkeys(days, 10))
    assert forecast(history, set(days), TARGET - timedelta(days=1)) == 0  # a Sunday


def test_naive_is_last_weeks_same_weekday():
    history = history_of({TARGET - timedelta(days=7): 13, TARGET - timedelta(days=1): 99})
    assert naive(history, TARGET) == 13
    assert naive({}, TARGET) == 0


def test_backtest_scores_only_open_days_and_beats_naive_on_noise():
    days = days_before(TARGET, 84)
    noise = [3, -2, 1, -3, 2, 0, -1, 4, -4, 2, -1, 1, -2, 3]
    sales = {d: 20 + noise[i % len(noise)] for i, d in enumerate(days)}
    closed = {days[70]}
    history = history_of({d: q for d, q in sales.items() if d not in closed})
    score = backtest(history, set(days) - closed, days[56:])
    assert score.actual == sum(q for d, q in sales.items() if d in days[56:] and d not in closed)
    assert score.wape is not None and score.naive_wape is not None
    assert score.wape < score.naive_wape


def test_wape_is_error_over_actual():
    assert wape(D(5), D(20)) == D("0.2500")
    assert wape(D(1), D(0)) is None


def test_expected_sales_count_the_rest_of_today_and_the_days_between():
    from bakery.domain.forecast import expected_until

    days = days_before(TARGET, 28)
    history = history_of(dict.fromkeys(days, 10))
    between = [TARGET, TARGET + timedelta(days=1)]
    assert expected_until(history, set(days), between, D(4)) == D(16)  # 10 - 4, then 10
    assert expected_until(history, set(days), between, D(15)) == D(10)  # today beat its forecast
