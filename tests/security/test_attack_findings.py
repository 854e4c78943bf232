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


# --- Idempotency-Keys are kept for a stated time, then purged ------------------------------------

def _keys(app):
    from sqlalchemy import func, select

    from bakery.db.models import IdempotencyKey

    with app.extensions["bakery.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(IdempotencyKey))


def _sell_with_keys(app, keys):
    from tests.builders import Bakery, ThroughApi
    from tests.conftest import login

    api = login(app, "admin")
    bread = Bakery(ThroughApi(api)).stocked_bread(loaves=len(keys))
    for key in keys:
        api.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": "1"}]},
               headers={"Idempotency-Key": key})
    return api, bread


def test_keys_past_their_retention_are_purged_and_newer_ones_kept(database_url, tmp_path):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from bakery import create_app
    from bakery.db.models import IdempotencyKey
    from bakery.services.retention import purge_idempotency_keys
    from tests.conftest import make_settings

    app = create_app(settings=make_settings(database_url, tmp_path))
    try:
        api, bread = _sell_with_keys(app, ["old-1", "old-2", "old-3", "new-1"])
        factory = app.extensions["bakery.sessions"]
        now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
        with factory() as session, session.begin():
            session.execute(update(IdempotencyKey).where(IdempotencyKey.key.like("old-%"))
                            .values(created_at=now - timedelta(days=8)))
            session.execute(update(IdempotencyKey).where(IdempotencyKey.key == "new-1")
                            .values(created_at=now - timedelta(days=6)))
        assert purge_idempotency_keys(factory, timedelta(days=7), now=now, batch=2) == 3
        assert _keys(app) == 1
        assert purge_idempotency_keys(factory, timedelta(days=7), now=now) == 0
        # the kept key still replays; a purged one is a new request
        replay = api.post("/sales", json={"items": [{"product_id": bread, "quantity": "1"}]},
                          headers={"Idempotency-Key": "new-1"})
        assert replay.status_code == 201
    finally:
        app.extensions["bakery.engine"].dispose()


def test_the_purge_command_keeps_the_configured_days(sqlite_app):
    _sell_with_keys(sqlite_app, ["k-1"])
    result = sqlite_app.test_cli_runner().invoke(args=["purge-keys", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "purged 0 Idempotency-Keys older than 1 days" in result.output
    assert _keys(sqlite_app) == 1
    assert sqlite_app.test_cli_runner().invoke(args=["purge-keys", "--days", "0"]).exit_code != 0


def test_the_retention_is_a_setting_of_at_least_a_day():
    assert Settings.from_env({}).idempotency_key_days == 7
    assert Settings.from_env({"IDEMPOTENCY_KEY_DAYS": "30"}).idempotency_key_days == 30
    with pytest.raises(ConfigError, match="IDEMPOTENCY_KEY_DAYS"):
        Settings.from_env({"IDEMPOTENCY_KEY_DAYS": "0"})


def test_the_running_app_purges_old_keys_after_an_answer_without_a_scheduler(
        make_app, sqlite_url, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    import bakery
    from bakery.db.models import IdempotencyKey

    monkeypatch.setattr(bakery, "PURGE_EVERY_SECONDS", 0.0)
    app = make_app(sqlite_url)
    _sell_with_keys(app, ["stale"])
    with app.extensions["bakery.sessions"]() as session, session.begin():
        session.execute(update(IdempotencyKey).values(
            created_at=datetime.now(timezone.utc) - timedelta(days=30)))
    assert _keys(app) == 1
    with app.test_client().get("/healthz") as response:
        assert response.status_code == 200
    assert _keys(app) == 0


# --- one login budget for every entry point, real whatever the worker count -------------------

def _token_guess(client, email="anna@b.test", password="not it", **kwargs):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                       **kwargs)


def _form_guess(app, email="anna@b.test", password="not it"):
    browser = Browser(app)
    browser.get("/login")
    return browser.client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": browser.token})


def test_the_token_endpoint_and_the_login_form_share_one_budget(make_app, sqlite_url):
    app = make_app(sqlite_url, auth_rate_limit="4 per minute", login_free_failures=100)
    client = app.test_client()
    assert [_token_guess(client, f"a{n}@b.test").status_code for n in range(2)] == [401, 401]
    assert [_form_guess(app, f"b{n}@b.test").status_code for n in range(2)] == [400, 400]
    assert _form_guess(app, "c@b.test").status_code == 429
    assert _token_guess(client, "d@b.test").status_code == 429


def test_workers_without_redis_share_the_login_budget_through_the_database(make_app, sqlite_url):
    first = make_app(sqlite_url, auth_rate_limit="3 per minute", login_free_failures=100,
                     rate_limit_prefix="shared", web_concurrency=2)
    second = make_app(sqlite_url, auth_rate_limit="3 per minute", login_free_failures=100,
                      rate_limit_prefix="shared", web_concurrency=2)
    a, b = first.test_client(), second.test_client()
    assert [_token_guess(c, f"x{n}@b.test").status_code for n, c in enumerate((a, b, a))] \
        == [401, 401, 401]
    assert _token_guess(b, "y@b.test").status_code == 429


def test_a_worker_without_redis_enforces_its_share_of_the_api_budget(make_app, sqlite_url):
    from tests.conftest import login

    app = make_app(sqlite_url, api_rate_limit="8 per minute", web_concurrency=2)
    api = login(app, "admin")  # the token request is the first of this worker's four
    assert [api.get("/materials").status_code for _ in range(4)] == [200, 200, 200, 429]


# --- a growing delay per account, that cannot lock staff out for long --------------------------

def _frozen(app, moment):
    from bakery.clock import UTC, Clock, install

    install(app, Clock(UTC, frozen_at=moment))


def test_wrong_passwords_in_a_row_make_the_account_wait_longer_each_time(make_app, sqlite_url):
    from datetime import datetime, timedelta, timezone

    app = make_app(sqlite_url, login_free_failures=3, login_delay_max_seconds=60)
    email = make_user(app, "cashier")
    client = app.test_client()
    start = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    _frozen(app, start)
    assert [_token_guess(client, email).status_code for _ in range(3)] == [401, 401, 401]
    waiting = _token_guess(client, email, "correct horse")
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "2"
    assert waiting.get_json()["error"]["code"] == "rate_limited"
    _frozen(app, start + timedelta(seconds=2))
    assert _token_guess(client, email).status_code == 401  # the fourth failure
    assert _token_guess(client, email).headers["Retry-After"] == "4"  # then twice as long
    _frozen(app, start + timedelta(seconds=6))
    assert _token_guess(client, email, "correct horse").status_code == 201  # and the count resets
    assert _token_guess(client, email).status_code == 401


def test_the_delay_is_the_same_for_unknown_emails_and_is_capped(make_app, sqlite_url):
    from datetime import datetime, timedelta, timezone

    app = make_app(sqlite_url, login_free_failures=1, login_delay_max_seconds=30)
    client = app.test_client()
    moment = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    for _ in range(12):
        _frozen(app, moment)
        assert _token_guess(client, "nobody@b.test").status_code == 401
        moment += timedelta(seconds=int(_token_guess(client, "nobody@b.test")
                                        .headers["Retry-After"]))
    _frozen(app, moment)
    _token_guess(client, "nobody@b.test")
    assert _token_guess(client, "nobody@b.test").headers["Retry-After"] == "30"


def test_the_login_form_shows_the_wait_and_answers_429(make_app, sqlite_url):
    app = make_app(sqlite_url, login_free_failures=1)
    email = make_user(app, "baker")
    assert _form_guess(app, email).status_code == 400
    refused = _form_guess(app, email, "correct horse")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many wrong passwords for this account" in refused.get_data(as_text=True)


# --- browser sessions end on the server -------------------------------------------------------

def _cookie(browser):
    return browser.client.get_cookie("session").value


def test_an_old_cookie_opens_nothing_after_logout(sqlite_app):
    browser = Browser(sqlite_app)
    browser.login(make_user(sqlite_app, "admin"))
    copied = _cookie(browser)
    browser.get("/")  # the page with the sign-out button and its form token
    browser.post("/logout", {})
    thief = sqlite_app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/materials").status_code == 302


def test_a_password_change_ends_the_other_browsers_but_not_this_one(sqlite_app):
    email = make_user(sqlite_app, "manager")
    here, there = Browser(sqlite_app), Browser(sqlite_app)
    here.login(email)
    there.login(email)
    here.get("/account/password")
    here.post("/account/password", {"current_password": "correct horse",
                                    "new_password": "a fresh loaf at dawn",
                                    "confirm_password": "a fresh loaf at dawn"})
    assert here.client.get("/materials").status_code == 200
    assert there.client.get("/materials").status_code == 302


def test_deactivation_ends_the_sessions_of_the_account(sqlite_app):
    from bakery.services.users import set_active
    from tests.conftest import login

    admin = login(sqlite_app, "admin")
    admin_id = admin.get("/users").get_json()["items"][0]["id"]
    email = make_user(sqlite_app, "baker")
    browser = Browser(sqlite_app)
    browser.login(email)
    user_id = next(u["id"] for u in admin.get("/users").get_json()["items"] if u["email"] == email)
    set_active(sqlite_app.extensions["bakery.sessions"], user_id, False, acting_user_id=admin_id)
    assert browser.client.get("/materials").status_code == 302


def test_a_session_lasts_twelve_hours_on_the_server_and_in_the_cookie(make_app, sqlite_url):
    from datetime import datetime, timedelta, timezone

    app = make_app(sqlite_url)
    start = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)
    _frozen(app, start)
    browser = Browser(app)
    response = browser.login(make_user(app, "baker"))
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime == timedelta(hours=12)
    _frozen(app, start + timedelta(hours=11, minutes=59))
    assert browser.client.get("/materials").status_code == 200
    _frozen(app, start + timedelta(hours=12, minutes=1))
    assert browser.client.get("/materials").status_code == 302


# --- the password form is not a free guessing machine -----------------------------------------

def test_guesses_of_the_current_password_count_like_wrong_logins(make_app, sqlite_url):
    app = make_app(sqlite_url, login_free_failures=2)
    browser = Browser(app)
    browser.login(make_user(app, "cashier"))
    guess = {"current_password": "not it", "new_password": "a fresh loaf at dawn",
             "confirm_password": "a fresh loaf at dawn"}
    browser.get("/account/password")
    for _ in range(2):
        assert browser.post("/account/password", guess, status=400)
    assert browser.client.post("/account/password", data={
        **guess, "csrf_token": browser.token}).status_code == 429


def test_the_password_form_draws_on_the_login_budget(make_app, sqlite_url):
    app = make_app(sqlite_url, auth_rate_limit="3 per minute", login_free_failures=100)
    browser = Browser(app)
    browser.login(make_user(app, "cashier"))  # one
    guess = {"current_password": "not it", "new_password": "a fresh loaf at dawn",
             "confirm_password": "a fresh loaf at dawn", "csrf_token": browser.token}
    browser.get("/account/password")
    guess["csrf_token"] = browser.token
    codes = [browser.client.post("/account/password", data=guess).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


# --- weak passwords --------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "password"), [
    ("cashier", "password"), ("cashier", "aaaaaaaa"), ("baker", "anna.baker@shop.test"),
    ("baker", "bakery123"), ("admin", "Tr0ub4dor&3"),
])
def test_weak_and_contextual_passwords_are_refused(sqlite_app, role, password):
    from tests.conftest import login

    admin = login(sqlite_app, "admin")
    response = admin.post("/users", json={"email": "anna.baker@shop.test", "role": role,
                                          "password": password})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["details"]
    assert all(u["email"] != "anna.baker@shop.test"
               for u in admin.get("/users").get_json()["items"])


# --- CSV: every field quoted -------------------------------------------------------------------

def test_a_name_that_hides_a_formula_behind_a_semicolon_stays_one_quoted_cell(sqlite_app):
    import csv
    import io

    from tests.builders import Bakery, ThroughApi
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    bakery = Bakery(ThroughApi(api))
    flour = bakery.material("Spelt;=cmd|' /C calc'!A0;x")
    bakery.batch(flour, "2", "1.50", "2026-11-01")
    response = api.get("/reports/inventory-value?format=csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '"Spelt;=cmd|\' /C calc\'!A0;x"' in text
    assert all(line.startswith('"') for line in text.splitlines())
    rows = list(csv.reader(io.StringIO(text)))
    assert ["material", str(flour), "", "Spelt;=cmd|' /C calc'!A0;x"] == rows[1][:4]


# --- numbers: every path a 422, or refused before it is stored ---------------------------------

@pytest.mark.parametrize("quantity", ["1e1000000", "1E+2", "１", "٣", "1_000", " 2", "0x10",
                                      "1e-7", "+1", "١٠"])
def test_numbers_outside_the_documented_pattern_are_a_422(sqlite_app, quantity):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    response = api.post("/sales", json={"items": [{"product_id": 1, "quantity": quantity}]})
    assert response.status_code == 422, response.get_json()
    assert "items.0.quantity" in response.get_json()["error"]["details"]


def test_a_json_number_with_a_huge_exponent_is_a_422(sqlite_app):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    response = api.post("/sales", data='{"items": [{"product_id": 1, "quantity": 1e1000000}]}',
                        content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(("typed", "message"), [
    ("1e1000000", "not a decimal number"), ("１", "not a decimal number"),
    ("99999999999999999999999", "far too large"), ("100000000000", "must be at most")])
def test_the_till_form_refuses_odd_quantities_with_a_message(sqlite_app, typed, message):
    from tests.builders import Bakery, ThroughApi
    from tests.conftest import login

    bread = Bakery(ThroughApi(login(sqlite_app, "admin"))).stocked_bread(loaves=3)
    browser = Browser(sqlite_app)
    browser.login(make_user(sqlite_app, "cashier"))
    browser.get("/pos")
    response = browser.client.post("/pos", data={"csrf_token": browser.token, "key": "k-1",
                                                 f"qty-{bread}": typed, "action": "checkout"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_batch_worth_more_than_money_can_hold_is_refused_and_reports_keep_working(sqlite_app):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    flour = api.ok("POST", "/materials", 201, json={"name": "Flour", "unit": "kg",
                                                       "min_quantity": "0"})["id"]
    refused = api.post(f"/materials/{flour}/batches", json={
        "quantity": "99999999999.999", "cost_per_unit": "999999999999.99"})
    assert refused.status_code == 422
    assert api.get(f"/materials/{flour}").get_json()["batches"] == []
    for _ in range(2):  # the most that fits, twice: the sum exceeds what one batch may hold
        api.ok("POST", f"/materials/{flour}/batches", 201, json={
            "quantity": "99999.999", "cost_per_unit": "9999999.99"})
    assert api.get("/reports/inventory-value?format=csv").status_code == 200
    assert api.get("/reports/inventory-value").status_code == 200
    assert api.get(f"/materials/{flour}").status_code == 200
    assert api.get("/materials").status_code == 200


def test_a_recipe_costing_more_than_the_money_limit_keeps_plans_working(sqlite_app):
    from tests.builders import Bakery, ThroughApi
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    bakery = Bakery(ThroughApi(api))
    saffron = bakery.material("Saffron")
    bakery.batch(saffron, "1", "9999999.99", "2026-11-01")
    cake = bakery.product("Gold cake", "10.00")
    recipe = bakery.recipe(cake, {saffron: "999999999"}, yield_quantity="1")
    for path in ("/plans/what-can-i-bake", "/plans/what-can-i-bake?format=csv", "/recipes",
                 f"/recipes/{recipe}"):
        assert api.get(path).status_code == 200, path
    for path in ("/plans/shopping-list", "/plans/shopping-list?format=csv"):
        planned = api.post(path, json={"items": [{"recipe_id": recipe, "batches": 3}]})
        assert planned.status_code == 200, path


# --- ids beyond 64 bits are a 404 on pages too ------------------------------------------------

@pytest.mark.parametrize("path", ["/materials/9223372036854775808", "/products/9223372036854775808",
                                  "/recipes/99999999999999999999",
                                  "/materials/9223372036854775808/ledger"])
def test_pages_answer_404_for_ids_too_large_for_the_database(app, path):
    browser = Browser(app)
    browser.login(make_user(app, "admin"))
    assert browser.client.get(path).status_code == 404


@pytest.mark.parametrize("sale", ["9223372036854775808", "99999999999999999999999", "٣"])
def test_the_till_shows_no_receipt_for_a_sale_id_that_cannot_exist(app, sale):
    browser = Browser(app)
    browser.login(make_user(app, "cashier"))
    page = browser.get(f"/pos?sale={sale}")
    assert "data-test=\"last-sale\"" not in page.text


# --- names in one spelling, everywhere ----------------------------------------------------------

@pytest.mark.parametrize("name", ["Bread\u200b", "\u202eBread", "\u0412read", "Bre\u00adad"])
def test_names_that_only_look_like_another_are_refused_by_the_api(sqlite_app, name):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    response = api.post("/products", json={"name": name, "price": "2.00"})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["details"]
    assert api.get("/products").get_json()["items"] == []


def test_a_fullwidth_name_is_the_plain_name_and_so_a_duplicate(sqlite_app):
    from tests.conftest import login

    api = login(sqlite_app, "admin")
    made = api.ok("POST", "/products", 201, json={"name": "Ｂｒｅａｄ", "price": "2.00"})
    assert made["name"] == "Bread"
    assert api.post("/products", json={"name": "Bread", "price": "2.00"}).status_code == 409


def test_the_material_form_refuses_a_look_alike_name(sqlite_app):
    browser = Browser(sqlite_app)
    browser.login(make_user(sqlite_app, "manager"))
    browser.get("/materials/new")
    page = browser.post("/materials/new", {"name": "\u0412read flour", "unit": "kg",
                                          "min_quantity": "0"}, status=400).text
    assert "mixes letters" in page


def test_legacy_import_applies_the_name_rules(app, sessions, tmp_path):
    import json

    from bakery.services import legacy_import

    source = tmp_path / "bakery_data.json"
    source.write_text(json.dumps({"materials": {"Flour\u200b": {
        "unit": "kg", "min_quantity": 1, "batches": []}}, "recipes": {}, "products": {}}))
    result = app.test_cli_runner().invoke(args=["import-json", str(source)])
    assert result.exit_code != 0
    assert "cannot be seen" in result.output
    with sessions() as session:
        assert legacy_import.occupied_tables(session) == {}
