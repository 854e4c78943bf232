"""What generated input found, pinned down as plain examples (each on SQLite and PostgreSQL)."""

from __future__ import annotations


def test_a_nul_character_in_a_body_is_a_validation_error_not_a_server_error(api):
    response = api.post("/materials", json={"name": "Flour\x00", "unit": "kg"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"name": "must not contain NUL characters"}
    assert api.ok("GET", "/materials")["items"] == []


def test_a_nul_character_in_a_login_email_is_a_validation_error(api):
    response = api.client.post("/api/v1/auth/tokens",
                               json={"email": "a\x00@b.test", "password": "whatever"})
    assert response.status_code == 422


def test_a_query_parameter_given_twice_is_refused(api):
    response = api.get("/materials?limit=1&limit=2")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"limit": "given more than once"}


def test_an_id_beyond_64_bits_is_not_found(api):
    response = api.get("/materials/9223372036854775808")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_wrong_method_names_the_allowed_ones(api):
    response = api.request("DELETE", "/materials")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
