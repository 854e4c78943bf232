"""The token cache on its own: its size bound, its lifetime, forgetting, and stale answers."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from bakery.config import ConfigError, Settings
from bakery.services.token_cache import KnownToken, TokenCache
from bakery.services.users import Principal

T0 = datetime(2031, 3, 4, 9, 0, tzinfo=timezone.utc)


def _known(user_id: int, token_id: int, cached_at: datetime = T0) -> KnownToken:
    return KnownToken(Principal(user_id, f"u{user_id}@b.test", "baker"), token_id,
                      cached_at + timedelta(hours=12), None, cached_at)


def test_an_entry_serves_for_its_lifetime_and_not_a_moment_longer_or_earlier():
    cache = TokenCache(5)
    cache.put("h", _known(1, 1), cache.generation)
    assert cache.get("h", T0 + timedelta(seconds=4.999)) is not None
    assert cache.get("h", T0 - timedelta(seconds=1)) is None  # a clock set back: read again
    assert "h" not in cache
    cache.put("h", _known(1, 1), cache.generation)
    assert cache.get("h", T0 + timedelta(seconds=5)) is None


def test_the_cache_never_holds_more_than_its_bound_and_drops_the_oldest_first():
    cache = TokenCache(5, max_entries=3)
    for n in range(5):
        cache.put(f"h{n}", _known(n, n, T0 + timedelta(seconds=n / 10)), cache.generation)
    assert len(cache) == 3
    assert [f"h{n}" in cache for n in range(5)] == [False, False, True, True, True]


def test_lapsed_entries_make_room_before_fresh_ones_go():
    cache = TokenCache(5, max_entries=2)
    cache.put("old", _known(1, 1, T0), cache.generation)
    cache.put("fresh", _known(2, 2, T0 + timedelta(seconds=4)), cache.generation)
    cache.put("new", _known(3, 3, T0 + timedelta(seconds=6)), cache.generation)
    assert "old" not in cache and "fresh" in cache and "new" in cache


def test_forgetting_a_user_or_a_token_drops_only_theirs():
    cache = TokenCache(5)
    for name, user, token in (("a", 1, 10), ("b", 1, 11), ("c", 2, 12), ("d", 3, 13)):
        cache.put(name, _known(user, token), cache.generation)
    cache.forget_user(1)
    cache.forget_token(12)
    assert ["a" in cache, "b" in cache, "c" in cache, "d" in cache] == [False, False, False, True]


def test_an_answer_read_before_a_change_here_is_not_stored():
    cache = TokenCache(5)
    generation = cache.generation  # a request starts reading the database...
    cache.forget_user(1)  # ...meanwhile the user is deactivated here
    cache.put("h", _known(1, 1), generation)
    assert "h" not in cache
    cache.put("h", _known(1, 1), cache.generation)
    assert "h" in cache


def test_threads_may_read_write_and_forget_at_once():
    cache = TokenCache(5, max_entries=50)
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(2000):
                name = f"h{(n + offset) % 80}"
                cache.put(name, _known(n % 7, n), cache.generation)
                cache.get(name, T0)
                if n % 97 == 0:
                    cache.forget_user(n % 7)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(k * 13,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(cache) <= 50


def test_token_cache_seconds_comes_from_the_environment_within_its_range():
    assert Settings.from_env({}).token_cache_seconds == 5
    assert Settings.from_env({"TOKEN_CACHE_SECONDS": "0"}).token_cache_seconds == 0
    assert Settings.from_env({"TOKEN_CACHE_SECONDS": "60"}).token_cache_seconds == 60
    for bad in ("61", "-1", "soon"):
        with pytest.raises(ConfigError, match="TOKEN_CACHE_SECONDS"):
            Settings.from_env({"TOKEN_CACHE_SECONDS": bad})
