"""Tokens, 401 for missing or bad tokens, 403 for roles the contract does not allow."""

from datetime import datetime, timedelta

from sqlalchemy import update

from bakery.db.engine import transaction
from bakery.db.models import ApiToken, User, utcnow
from tests.conftest import Api

from .conftest import error_of

ROLES = ("admin", "manager", "baker", "cashier")
EVERYONE = set(ROLES)
MANAGERS = {"admin", "manager"}
BAKEHOUSE = {"admin", "manager", "baker"}
TILL = {"admin", "manager", "cashier"}

# The contract's role table: admin all, including users; manager all inventory, recipes, products,
# prices, reports; baker reads stock and recipes, receives batches, bakes, adjusts stock;
# cashier reads products and records sales.
MATRIX = [
    ("POST", "/users", {"admin"}),
    ("GET", "/users", {"admin"}),
    ("POST", "/materials", MANAGERS),
    ("GET", "/materials", BAKEHOUSE),
    ("GET", "/materials/1", BAKEHOUSE),
    ("PATCH", "/materials/1", MANAGERS),
    ("POST", "/materials/1/batches", BAKEHOUSE),
    ("POST", "/products", MANAGERS),
    ("GET", "/products", EVERYONE),
    ("GET", "/products/1", EVERYONE),
    ("PATCH", "/products/1", MANAGERS),
    ("POST", "/recipes", MANAGERS),
    ("GET", "/recipes", BAKEHOUSE),
    ("GET", "/recipes/1", BAKEHOUSE),
    ("PATCH", "/recipes/1", MANAGERS),
    ("POST", "/production-runs", BAKEHOUSE),
    ("GET", "/production-runs", BAKEHOUSE),
    ("GET", "/production-runs/1", BAKEHOUSE),
    ("POST", "/sales", TILL),
    ("GET", "/sales", TILL),
    ("GET", "/sales/1", TILL),
    ("POST", "/stock-adjustments", BAKEHOUSE),
    ("GET", "/stock-moves", BAKEHOUSE),
    ("GET", "/alerts/low-stock", BAKEHOUSE),
    ("GET", "/reports/sales", MANAGERS),
]


def call(client: Api, method: str, path: str):
    # A body that is valid JSON but invalid for every operation: allowed roles get past the role
    # check to validation (422) or a missing id (404); nothing is ever written.
    if method in ("POST", "PATCH"):
        return client.request(method, path, json={"not_a_field": 1})
    return client.request(method, path)


def test_role_matrix_follows_the_contract(app, as_role, unchanged):
    clients = {role: as_role(role) for role in ROLES}
    with unchanged():
        for method, path, allowed in MATRIX:
            for role in ROLES:
                response = call(clients[role], method, path)
                if role in allowed:
                    assert response.status_code in (200, 404, 422), (role, method, path,
                                                                    response.get_json())
                else:
                    error = error_of(response, 403, "forbidden")
                    assert role in error["message"], error


def test_every_operation_needs_a_token(app, unchanged):
    anonymous = Api(app.test_client())
    with unchanged():
        for method, path, _ in MATRIX:
            response = call(anonymous, method, path)
            error_of(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"] == "Bearer"


BAD_HEADERS = ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "bearer", "Token abc"]


def test_bad_authorization_headers_are_refused(app, unchanged):
    client = Api(app.test_client())
    with unchanged():
        for header in BAD_HEADERS:
            error_of(client.get("/products", headers={"Authorization": header}), 401,
                     "unauthorized")
            error_of(client.post("/sales", headers={"Authorization": header},
                                 json={"items": [{"product_id": 1, "quantity": 1}]}), 401)


def _clock_moved_on(app, seconds: float) -> None:
    """The app's clock frozen `seconds` from now (past TOKEN_CACHE_SECONDS: tokens read anew)."""
    from bakery.clock import Clock, install

    install(app, Clock(frozen_at=utcnow() + timedelta(seconds=seconds)))


def test_an_expired_token_is_refused(app, api, sessions):
    api.ok("GET", "/products")
    expires = api.ok("GET", "/auth/tokens")["items"][0]["expires_at"]
    _clock_moved_on(app, (datetime.fromisoformat(expires.replace("Z", "+00:00"))
                          - utcnow()).total_seconds())
    error_of(api.get("/products"), 401, "unauthorized")


def test_a_token_shortened_in_the_database_is_refused_once_read_anew(app, api, sessions):
    api.ok("GET", "/products")
    with transaction(sessions) as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    _clock_moved_on(app, app.extensions["bakery.settings"].token_cache_seconds)
    error_of(api.get("/products"), 401, "unauthorized")


def test_a_revoked_token_or_inactive_user_is_refused(app, as_role, sessions):
    cashier, baker = as_role("cashier"), as_role("baker")
    from bakery.services.users import principal_for_token, revoke_tokens

    revoke_tokens(sessions, principal_for_token(sessions, cashier.token).id)
    error_of(cashier.get("/products"), 401)
    with transaction(sessions) as session:  # as another process would: seen within the bound
        session.execute(update(User).where(User.role == "baker").values(active=False))
    _clock_moved_on(app, app.extensions["bakery.settings"].token_cache_seconds)
    error_of(baker.get("/products"), 401)


def test_a_token_is_issued_for_the_right_password(app, sessions):
    from bakery.services.users import create_user

    create_user(sessions, email="Owner@Example.com", role="manager", password="s3cret-enough")
    client = Api(app.test_client())
    body = client.ok("POST", "/auth/tokens", 201,
                     json={"email": " owner@example.com", "password": "s3cret-enough"})
    assert len(body["token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=11) < expires - utcnow() <= timedelta(hours=12)
    assert Api(app.test_client(), body["token"]).ok("GET", "/products") == {
        "items": [], "next_cursor": None}


def test_wrong_credentials_get_the_same_401(app, sessions, unchanged):
    from bakery.services.users import create_user

    create_user(sessions, email="owner@example.com", role="admin", password="s3cret-enough")
    client = Api(app.test_client())
    with unchanged():
        wrong_password = error_of(client.post("/auth/tokens", json={
            "email": "owner@example.com", "password": "not it"}), 401, "unauthorized")
        unknown = error_of(client.post("/auth/tokens", json={
            "email": "nobody@example.com", "password": "not it"}), 401, "unauthorized")
        assert wrong_password["message"] == unknown["message"]
        error_of(client.post("/auth/tokens", json={"email": "owner@example.com"}), 422)
        error_of(client.post("/auth/tokens", json={"email": 1, "password": 2}), 422)
        error_of(client.post("/auth/tokens", data="{", content_type="application/json"), 400)


def test_admins_create_and_list_users(api, unchanged):
    user = api.ok("POST", "/users", 201, json={"email": "Baker@Example.com", "role": "baker",
                                               "password": "long enough bread"})
    assert (user["email"], user["role"], user["active"]) == ("baker@example.com", "baker", True)
    assert "password" not in str(user) and "hash" not in str(user)
    emails = [u["email"] for u in api.ok("GET", "/users")["items"]]
    assert "baker@example.com" in emails
    with unchanged():
        error_of(api.post("/users", json={"email": "baker@example.com", "role": "baker",
                                          "password": "long enough bread"}), 409, "conflict")
        details = error_of(api.post("/users", json={"email": "x@example.com", "role": "owner",
                                                    "password": "short"}), 422)["details"]
        assert set(details) == {"role", "password"}
        error_of(api.post("/users", json={"email": "no-at-sign", "role": "baker",
                                          "password": "long enough bread"}), 422)
