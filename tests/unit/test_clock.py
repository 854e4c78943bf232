"""The one clock: the bakery's day turns at local midnight, and a frozen clock stands still."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask

from bakery.clock import UTC, Clock, bakery_zone, current, day_bounds, install, now, today

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_bakerys_day_begins_at_local_midnight_not_at_midnight_utc():
    clock = Clock(BERLIN, frozen_at=datetime(2026, 11, 28, 23, 30, tzinfo=UTC))
    assert clock.today() == date(2026, 11, 29)
    assert Clock(UTC, frozen_at=clock.frozen_at).today() == date(2026, 11, 28)


def test_a_frozen_clock_answers_in_utc_whatever_zone_it_was_given():
    moment = datetime(2026, 11, 29, 0, 30, tzinfo=BERLIN)
    assert Clock(BERLIN, frozen_at=moment).now() == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert Clock(BERLIN, frozen_at=moment).now().tzinfo is UTC


def test_a_wall_time_is_the_moment_the_bakerys_clocks_show_it():
    assert Clock(BERLIN).at(date(2026, 7, 1), time(7, 0)) == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert Clock(BERLIN).at(date(2026, 12, 1), time(7, 0)) == datetime(2026, 12, 1, 6, 0,
                                                                        tzinfo=UTC)


def test_local_days_are_a_half_open_range_of_utc_instants():
    lower, upper = day_bounds(date(2026, 3, 29), date(2026, 3, 29), BERLIN)  # clocks go forward
    assert lower == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert upper == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert day_bounds(None, None) == (None, None)


def test_outside_an_app_the_clock_is_the_systems_in_utc():
    assert current().frozen_at is None and bakery_zone() is UTC
    assert now().tzinfo is UTC


def test_an_app_reads_the_clock_installed_on_it():
    app = Flask(__name__)
    install(app, Clock(BERLIN, frozen_at=datetime(2026, 11, 28, 23, 30, tzinfo=UTC)))
    with app.app_context():
        assert (today(), bakery_zone()) == (date(2026, 11, 29), BERLIN)
        assert now() == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
