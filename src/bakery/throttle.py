"""Rate limits whose budget holds whatever the number of workers and instances.

A limit ("10 per minute", in the `limits` notation) is a fixed window: one counter per client and
window, which lapses with its window. Where the counters live decides who shares them:

- **Redis** (`REDIS_URL`): every worker and instance; one round trip per request (INCR and
  EXPIRE in one pipeline).
- **The database**: every worker and instance, for the login budget when there is no Redis;
  one upsert per login attempt, which is rare next to sales.
- **This process's memory**: for the whole-API budget when there is no Redis. No thread, no
  timer: an old window is dropped when the next one starts. With W worker processes each enforces
  1/W of the budget, so one machine never lets a client past it (an instance of its own needs
  Redis to share it with the others).

`Budget.spend` counts one request and raises `Refused` past any of its limits.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from .db.engine import WRITE_OPTION
from .db.models import ThrottleWindow
from .domain.errors import TooSoon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `amount` requests in each window of `seconds`."""

    amount: int
    seconds: int

    def describe(self) -> str:
        unit = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(self.seconds)
        return f"{self.amount} per {unit}" if unit else f"{self.amount} per {self.seconds} seconds"


def parse_limits(text: str) -> tuple[Limit, ...]:
    """'100 per minute;1000/day' -> its limits; '' -> none. ValueError when it does not parse."""
    if not text.strip():
        return ()
    from limits import parse_many

    return tuple(Limit(item.amount, int(item.get_expiry())) for item in parse_many(text))


class Refused(TooSoon):
    """Past a limit: try again after `retry_after` seconds (a 429 with Retry-After)."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"too many requests: at most {limit.describe()}; try again in "
                         f"{retry_after} seconds", retry_after)
        self.limit = limit


class Windows(Protocol):
    def hit(self, key: str, seconds: int, window: int) -> int:
        """Count one request in `window` (a number of `seconds`-long windows since the epoch)
        and return the count so far."""


class MemoryWindows:
    """Counters in this process, for the current window of each length only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[int, tuple[int, dict[str, int]]] = {}  # seconds -> (window, counts)

    def hit(self, key: str, seconds: int, window: int) -> int:
        with self._lock:
            current = self._counts.get(seconds)
            if current is None or current[0] != window:  # a new window: old counts lapse at once
                current = self._counts[seconds] = (window, {})
            counts = current[1]
            counts[key] = count = counts.get(key, 0) + 1
            return count


class RedisWindows:
    """Counters in Redis, shared by every process that uses the same key prefix."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def hit(self, key: str, seconds: int, window: int) -> int:
        pipe = self._redis.pipeline(transaction=False)
        name = f"{key}:{window}"
        pipe.incr(name)
        pipe.expire(name, seconds + 1)
        count, _ = pipe.execute()
        return int(count)


_WINDOWS = ThrottleWindow.__table__
_UPSERT = {
    name: dialect.insert(_WINDOWS)
    .on_conflict_do_update(index_elements=[_WINDOWS.c.key, _WINDOWS.c.window],
                           set_={"hits": _WINDOWS.c.hits + 1})
    .returning(_WINDOWS.c.hits)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class DatabaseWindows:
    """Counters in the database, shared by every process that uses it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def hit(self, key: str, seconds: int, window: int) -> int:
        lapses = datetime.fromtimestamp((window + 1) * seconds, timezone.utc)
        with self._engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(delete(_WINDOWS).where(
                    _WINDOWS.c.lapses_at < datetime.now(timezone.utc)))
                return int(connection.execute(_UPSERT[connection.dialect.name], {
                    "key": key, "window": window, "hits": 1, "lapses_at": lapses}).scalar_one())


class Budget:
    """Named limits per client, counted in one store."""

    def __init__(self, name: str, limits: Sequence[Limit], windows: Windows, prefix: str,
                 share: int = 1, clock: Callable[[], float] = time.time) -> None:
        self.name, self.limits, self.windows = name, tuple(limits), windows
        self.prefix, self.share, self.clock = prefix, max(1, share), clock
        # Per limit, what `spend` needs on every request, worked out once.
        self._counted = tuple((limit, f"{prefix}:{name}:{limit.seconds}:",
                               max(1, limit.amount // self.share)) for limit in self.limits)

    def spend(self, client: str) -> None:
        """Count a request by `client`; Refused when it goes past a limit.

        If the store fails (Redis or the database unreachable), the request goes through and
        the failure is logged: a limit must not take the shop down with it.
        """
        now = self.clock()
        for limit, key, allowed in self._counted:
            window = int(now // limit.seconds)
            try:
                count = self.windows.hit(key + client, limit.seconds, window)
            except Exception as exc:  # noqa: BLE001 - any store failure lets the request through
                log.warning("rate limit %s not checked: %s", self.name, exc.__class__.__name__)
                return
            if count > allowed:
                raise Refused(limit, max(1, math.ceil((window + 1) * limit.seconds - now)))


def windows_for(redis_url: str | None, fallback: Callable[[], Any]) -> Windows:
    """Redis when configured, otherwise what `fallback` makes."""
    return RedisWindows(redis_url) if redis_url else fallback()
