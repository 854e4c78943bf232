"""Who a bearer token belongs to, remembered by this process for a few seconds.

Checking a token is a database read on every API request. With `TOKEN_CACHE_SECONDS` above 0
the answer is kept, keyed by the token's SHA-256 (never the token), for at most that many seconds
by the app's clock, in at most `MAX_ENTRIES` entries; 0 reads the database every time.

What that means for a token (services/users.py keeps each promise):

- A revocation, deactivation, role change or password change made through this process drops
  the user's or the token's entries when it commits: it takes effect at once here.
- The same change made by another process (another worker or instance, a manual UPDATE) takes
  effect here within `TOKEN_CACHE_SECONDS`, when the entry lapses and the database is read anew.
- A token's expiry is checked on every request, from the cached `expires_at`: an expired token
  is never accepted.

A lookup that began before a change was committed here never stores its (possibly stale) answer:
every change bumps a generation, and an answer is stored only if the generation it was read
under is still the current one.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .users import Principal

MAX_ENTRIES = 10_000  # tokens in use at once in one process; the oldest entry goes first past it


class KnownToken:
    """A token's principal as last read from the database, and when it was read."""

    __slots__ = ("cached_at", "expires_at", "last_used_at", "principal", "token_id")

    def __init__(self, principal: Principal, token_id: int, expires_at: datetime,
                 last_used_at: datetime | None, cached_at: datetime) -> None:
        self.principal = principal
        self.token_id = token_id
        self.expires_at = expires_at
        self.last_used_at = last_used_at  # as this process last saw or wrote it
        self.cached_at = cached_at


class TokenCache:
    """Thread-safe map of token hash -> KnownToken, each entry good for `seconds`."""

    def __init__(self, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        if seconds <= 0 or max_entries < 1:
            raise ValueError("a token cache needs a positive lifetime and size")
        self.lifetime = timedelta(seconds=seconds)
        self.max_entries = max_entries
        self._entries: OrderedDict[str, KnownToken] = OrderedDict()  # oldest first
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Read this before looking a token up in the database; pass it to `put`."""
        return self._generation

    def get(self, token_hash: str, now: datetime) -> KnownToken | None:
        """The entry while it is fresh (read at most `lifetime` ago, and not in the future)."""
        known = self._entries.get(token_hash)
        if known is None:
            return None
        if known.cached_at <= now < known.cached_at + self.lifetime:
            return known
        with self._lock:
            if self._entries.get(token_hash) is known:
                del self._entries[token_hash]
        return None

    def put(self, token_hash: str, known: KnownToken, generation: int) -> None:
        """Remember `known` unless a change was made here since `generation` was read."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries.pop(token_hash, None)  # re-inserted last: oldest first stays true
            if len(self._entries) >= self.max_entries:
                self._make_room(known.cached_at)
            self._entries[token_hash] = known

    def _make_room(self, now: datetime) -> None:
        """Drop lapsed entries from the oldest on, then the oldest one if still full."""
        entries = self._entries
        while entries:
            oldest = next(iter(entries.values()))
            if oldest.cached_at + self.lifetime > now:
                break
            entries.popitem(last=False)
        if len(entries) >= self.max_entries:
            entries.popitem(last=False)

    def forget_user(self, user_id: int) -> None:
        """Drop every entry of a user (a new role, deactivated, tokens revoked)."""
        with self._lock:
            self._generation += 1
            for token_hash in [h for h, k in self._entries.items() if k.principal.id == user_id]:
                del self._entries[token_hash]

    def forget_token(self, token_id: int) -> None:
        """Drop the entry of one token (revoked)."""
        with self._lock:
            self._generation += 1
            for token_hash in [h for h, k in self._entries.items() if k.token_id == token_id]:
                del self._entries[token_hash]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token_hash: object) -> bool:
        return token_hash in self._entries


# One cache per session factory, i.e. per application: a second app in the same process (as in
# the tests) is another reader of the database, with a cache of its own.
_CACHES: weakref.WeakKeyDictionary[object, TokenCache] = weakref.WeakKeyDictionary()


def attach(factory: object, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
    """Give the application behind `factory` a token cache of `seconds` (0: none)."""
    if seconds > 0:
        _CACHES[factory] = TokenCache(seconds, max_entries)
    else:
        _CACHES.pop(factory, None)


def cache_for(factory: object) -> TokenCache | None:
    """The token cache of the application behind `factory`, if it has one."""
    return _CACHES.get(factory)
