"""API tokens can be listed and revoked; admins re-role and deactivate users through the API."""

from __future__ import annotations

from sqlalchemy import select

from bakery.db.models import ApiToken
from tests.conftest import Api, login


def _token(app, email: str, password: str = "correct horse", **extra) -> dict:
    response = app.test_client().post("/api/v1/auth/tokens",
                                      json={"email": email, "password": password, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _user(api: Api, role: str = "baker") -> dict:
    import uuid

    return api.ok("POST", "/users", 201, json={"email": f"{role}-{uuid.uuid4().hex[:6]}@b.test",
                                               "role": role, "password": "correct horse"})


def test_a_user_lists_their_own_tokens_with_name_and_expiry_but_never_the_secret(app, api):
    baker = _user(api)
    issued = _token(app, baker["email"], name="bakehouse tablet")
    client = Api(app.test_client(), issued["token"])
    listed = client.ok("GET", "/auth/tokens")["items"]
    assert [t["id"] for t in listed] == [issued["id"]]
    assert listed[0]["name"] == "bakehouse tablet" and listed[0]["active"] is True
    assert listed[0]["expires_at"] and listed[0]["last_used_at"]
    assert issued["token"] not in str(listed) and "hash" not in str(listed)


def test_tokens_are_stored_only_as_hashes(app, api, sessions):
    baker = _user(api)
    issued = _token(app, baker["email"])
    with sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert issued["token"] not in stored and all(len(h) == 64 for h in stored)


def test_a_revoked_token_stops_working_at_once(app, api):
    baker = _user(api)
    issued = _token(app, baker["email"])
    client = Api(app.test_client(), issued["token"])
    client.ok("GET", "/materials")
    assert client.request("DELETE", f"/auth/tokens/{issued['id']}").status_code == 204
    assert client.get("/materials").status_code == 401
    listed = api.ok("GET", f"/auth/tokens?user_id={baker['id']}")["items"]
    assert listed[0]["revoked_at"] is not None and listed[0]["active"] is False


def test_a_user_cannot_see_or_revoke_anyone_elses_token(app, api):
    first, second = _user(api), _user(api)
    first_token = _token(app, first["email"])
    second_client = Api(app.test_client(), _token(app, second["email"])["token"])
    assert second_client.get(f"/auth/tokens?user_id={first['id']}").status_code == 403
    response = second_client.request("DELETE", f"/auth/tokens/{first_token['id']}")
    assert response.status_code == 404
    Api(app.test_client(), first_token["token"]).ok("GET", "/materials")


def test_an_admin_revokes_any_token(app, api):
    baker = _user(api)
    issued = _token(app, baker["email"])
    assert api.request("DELETE", f"/auth/tokens/{issued['id']}").status_code == 204
    assert Api(app.test_client(), issued["token"]).get("/materials").status_code == 401


def test_revoking_an_unknown_token_is_not_found(api):
    assert api.request("DELETE", "/auth/tokens/999999").get_json()["error"]["code"] == "not_found"


def test_an_admin_changes_a_users_role_and_the_new_rights_apply(app, api):
    cashier = _user(api, "cashier")
    client = Api(app.test_client(), _token(app, cashier["email"])["token"])
    assert client.get("/materials").status_code == 403
    changed = api.ok("PATCH", f"/users/{cashier['id']}", json={"role": "baker"})
    assert changed["role"] == "baker"
    client.ok("GET", "/materials")


def test_deactivating_a_user_revokes_their_tokens_and_refuses_new_ones(app, api):
    baker = _user(api)
    issued = _token(app, baker["email"])
    assert api.ok("PATCH", f"/users/{baker['id']}", json={"active": False})["active"] is False
    assert Api(app.test_client(), issued["token"]).get("/materials").status_code == 401
    tokens = api.ok("GET", f"/auth/tokens?user_id={baker['id']}")["items"]
    assert all(t["revoked_at"] for t in tokens)
    response = app.test_client().post("/api/v1/auth/tokens",
                                      json={"email": baker["email"], "password": "correct horse"})
    assert response.status_code == 401
    api.ok("PATCH", f"/users/{baker['id']}", json={"active": True})
    _token(app, baker["email"])  # reactivated: may log in again, old tokens stay revoked
    assert Api(app.test_client(), issued["token"]).get("/materials").status_code == 401


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app):
    admin = login(app, "admin")
    me = [u for u in admin.ok("GET", "/users")["items"] if u["role"] == "admin"][0]
    for change in ({"role": "manager"}, {"active": False}):
        body = admin.ok("PATCH", f"/users/{me['id']}", 409, json=change)
        assert body["error"]["code"] == "conflict"
    second = _user(admin, "admin")
    admin.ok("PATCH", f"/users/{second['id']}", json={"role": "manager"})


def test_bad_user_changes_are_refused_and_change_nothing(api):
    baker = _user(api)
    for body in ({"role": "owner"}, {"active": "no"}, {"active": None}, {"email": "x@y.z"}, {}):
        response = api.patch(f"/users/{baker['id']}", json=body)
        if body == {}:
            assert response.status_code == 200
        else:
            assert response.status_code == 422, (body, response.get_json())
    assert api.ok("GET", f"/users/{baker['id']}") == baker
    assert api.patch("/users/999999", json={"role": "baker"}).status_code == 404


def test_last_used_is_written_at_most_once_a_minute(app, api, sessions):
    from datetime import timedelta

    from bakery.clock import Clock, install
    from bakery.db.models import as_utc, utcnow

    baker = _user(api)
    issued = _token(app, baker["email"])
    client = Api(app.test_client(), issued["token"])
    start = utcnow()
    install(app, Clock(frozen_at=start))
    client.ok("GET", "/materials")
    with sessions() as session:
        first = session.get(ApiToken, issued["id"]).last_used_at
    assert as_utc(first) == start
    install(app, Clock(frozen_at=start + timedelta(seconds=59)))  # past the token cache too
    client.ok("GET", "/materials")
    with sessions() as session:
        assert session.get(ApiToken, issued["id"]).last_used_at == first  # no second write
    install(app, Clock(frozen_at=start + timedelta(minutes=1)))
    client.ok("GET", "/materials")
    with sessions() as session:
        assert as_utc(session.get(ApiToken, issued["id"]).last_used_at) > as_utc(first)
