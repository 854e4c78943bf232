"""Rate limits: strict on token creation (brute force), a general API limit, shared via Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import login

REDIS_URL = os.environ.get("BAKERY_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _guess(client, email: str = "nobody@b.test"):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": "guess"})


def test_token_creation_is_limited_against_password_guessing(make_app, sqlite_url):
    app = make_app(sqlite_url, auth_rate_limit="3 per minute")
    client = app.test_client()
    assert [_guess(client).status_code for _ in range(3)] == [401, 401, 401]
    refused = _guess(client)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert set(refused.get_json()["error"]) == {"code", "message", "details"}
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # within the one-minute window


def test_the_strict_limit_counts_each_client_address_apart(make_app, sqlite_url):
    app = make_app(sqlite_url, auth_rate_limit="2 per minute")
    client = app.test_client()
    for _ in range(2):
        _guess(client)
    assert _guess(client).status_code == 429
    other = app.test_client()
    response = other.post("/api/v1/auth/tokens", json={"email": "x@b.test", "password": "guess"},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 401


def test_the_general_api_limit_is_configurable_and_answers_in_the_contract_format(make_app,
                                                                                 sqlite_url):
    app = make_app(sqlite_url, api_rate_limit="5 per minute", auth_rate_limit="100 per minute")
    api = login(app, "admin")  # one request counted against the API limit
    codes = [api.get("/materials").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert api.get("/materials").get_json()["error"]["code"] == "rate_limited"
    assert app.test_client().get("/healthz").status_code == 200  # operations endpoints are free


def test_the_default_api_limit_does_not_throttle_normal_work(sqlite_app):
    api = login(sqlite_app, "admin")
    assert {api.get("/materials").status_code for _ in range(100)} == {200}


def test_a_view_marked_auth_limited_gets_the_strict_limit_on_post_only(make_app, sqlite_url):
    from bakery.security import auth_limited

    # CSRF is the web forms' business; this bare view tests the limit alone.
    app = make_app(sqlite_url, {"WTF_CSRF_ENABLED": False}, auth_rate_limit="2 per minute")

    @auth_limited
    def sign_in():
        return "form"

    sign_in.required_roles = None
    app.add_url_rule("/sign-in", "sign_in", sign_in, methods=["GET", "POST"])
    client = app.test_client()
    assert [client.post("/sign-in").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/sign-in").status_code == 200


def _redis_or_fail() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def test_two_instances_sharing_redis_share_one_limit(make_app, sqlite_url):
    _redis_or_fail()
    prefix = f"bakery-test-{uuid.uuid4().hex}"
    first = make_app(sqlite_url, redis_url=REDIS_URL, rate_limit_prefix=prefix,
                     auth_rate_limit="4 per minute")
    second = make_app(sqlite_url, redis_url=REDIS_URL, rate_limit_prefix=prefix,
                      auth_rate_limit="4 per minute")
    a, b = first.test_client(), second.test_client()
    assert [_guess(c).status_code for c in (a, b, a, b)] == [401] * 4
    assert _guess(a).status_code == 429
    assert _guess(b).status_code == 429
    import redis

    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
    assert keys, "the limit lives in Redis under this run's prefix"
    redis.Redis.from_url(REDIS_URL).delete(*keys)


def test_instances_with_different_prefixes_do_not_interfere(make_app, sqlite_url):
    _redis_or_fail()
    one = make_app(sqlite_url, redis_url=REDIS_URL, auth_rate_limit="1 per minute")
    two = make_app(sqlite_url, redis_url=REDIS_URL, auth_rate_limit="1 per minute")
    assert _guess(one.test_client()).status_code == 401
    assert _guess(one.test_client()).status_code == 429
    assert _guess(two.test_client()).status_code == 401


def test_rate_limit_settings_are_checked_at_start_and_can_be_turned_off():
    from bakery.config import ConfigError, Settings

    assert Settings.from_env({"API_RATE_LIMIT": "100/minute;1000 per hour"}).api_rate_limit
    assert Settings.from_env({"API_RATE_LIMIT": "off"}).api_rate_limit == ""
    assert Settings.from_env({}).auth_rate_limit == "10 per minute"
    with pytest.raises(ConfigError, match="AUTH_RATE_LIMIT"):
        Settings.from_env({"AUTH_RATE_LIMIT": "lots"})


def test_a_limit_turned_off_does_not_apply(make_app, sqlite_url):
    app = make_app(sqlite_url, auth_rate_limit="")
    client = app.test_client()
    # other accounts each time: the per-account delay is not what this tests
    assert {_guess(client, f"nobody-{n}@b.test").status_code for n in range(15)} == {401}
