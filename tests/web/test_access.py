"""Who may open which page, sessions, CSRF and error pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bakery.db.models import Material, User
from bakery.web.access import ADMINS, ALL_ROLES, BAKEHOUSE, MANAGERS, TILL

from .conftest import PASSWORD, Browser, count, make_user


def test_every_web_route_declares_who_may_open_it(app):
    web_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("web.")]
    assert len(web_rules) > 20
    for rule in web_rules:
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "required_roles"), rule.rule
        roles = view.required_roles
        assert roles is None or (roles and set(roles) <= set(ALL_ROLES)), rule.rule
    public = {r.endpoint for r in web_rules if app.view_functions[r.endpoint].required_roles is None}
    assert public == {"web.login", "web.asset"}


@pytest.mark.parametrize("endpoint, roles", [
    ("web.materials", BAKEHOUSE), ("web.materials_new", MANAGERS), ("web.pos", TILL),
    ("web.sales", TILL), ("web.users", ADMINS), ("web.production", BAKEHOUSE),
    ("web.recipes_new", MANAGERS), ("web.adjust", BAKEHOUSE), ("web.products", ALL_ROLES),
])
def test_pages_use_the_api_role_rights(app, endpoint, roles):
    assert tuple(app.view_functions[endpoint].required_roles) == roles


@pytest.mark.parametrize("role, sees_reports", [
    ("admin", True), ("manager", True), ("baker", False), ("cashier", False)])
def test_the_reports_are_linked_for_those_who_may_open_them(browser_as, role, sees_reports):
    page = browser_as(role).get("/products").text
    assert ('href="/reports/"' in page) is sees_reports


def test_anonymous_visitor_is_sent_to_login_with_next(app):
    response = Browser(app).get("/materials?x=1", status=302)
    assert response.headers["Location"].endswith("/login?next=/materials?x%3D1")


def test_login_goes_to_next_page(app):
    email = make_user(app, "baker")
    browser = Browser(app)
    browser.get("/login?next=/materials")
    response = browser.post("/login", {"email": email, "password": PASSWORD, "next": "/materials"})
    assert response.headers["Location"] == "/materials"
    assert "Materials" in browser.get("/materials").text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(app, target):
    email = make_user(app, "manager")
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"email": email, "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_cashier_lands_on_the_point_of_sale(app):
    response = Browser(app).login(make_user(app, "cashier"))
    assert response.headers["Location"] == "/pos"


def test_wrong_password_shows_an_error_and_keeps_the_email(app):
    email = make_user(app, "admin")
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"email": email, "password": "wrong password"}, status=400)
    assert "Wrong email or password." in response.text
    assert f'value="{email}"' in response.text
    browser.get("/", status=302)  # still not logged in


def test_empty_login_form_marks_both_fields(app):
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"email": "", "password": ""}, status=400)
    assert 'id="e-email"' in response.text and 'id="e-password"' in response.text


def test_wrong_role_gets_an_html_403_page(browser_as):
    cashier = browser_as("cashier")
    response = cashier.get("/materials", status=403)
    assert response.mimetype == "text/html"
    assert "Not for your role" in response.text


def test_wrong_role_cannot_post_either(browser_as, sessions):
    baker = browser_as("baker")
    baker.get("/")
    baker.post("/materials/new", {"name": "Flour", "unit": "kg"}, status=403)
    assert count(sessions, Material) == 0


def test_form_without_csrf_token_is_refused_and_changes_nothing(admin, sessions):
    response = admin.post("/materials/new", {"name": "Flour", "unit": "kg"}, csrf=False, status=400)
    assert response.mimetype == "text/html"
    assert "reload the page" in response.text
    assert count(sessions, Material) == 0


def test_form_with_a_forged_csrf_token_is_refused(admin, sessions):
    admin.post("/materials/new", {"name": "Flour", "unit": "kg", "csrf_token": "forged"},
               status=400)
    assert count(sessions, Material) == 0


def test_api_needs_no_csrf_token(api):
    api.ok("POST", "/materials", 201, json={"name": "Flour", "unit": "kg", "min_quantity": "0"})


def test_unknown_page_is_html_for_browsers_and_json_for_the_api(app):
    client = app.test_client()
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Not found" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_unknown_material_is_a_404_page(admin):
    assert "Not found" in admin.get("/materials/999999", status=404).text


def test_logout_ends_the_session(admin):
    admin.get("/")
    admin.post("/logout", {})
    admin.get("/", status=302)


def test_deactivated_user_is_signed_out_on_the_next_request(app, admin, browser_as, sessions):
    baker = browser_as("baker")
    baker.get("/materials")
    with sessions() as db:
        baker_id = db.scalar(select(User.id).where(User.email == baker.email))
    admin.get("/users")
    admin.post(f"/users/{baker_id}/active", {"active": "0"})
    baker.get("/materials", status=302)


def test_password_change_needs_the_current_password(admin):
    admin.get("/account/password")
    response = admin.post("/account/password", {"current_password": "nope", "new_password":
                          "new password 1", "confirm_password": "new password 1"}, status=400)
    assert "not your current password" in response.text


def test_password_change_needs_matching_confirmation(admin):
    admin.get("/account/password")
    response = admin.post("/account/password", {"current_password": PASSWORD, "new_password":
                          "new password 1", "confirm_password": "other"}, status=400)
    assert "does not match" in response.text


def test_password_change_signs_out_other_sessions_but_not_this_one(app, admin):
    other = Browser(app)
    other.login(admin.email)
    other.get("/")
    admin.get("/account/password")
    admin.post("/account/password", {"current_password": PASSWORD, "new_password":
               "a new password", "confirm_password": "a new password"})
    admin.get("/")
    other.get("/", status=302)
    again = Browser(app)
    again.get("/login")
    again.post("/login", {"email": admin.email, "password": PASSWORD}, status=400)
    again.post("/login", {"email": admin.email, "password": "a new password"})


def test_assets_are_served_without_login(app):
    response = app.test_client().get("/assets/bakery.css")
    response.close()
    assert response.status_code == 200 and "text/css" in response.content_type


def test_pages_have_no_inline_scripts_or_styles(admin, bakery):
    bakery.stocked_bread()
    for url in ("/", "/pos", "/materials", "/recipes/new", "/production", "/sales", "/users"):
        html = admin.get(url).text
        assert "<script>" not in html and "<script " not in html.replace(
            '<script src="/assets/bakery.js" defer></script>', "")
        assert " style=" not in html and "<style" not in html


def test_unexpected_error_is_an_html_500_for_browsers_and_json_for_the_api(app):
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom-for-test", "boom_page", boom)
    app.add_url_rule("/api/boom-for-test", "boom_api", boom)
    client = app.test_client()
    page = client.get("/boom-for-test")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Something went wrong" in page.text and "secret internals" not in page.text
    api = client.get("/api/boom-for-test")
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "internal_error"
