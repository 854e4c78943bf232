"""Admin pages for user accounts."""

from __future__ import annotations

from sqlalchemy import select

from bakery.db.models import User

from .conftest import PASSWORD, Browser, count


def _user(sessions, email):
    with sessions() as db:
        return db.scalar(select(User).where(User.email == email))


def test_admin_adds_a_user_who_can_then_log_in(app, admin, sessions):
    admin.get("/users")
    admin.post("/users", {"email": "Till@Shop.test", "role": "cashier", "password": PASSWORD})
    assert "till@shop.test" in admin.get("/users").text
    Browser(app).login("till@shop.test")


def test_bad_user_input_shows_field_errors_and_adds_nobody(admin, sessions):
    before = count(sessions, User)
    admin.get("/users")
    page = admin.post("/users", {"email": "nobody", "role": "owner", "password": "short"},
                      status=400).text
    assert 'id="e-email">not an email address' in page
    assert 'id="e-role"' in page
    assert 'id="e-password">must be at least 8 characters' in page
    assert 'value="nobody"' in page
    assert count(sessions, User) == before


def test_admin_changes_a_role(admin, browser_as, sessions):
    baker = browser_as("baker")
    user = _user(sessions, baker.email)
    admin.get("/users")
    admin.post(f"/users/{user.id}/role", {"role": "manager"})
    assert _user(sessions, baker.email).role == "manager"
    # a new role ends the person's sessions: they sign in again, with the new role's pages
    baker.get("/materials/new", status=302)
    baker.login(baker.email)
    baker.get("/materials/new")


def test_unknown_role_is_refused(admin, browser_as, sessions):
    baker = browser_as("baker")
    user = _user(sessions, baker.email)
    admin.get("/users")
    admin.post(f"/users/{user.id}/role", {"role": "owner"}, status=400)
    assert _user(sessions, baker.email).role == "baker"


def test_admin_cannot_deactivate_themselves(admin, sessions):
    me = _user(sessions, admin.email)
    admin.get("/users")
    page = admin.post(f"/users/{me.id}/active", {"active": "0"}, status=409).text
    assert "cannot deactivate your own account" in page
    assert _user(sessions, admin.email).active


def test_the_last_admin_keeps_the_admin_role(admin, sessions):
    me = _user(sessions, admin.email)
    admin.get("/users")
    page = admin.post(f"/users/{me.id}/role", {"role": "cashier"}, status=409).text
    assert "last active admin" in page
    assert _user(sessions, admin.email).role == "admin"


def test_deactivated_user_cannot_log_in_and_can_be_reactivated(app, admin, browser_as, sessions):
    cashier = browser_as("cashier")
    user = _user(sessions, cashier.email)
    admin.get("/users")
    admin.post(f"/users/{user.id}/active", {"active": "0"})
    fresh = Browser(app)
    fresh.get("/login")
    fresh.post("/login", {"email": cashier.email, "password": PASSWORD}, status=400)
    admin.get("/users")
    admin.post(f"/users/{user.id}/active", {"active": "1"})
    fresh.post("/login", {"email": cashier.email, "password": PASSWORD})


def test_unknown_user_is_a_404(admin):
    admin.get("/users")
    admin.post("/users/99999/active", {"active": "0"}, status=404)


def test_only_admins_manage_users(browser_as):
    browser_as("manager").get("/users", status=403)
