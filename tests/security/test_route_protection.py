"""No route answers strangers, and each role reaches exactly what the contract grants it.

The URL-map walk covers every route the app has, including pages added later: an API route must
be declared with `@operation` and roles; any other view must carry `required_roles` (set by the
web access decorators) and send an anonymous visitor to the login page.
"""

from __future__ import annotations

from typing import Any

import pytest

from bakery.api.registry import OPERATIONS

# Open to anyone by design: operations endpoints, the API description, logging in.
PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"}
PUBLIC_API = {("POST", "/auth/tokens")}

# The contract's role table (API.md): admin everything; manager inventory, recipes, products,
# prices, reports; baker reads stock and recipes, receives batches, runs production, adjusts
# stock; cashier reads products and sells. Every role manages its own API tokens.
EVERYONE = {"admin", "manager", "baker", "cashier"}
MANAGERS = {"admin", "manager"}
BAKEHOUSE = {"admin", "manager", "baker"}
TILL = {"admin", "manager", "cashier"}
ADMINS = {"admin"}
EXPECTED_ROLES: dict[tuple[str, str], set[str]] = {
    ("GET", "/auth/tokens"): EVERYONE,
    ("DELETE", "/auth/tokens/{token_id}"): EVERYONE,
    ("POST", "/users"): ADMINS,
    ("GET", "/users"): ADMINS,
    ("GET", "/users/{user_id}"): ADMINS,
    ("PATCH", "/users/{user_id}"): ADMINS,
    ("GET", "/audit-log"): ADMINS,
    ("POST", "/materials"): MANAGERS,
    ("GET", "/materials"): BAKEHOUSE,
    ("GET", "/materials/{material_id}"): BAKEHOUSE,
    ("PATCH", "/materials/{material_id}"): MANAGERS,
    ("POST", "/materials/{material_id}/batches"): BAKEHOUSE,
    ("POST", "/products"): MANAGERS,
    ("GET", "/products"): EVERYONE,
    ("GET", "/products/{product_id}"): EVERYONE,
    ("PATCH", "/products/{product_id}"): MANAGERS,
    ("POST", "/recipes"): MANAGERS,
    ("GET", "/recipes"): BAKEHOUSE,
    ("GET", "/recipes/{recipe_id}"): BAKEHOUSE,
    ("PATCH", "/recipes/{recipe_id}"): MANAGERS,
    ("POST", "/production-runs"): BAKEHOUSE,
    ("GET", "/production-runs"): BAKEHOUSE,
    ("GET", "/production-runs/{run_id}"): BAKEHOUSE,
    ("POST", "/sales"): TILL,
    ("GET", "/sales"): TILL,
    ("GET", "/sales/{sale_id}"): TILL,
    ("POST", "/sales/{sale_id}/refunds"): TILL,  # a cashier: only a void of their own sale
    ("GET", "/sales/{sale_id}/refunds"): TILL,
    ("POST", "/till-sessions"): TILL,
    ("GET", "/till-sessions"): TILL,
    ("GET", "/till-sessions/{session_id}"): TILL,
    ("POST", "/till-sessions/{session_id}/cash-moves"): TILL,
    ("POST", "/till-sessions/{session_id}/close"): TILL,
    ("GET", "/reports/payments"): MANAGERS,
    ("POST", "/stock-adjustments"): BAKEHOUSE,
    ("GET", "/stock-moves"): BAKEHOUSE,
    ("GET", "/alerts/low-stock"): BAKEHOUSE,
    ("GET", "/reports/sales"): MANAGERS,
    ("GET", "/reports/sales-by-hour"): MANAGERS,
    ("GET", "/reports/sales-by-weekday"): MANAGERS,
    ("GET", "/reports/best-sellers"): MANAGERS,
    ("GET", "/reports/inventory-value"): MANAGERS,
    ("GET", "/reports/allergens"): EVERYONE,  # the counter is asked
    ("POST", "/stock/expire"): BAKEHOUSE,
    ("POST", "/stock/lots/{lot_id}/mark-down"): BAKEHOUSE,
    ("GET", "/alerts/expiring"): BAKEHOUSE,
    ("GET", "/reports/waste"): MANAGERS,
    ("GET", "/trace/batches/{batch_id}"): MANAGERS,
    ("GET", "/trace/lots/{lot_id}"): MANAGERS,
    ("GET", "/trace/sales/{sale_id}"): MANAGERS,
    ("GET", "/trace/recall"): MANAGERS,
    ("POST", "/trace/recall/hold"): MANAGERS,
    ("POST", "/trace/holds/{hold_id}/release"): MANAGERS,
    ("GET", "/plans/what-can-i-bake"): BAKEHOUSE,
    ("POST", "/plans/shopping-list"): BAKEHOUSE,
    # Planning: bakers plan and bake; the counter takes and fulfils orders; owners set standing
    # orders and suppliers and judge the forecast; everyone reads the orders.
    ("GET", "/plans/forecast"): BAKEHOUSE,
    ("GET", "/plans/forecast/backtest"): MANAGERS,
    ("GET", "/plans/bake"): BAKEHOUSE,
    ("GET", "/plans/bake/shopping-list"): BAKEHOUSE,
    ("POST", "/plans/bake/runs"): BAKEHOUSE,
    ("PUT", "/materials/{material_id}/supplier"): MANAGERS,
    ("POST", "/orders"): TILL,
    ("GET", "/orders"): EVERYONE,
    ("GET", "/orders/{order_id}"): EVERYONE,
    ("POST", "/orders/{order_id}/fulfil"): TILL,
    ("POST", "/orders/{order_id}/cancel"): TILL,
    ("POST", "/standing-orders"): MANAGERS,
    ("GET", "/standing-orders"): EVERYONE,
    ("GET", "/standing-orders/{so_id}"): EVERYONE,
    ("POST", "/standing-orders/{so_id}/end"): MANAGERS,
    ("POST", "/standing-orders/{so_id}/deliveries"): TILL,
    ("POST", "/standing-orders/{so_id}/skips"): TILL,
    ("GET", "/backup"): ADMINS,
}


def _is_public(rule: Any, method: str) -> bool:
    if rule.endpoint == "static" or rule.endpoint.endswith(".static") \
            or rule.rule.startswith("/assets/"):  # the pages' stylesheet and script
        return True
    if rule.rule in PUBLIC_PATHS:
        return True
    if rule.rule.startswith("/api/v1"):
        return (method, rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
                ) in PUBLIC_API
    return False


def _is_login(rule: Any) -> bool:
    last = rule.endpoint.rsplit(".", 1)[-1]
    return last.startswith("login") or rule.rule.rstrip("/").endswith("/login")


def _url(app: Any, rule: Any) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1),
                         method=next(iter(rule.methods - {"HEAD", "OPTIONS"}), None))


def _routes(app: Any) -> list[tuple[Any, str]]:
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_route_needs_authentication_except_the_public_few(sqlite_app):
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = False  # so a refusal can only come from the access check
    client = app.test_client()
    checked, problems = 0, []
    for rule, method in _routes(app):
        if _is_public(rule, method):
            continue
        view = app.view_functions[rule.endpoint]
        url = _url(app, rule)
        response = client.open(url, method=method, json={} if method != "GET" else None)
        checked += 1
        if rule.rule.startswith("/api/"):
            operation = getattr(view, "operation", None)
            if operation is None or not operation.roles:
                problems.append(f"{method} {rule.rule}: not declared with @operation and roles")
            if response.status_code != 401:
                problems.append(f"{method} {rule.rule}: {response.status_code} without a token")
            continue
        if not hasattr(view, "required_roles"):
            problems.append(f"{method} {rule.rule}: view has no access declaration")
            continue
        if view.required_roles is None:
            if not _is_login(rule):
                problems.append(f"{method} {rule.rule}: declared public but is not the login page")
            continue
        location = response.headers.get("Location", "")
        redirected_to_login = response.status_code in (301, 302, 303, 307, 308) and "login" in location
        if not (redirected_to_login or response.status_code in (401, 403)):
            problems.append(f"{method} {rule.rule}: anonymous got {response.status_code}")
    assert checked >= len(EXPECTED_ROLES)
    assert not problems, "\n".join(problems)


def test_the_walk_notices_an_unprotected_page(sqlite_app):
    """The walk itself can fail: a bare view without an access declaration is caught."""
    app = sqlite_app
    app.add_url_rule("/secret-report", "secret_report", lambda: "takings")
    with pytest.raises(AssertionError, match="no access declaration"):
        test_every_route_needs_authentication_except_the_public_few(app)


def test_every_operation_is_in_the_role_table_with_the_contracts_roles():
    declared = {(op.method, op.path): set(op.roles) for op in OPERATIONS if op.roles is not None}
    public = {(op.method, op.path) for op in OPERATIONS if op.roles is None}
    assert public == PUBLIC_API
    assert declared == EXPECTED_ROLES


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_is_refused_exactly_where_the_contract_says(sqlite_app, role):
    from tests.conftest import login

    client = login(sqlite_app, role)
    wrong = []
    for (method, path), allowed in EXPECTED_ROLES.items():
        url = path.replace("{", "").replace("}", "")
        url = "/".join("999999" if part.endswith("_id") else part for part in url.split("/"))
        response = client.request(method, url, json={} if method in ("POST", "PATCH") else None)
        forbidden = response.status_code == 403
        if forbidden == (role in allowed) or response.status_code in (401, 500):
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


def test_the_walk_accepts_a_guarded_page_and_catches_one_whose_guard_lets_strangers_in(
        make_app, sqlite_url):
    from flask import redirect

    def guarded():
        return redirect("/login?next=/stock")

    def leaky():
        return "stock list"

    def login_page():
        return "form"

    guarded.required_roles = ("admin", "manager")
    leaky.required_roles = ("admin",)
    login_page.required_roles = None
    good, bad = make_app(sqlite_url), make_app(sqlite_url)
    for app in (good, bad):
        app.add_url_rule("/stock", "stock_page", guarded)
        app.add_url_rule("/login", "login", login_page)
    bad.add_url_rule("/takings", "takings_page", leaky)
    test_every_route_needs_authentication_except_the_public_few(good)
    with pytest.raises(AssertionError, match="/takings: anonymous got 200"):
        test_every_route_needs_authentication_except_the_public_few(bad)
