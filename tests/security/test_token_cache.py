"""The token cache's bound: changes made here count at once, changes made elsewhere within
TOKEN_CACHE_SECONDS, and an expired token is never accepted (services/token_cache.py).

"Elsewhere" is another process: a second app on the same database (a cache of its own), or a
change written straight into the database. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, update

from bakery.clock import Clock, install
from bakery.db.engine import transaction
from bakery.db.models import ApiToken, User, as_utc
from bakery.services.token_cache import cache_for
from bakery.services.users import change_password, hash_token
from tests.conftest import Api, login

T0 = datetime(2031, 3, 4, 9, 0, tzinfo=timezone.utc)
BOUND = 5  # seconds: the default TOKEN_CACHE_SECONDS


@pytest.fixture
def shop(make_app, database_url):
    """An app with its clock frozen at T0, and `at(seconds)` to move that clock on."""
    application = make_app(database_url)
    install(application, Clock(frozen_at=T0))

    def at(seconds: float) -> None:
        install(application, Clock(frozen_at=T0 + timedelta(seconds=seconds)))

    application.at = at
    return application


def _user_id(app, api: Api) -> int:
    return api.ok("GET", "/auth/tokens")["items"][0]["user_id"]


def _statements(app) -> list[str]:
    seen: list[str] = []
    event.listen(app.extensions["bakery.engine"], "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


def test_a_token_revoked_in_the_database_works_until_the_bound_then_not(shop):
    cashier = login(shop, "cashier")
    cashier.ok("GET", "/products")
    with transaction(shop.extensions["bakery.sessions"]) as session:
        session.execute(update(ApiToken).values(revoked_at=T0))
    shop.at(BOUND - 1)
    cashier.ok("GET", "/products")  # within the bound the cached answer may still serve
    shop.at(BOUND)
    assert cashier.get("/products").status_code == 401


def test_a_user_deactivated_by_another_process_is_refused_within_the_bound(shop, make_app,
                                                                           database_url):
    other = make_app(database_url)
    install(other, Clock(frozen_at=T0))
    admin = login(other, "admin")
    baker = login(shop, "baker")
    baker.ok("GET", "/materials")
    admin.ok("PATCH", f"/users/{_user_id(shop, baker)}", json={"active": False})
    assert Api(other.test_client(), baker.token).get("/materials").status_code == 401  # there
    shop.at(BOUND - 0.5)
    baker.ok("GET", "/materials")
    shop.at(BOUND + 0.5)
    assert baker.get("/materials").status_code == 401


def test_a_role_changed_by_another_process_applies_within_the_bound(shop, make_app, database_url):
    other = make_app(database_url)
    admin = login(other, "admin")
    cashier = login(shop, "cashier")
    assert cashier.get("/materials").status_code == 403
    admin.ok("PATCH", f"/users/{_user_id(shop, cashier)}", json={"role": "baker"})
    shop.at(BOUND - 1)
    assert cashier.get("/materials").status_code == 403  # the cached role, for now
    shop.at(BOUND)
    cashier.ok("GET", "/materials")


def test_changes_made_through_this_process_take_effect_at_once(shop):
    admin = login(shop, "admin")
    cashier, baker, manager = login(shop, "cashier"), login(shop, "baker"), login(shop, "manager")
    for client in (cashier, baker, manager):
        client.ok("GET", "/products")  # every token cached
    token_id = cashier.ok("GET", "/auth/tokens")["items"][0]["id"]
    assert cashier.request("DELETE", f"/auth/tokens/{token_id}").status_code == 204
    assert cashier.get("/products").status_code == 401
    admin.ok("PATCH", f"/users/{_user_id(shop, baker)}", json={"active": False})
    assert baker.get("/products").status_code == 401
    manager_id = _user_id(shop, manager)
    manager.ok("GET", "/materials")
    admin.ok("PATCH", f"/users/{manager_id}", json={"role": "cashier"})
    assert manager.get("/materials").status_code == 403
    change_password(shop.extensions["bakery.sessions"], manager_id, "correct horse",
                    "another correct horse",
                    hash_method=shop.extensions["bakery.settings"].password_hash_method)
    assert manager.get("/products").status_code == 401


def test_an_expired_token_is_refused_even_while_cached(make_app, database_url):
    app = make_app(database_url, token_cache_seconds=60)
    install(app, Clock(frozen_at=T0))
    baker = login(app, "baker")
    with transaction(app.extensions["bakery.sessions"]) as session:
        session.execute(update(ApiToken).values(expires_at=T0 + timedelta(seconds=30)))
    baker.ok("GET", "/materials")  # read and cached with its expiry, 30 s away
    seen = _statements(app)
    install(app, Clock(frozen_at=T0 + timedelta(seconds=29)))
    baker.ok("GET", "/materials")
    seen.clear()
    install(app, Clock(frozen_at=T0 + timedelta(seconds=30)))
    assert baker.get("/materials").status_code == 401
    assert not [s for s in seen if "api_tokens" in s]  # refused from the cache, not the database


def test_last_used_is_still_recorded_once_a_minute(shop):
    baker = login(shop, "baker")
    sessions = shop.extensions["bakery.sessions"]

    def last_used() -> datetime:
        with sessions() as session:
            return as_utc(session.scalar(select(ApiToken.last_used_at)
                                         .where(ApiToken.token_hash == hash_token(baker.token))))

    baker.ok("GET", "/materials")
    assert last_used() == T0
    shop.at(30)
    baker.ok("GET", "/materials")
    assert last_used() == T0  # within the minute: not written again
    shop.at(61)
    baker.ok("GET", "/materials")
    assert last_used() == T0 + timedelta(seconds=61)
    shop.at(63)  # a cached hit within the next minute writes nothing
    baker.ok("GET", "/materials")
    assert last_used() == T0 + timedelta(seconds=61)


def test_the_cache_keeps_token_hashes_never_tokens(shop):
    baker = login(shop, "baker")
    baker.ok("GET", "/materials")
    cache = cache_for(shop.extensions["bakery.sessions"])
    assert cache is not None
    assert hash_token(baker.token) in cache and baker.token not in cache


def test_with_the_cache_off_a_change_in_the_database_counts_at_once(make_app, database_url):
    app = make_app(database_url, token_cache_seconds=0)
    assert cache_for(app.extensions["bakery.sessions"]) is None
    baker = login(app, "baker")
    baker.ok("GET", "/materials")
    with transaction(app.extensions["bakery.sessions"]) as session:
        session.execute(update(User).where(User.role == "baker").values(role="cashier"))
    assert baker.get("/materials").status_code == 403
