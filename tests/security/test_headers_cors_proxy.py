"""Security headers on every response, CORS only where configured, ProxyFix by hop count."""

from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/materials", "/api/v1/openapi.json",
                                  "/no-such-page"])
def test_every_response_carries_the_security_headers(sqlite_app, path):
    response = sqlite_app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not outside production


def test_production_adds_hsts(make_app, sqlite_url):
    app = make_app(sqlite_url, env="production", secret_key="k3y-" + "abcdefghij" * 4)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_api_answers_are_not_cached(sqlite_app):
    api = login(sqlite_app, "admin")
    assert api.get("/materials").headers["Cache-Control"] == "no-store"


def test_cors_is_off_by_default(sqlite_app):
    response = sqlite_app.test_client().get("/api/v1/openapi.json",
                                            headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_only_the_configured_origins_and_only_on_the_api(make_app, sqlite_url):
    app = make_app(sqlite_url, cors_origins=("https://till.example",))
    client = app.test_client()
    allowed = client.options("/api/v1/sales", headers={
        "Origin": "https://till.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://till.example"
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = client.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    outside = client.get("/healthz", headers={"Origin": "https://till.example"})
    assert "Access-Control-Allow-Origin" not in outside.headers


def test_cors_origins_come_from_a_comma_separated_setting():
    from bakery.config import Settings

    settings = Settings.from_env({"CORS_ORIGINS": "https://a.example, https://b.example,"})
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert Settings.from_env({}).cors_origins == ()


def _peer(app, headers):
    @app.get("/_peer")
    def peer():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme}

    peer.required_roles = None
    return app.test_client().get("/_peer", headers=headers).get_json()


def test_forwarded_headers_are_ignored_without_proxy_fix(sqlite_app):
    seen = _peer(sqlite_app, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "127.0.0.1", "scheme": "http"}


def test_proxy_fix_trusts_the_configured_number_of_hops(make_app, sqlite_url):
    app = make_app(sqlite_url, proxy_fix={"for": 1, "proto": 1, "host": 0, "port": 0, "prefix": 0})
    seen = _peer(app, {"X-Forwarded-For": "198.51.100.1, 203.0.113.9",
                       "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}


def test_proxy_fix_hops_are_read_from_the_environment():
    from bakery.config import ConfigError, Settings

    assert Settings.from_env({"PROXY_FIX_X_FOR": "2"}).proxy_fix["for"] == 2
    with pytest.raises(ConfigError, match="PROXY_FIX_X_PROTO"):
        Settings.from_env({"PROXY_FIX_X_PROTO": "-1"})


def test_the_openapi_document_lists_the_new_operations_and_rate_limits(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    assert "delete" in document["paths"]["/auth/tokens/{token_id}"]
    assert "patch" in document["paths"]["/users/{user_id}"]
    assert "get" in document["paths"]["/audit-log"]
    assert all("429" in entry["responses"] for path in document["paths"].values()
               for entry in path.values())
