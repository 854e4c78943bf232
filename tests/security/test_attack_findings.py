"""Findings of an attack on the running app, one test (or a few) per finding and its fix.

docs/security.md lists each finding with the test that guards it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bakery.config import ConfigError, Settings
from bakery.db.migrate import upgrade
from tests.web.conftest import Browser, make_user

METRICS_TOKEN = "metrics-" + "0123456789abcdef"


# --- /metrics is not for the internet ---------------------------------------------------------

def test_metrics_answer_a_direct_local_scrape_without_a_token(sqlite_app):
    response = sqlite_app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "bakery_http_requests_total" in response.get_data(as_text=True)


@pytest.mark.parametrize("header", [{"X-Forwarded-For": "127.0.0.1"},
                                    {"X-Forwarded-For": "203.0.113.9"},
                                    {"Forwarded": "for=127.0.0.1"}])
def test_metrics_refuse_a_scrape_that_came_through_a_proxy(sqlite_app, header):
    response = sqlite_app.test_client().get("/metrics", headers=header)
    assert response.status_code == 404
    assert "bakery_http_requests_total" not in response.get_data(as_text=True)


def test_metrics_refuse_a_remote_address_even_behind_a_trusted_proxy(make_app, sqlite_url):
    app = make_app(sqlite_url, proxy_fix={"for": 1, "proto": 0, "host": 0, "port": 0,
                                          "prefix": 0})
    remote = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 404


def test_metrics_with_a_token_need_the_token_from_everywhere(make_app, sqlite_url):
    client = make_app(sqlite_url, metrics_token=METRICS_TOKEN).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-" + METRICS_TOKEN}
                      ).status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}",
                                              "X-Forwarded-For": "203.0.113.9"})
    assert scraped.status_code == 200
    assert "bakery_http_requests_total" in scraped.get_data(as_text=True)


def test_a_short_metrics_token_is_refused_at_start():
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        Settings.from_env({"METRICS_TOKEN": "short"})
    assert Settings.from_env({"METRICS_TOKEN": METRICS_TOKEN}).metrics_token == METRICS_TOKEN


# --- signed-in pages stay out of caches ---------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/materials", "/pos", "/sales", "/account/password"])
def test_signed_in_pages_are_never_cached(sqlite_app, path):
    browser = Browser(sqlite_app)
    browser.login(make_user(sqlite_app, "admin"))
    assert browser.get(path).headers["Cache-Control"] == "no-store"


def test_static_assets_keep_their_own_caching(sqlite_app):
    with sqlite_app.test_client().get("/assets/bakery.css") as response:
        assert response.status_code == 200
        assert "max-age" in response.headers["Cache-Control"]


# --- the development database is for its owner only -------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(make_app, tmp_path):
    database = tmp_path / "fresh" / "bakery.db"
    app = make_app(f"sqlite:///{database}")
    app.test_client().get("/readyz")
    assert _mode(database) == 0o600
    assert _mode(database.parent) == 0o700


def test_migrating_a_new_sqlite_database_creates_it_for_its_owner_only(tmp_path):
    database = tmp_path / "migrated.db"
    old = os.umask(0o022)
    try:
        upgrade(f"sqlite:///{database}")
    finally:
        os.umask(old)
    assert _mode(database) == 0o600



# --- hosts, redirects and JSON that says two things ----------------------------------------------

def test_a_redirect_never_names_the_host_the_request_claimed(sqlite_app):
    response = sqlite_app.test_client().get("/api/v1//materials",
                                            headers={"Host": "evil.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == "/api/v1/materials"


def test_with_trusted_hosts_set_any_other_host_is_refused(make_app, sqlite_url):
    client = make_app(sqlite_url, trusted_hosts=("shop.example",)).test_client()
    refused = client.get("/login", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    assert client.get("/login", headers={"Host": "shop.example"}).status_code == 200


def test_trusted_hosts_are_read_from_the_environment():
    assert Settings.from_env({"TRUSTED_HOSTS": "shop.example, .bakery.example"}).trusted_hosts \
        == ("shop.example", ".bakery.example")


def test_json_naming_a_key_twice_is_refused_and_changes_nothing(sqlite_app):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    response = api.post("/materials", data='{"name": "Flour", "unit": "kg", "name": "Salt"}',
                        content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert api.get("/materials").get_json()["items"] == []
