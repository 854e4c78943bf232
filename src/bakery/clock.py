"""The one clock: what time it is, and which day it is in the bakery's zone (BAKERY_TIMEZONE).

Every "now" and "today" of the bakery comes from here. The application factory installs a
clock in the bakery's zone on the app; a test installs a frozen one instead
(`install(app, Clock(zone, frozen_at=moment))`). Outside an application, for a service called
on its own, it is the system clock in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from flask import Flask, current_app, has_app_context

UTC = timezone.utc
EXTENSION = "bakery.clock"


@dataclass(frozen=True)
class Clock:
    """The current moment, frozen at `frozen_at` when that is set, and the bakery's zone."""

    zone: tzinfo = UTC
    frozen_at: datetime | None = None

    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        if self.frozen_at is None:
            return datetime.now(UTC)
        return self.frozen_at.astimezone(UTC)

    def today(self) -> date:
        """The date on the bakery's wall calendar now."""
        return self.now().astimezone(self.zone).date()

    def at(self, day: date, wall: time) -> datetime:
        """The moment (in UTC) when the bakery's clocks show `wall` on `day`."""
        return datetime.combine(day, wall, self.zone).astimezone(UTC)


SYSTEM = Clock()


def install(app: Flask, clock: Clock) -> None:
    """Make `clock` the one `app` reads (the factory's own, or a frozen one in a test)."""
    app.extensions[EXTENSION] = clock


def current() -> Clock:
    """The running app's clock; the system clock in UTC outside an app."""
    if has_app_context():
        clock: Clock = current_app.extensions.get(EXTENSION, SYSTEM)
        return clock
    return SYSTEM


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return current().now()


def today() -> date:
    """The bakery's date now: it changes at local midnight, not at midnight UTC."""
    return current().today()


def bakery_zone() -> tzinfo:
    """The bakery's time zone: its local days, hours and weekdays."""
    return current().zone


def day_bounds(start: date | None, end: date | None, zone: tzinfo = UTC
               ) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates as a half-open range of UTC instants [start 00:00, end+1 00:00)."""
    lower = datetime.combine(start, time.min, zone).astimezone(UTC) if start else None
    upper = (datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
             if end else None)
    return lower, upper
