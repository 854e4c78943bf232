"""Oversized bodies, markup and SQL in every text field and query parameter: data, never code."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bakery.db.models import Material, Product, Recipe, User

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
INJECTIONS = [
    "'; DROP TABLE materials; --",
    "x' OR '1'='1",
    "1; DELETE FROM users",
    "\" OR 1=1 --",
    "' UNION SELECT email, password_hash FROM users --",
    "Robert'); DROP TABLE products;--",
]


def test_an_oversized_body_is_refused_with_413_in_the_error_format(api):
    response = api.post("/materials", data=b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
    assert api.ok("GET", "/materials")["items"] == []


def test_an_oversized_body_is_refused_before_login_too(app):
    response = app.test_client().post("/api/v1/auth/tokens", data=b"x" * (2 * 1024 * 1024),
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.is_json


def test_names_with_markup_come_back_as_plain_json_data(api, bakery):
    material = bakery.material(MARKUP[:120])
    response = api.get(f"/materials/{material}")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["name"] == MARKUP[:120]


def test_pages_render_names_with_markup_escaped(app, api, bakery):
    if "web" not in app.blueprints:
        pytest.skip("no web blueprint registered in this build")
    bakery.material(MARKUP[:120])
    bakery.product(MARKUP[:100] + "p")
    email = f"x-{uuid.uuid4().hex[:6]}@b.test"
    api.ok("POST", "/users", 201, json={"email": email, "role": "admin", "password": "correct horse"})
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    login_rules = [r for r in app.url_map.iter_rules()
                   if r.endpoint.startswith("web.") and "login" in r.endpoint and "POST" in r.methods]
    assert login_rules, "the web blueprint has no login form"
    client.post(login_rules[0].rule, data={"email": email, "password": "correct horse"})
    pages = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("web.")
             and "GET" in r.methods and not r.arguments and "logout" not in r.endpoint]
    seen_escaped = False
    for rule in pages:
        body = client.get(rule.rule).get_data(as_text=True)
        assert "<script>alert(" not in body, rule.rule
        seen_escaped |= "&lt;script&gt;" in body
    assert seen_escaped, "no page showed the names at all"


def _counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Material, Product, Recipe, User)}


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_in_every_text_field_is_stored_literally(api, bakery, sessions, attack):
    name = attack[:120]
    material = api.ok("POST", "/materials", 201,
                      json={"name": name, "unit": attack[:20], "min_quantity": "1"})
    assert (material["name"], material["unit"]) == (name, attack[:20])
    batch = api.ok("POST", f"/materials/{material['id']}/batches", 201,
                   json={"quantity": "5", "cost_per_unit": "1", "lot": name, "supplier": name})
    assert (batch["lot"], batch["supplier"]) == (name, name)
    product = api.ok("POST", "/products", 201, json={"name": name, "price": "1"})
    assert product["name"] == name
    recipe = api.ok("POST", "/recipes", 201, json={
        "name": name, "product_id": product["id"], "yield_quantity": "1",
        "ingredients": [{"material_id": material["id"], "quantity": "1"}]})
    assert recipe["name"] == name
    adjustment = api.ok("POST", "/stock-adjustments", 201, json={
        "material_id": material["id"], "quantity_delta": "-1", "reason": "other", "note": attack})
    assert adjustment["note"] == attack
    api.ok("PATCH", f"/materials/{material['id']}", json={"name": name + "!"})
    response = api.post("/users", json={"email": attack + "@b.test", "role": "baker",
                                         "password": "correct horse"})
    assert response.status_code in (201, 422)
    denied = api.client.post("/api/v1/auth/tokens", json={"email": attack, "password": attack})
    assert denied.status_code in (401, 422)
    if response.status_code == 201:
        named = api.client.post("/api/v1/auth/tokens", json={
            "email": response.get_json()["email"], "password": "correct horse", "name": name})
        assert named.status_code == 201 and named.get_json()["name"] == name
    replayed = api.post(f"/materials/{material['id']}/batches", headers={"Idempotency-Key": attack},
                        json={"quantity": "1", "cost_per_unit": "1"})
    assert replayed.status_code == 201
    counts = _counts(sessions)
    assert counts["materials"] == counts["products"] == counts["recipes"] == 1
    assert counts["users"] == 1 + (response.status_code == 201)


QUERY_PATHS = ["/materials?cursor={a}", "/materials?limit={a}", "/products?cursor={a}",
               "/recipes?limit={a}", "/sales?from={a}", "/sales?to={a}", "/sales?cursor={a}",
               "/stock-moves?material_id={a}", "/stock-moves?product_id={a}",
               "/production-runs?cursor={a}", "/reports/sales?from={a}&to=2026-01-01",
               "/reports/sales?from=2026-01-01&to=2026-01-02&group_by={a}", "/users?limit={a}",
               "/audit-log?entity={a}", "/audit-log?actor_id={a}", "/audit-log?entity_id={a}",
               "/auth/tokens?user_id={a}"]


@pytest.mark.parametrize("attack", INJECTIONS[:3])
def test_sql_in_every_query_parameter_is_rejected_and_changes_nothing(api, bakery, sessions,
                                                                      attack):
    from urllib.parse import quote

    bakery.stocked_bread(2)
    before = _counts(sessions)
    for template in QUERY_PATHS:
        response = api.get(template.format(a=quote(attack)))
        assert response.status_code in (200, 422), (template, response.status_code)
        if response.status_code == 200:  # an ignored filter may only narrow, never widen
            assert response.get_json()["items"] == []
    assert _counts(sessions) == before
