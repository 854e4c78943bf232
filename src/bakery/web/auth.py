"""Signing in and out, changing one's password, and the admin pages for user accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for

from ..domain.errors import DomainError, NotFound, TooSoon
from ..domain.roles import CASHIER
from ..queries.users import get_user, list_users
from ..runtime import sessions, settings, sign_in_delay
from ..security import auth_limited
from ..services import users as accounts
from ..services import web_sessions
from . import web
from .access import ADMINS, ALL_ROLES, current_user, public, requires, safe_next, signed_in
from .forms import FormState, refused

LANDING = {CASHIER: "web.pos"}


def _landing(role: str) -> str:
    return url_for(LANDING.get(role, "web.dashboard"))


@web.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = FormState(values={"email": request.form.get("email", "")})
    target = request.values.get("next")
    if request.method == "GET" and current_user():
        return redirect(safe_next(target, _landing(signed_in()["role"])))
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not email:
            form.errors["email"] = "required"
        if not password:
            form.errors["password"] = "required"
        if form.ok:
            try:
                principal = accounts.check_password(sessions(), email, password, sign_in_delay())
            except accounts.BadCredentials:
                form.errors["form"] = "Wrong email or password."
            except TooSoon as exc:
                form.errors["form"] = (f"Too many wrong passwords for this account. Try again in "
                                       f"{exc.retry_after} seconds.")
                return (render_template("login.html", form=form, next=target), 429,
                        {"Retry-After": str(exc.retry_after)})
            else:
                _sign_in(principal.id)
                flash(f"Welcome, {principal.email}.", "success")
                return redirect(safe_next(target, _landing(principal.role)))
        return render_template("login.html", form=form, next=target), 400 if form.errors else 200
    return render_template("login.html", form=form, next=target)


def _sign_in(user_id: int) -> None:
    """A fresh server-side session for this browser: nothing from before survives."""
    session_id = web_sessions.start(sessions(), user_id,
                                    timedelta(hours=settings().session_hours))
    session.clear()
    session["sid"] = session_id
    session.permanent = True


@web.post("/logout")
@requires(*ALL_ROLES)
def logout() -> Any:
    web_sessions.end(sessions(), session["sid"])
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("web.login"))


@web.route("/account/password", methods=["GET", "POST"])
@requires(*ALL_ROLES)
@auth_limited  # guesses of the current password draw on the login budget
def password() -> Any:
    form = FormState()
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm_password", ""):
            form.errors["confirm_password"] = "does not match the new password"
        else:
            try:
                accounts.change_password(sessions(), signed_in()["id"], current, new,
                                         settings().password_hash_method, sign_in_delay())
            except TooSoon:
                raise  # a 429 page with Retry-After
            except DomainError as exc:
                refused(exc, form)
            else:
                _sign_in(signed_in()["id"])  # this browser stays signed in, the others end
                flash("Your password is changed. Other sessions and API tokens are signed out.",
                      "success")
                return redirect(url_for("web.dashboard"))
        return render_template("password.html", form=form), 400
    return render_template("password.html", form=form)


# --- admin: user accounts --------------------------------------------------------------------

def _users_page(form: FormState, status: int = 200) -> Any:
    with sessions()() as db:
        people = list_users(db)
    return render_template("users.html", users=people, form=form, roles=ALL_ROLES), status


@web.get("/users")
@requires(*ADMINS)
def users() -> Any:
    return _users_page(FormState(values={"role": CASHIER}))


@web.post("/users")
@requires(*ADMINS)
def users_new() -> Any:
    form = FormState(values={k: request.form.get(k, "") for k in ("email", "role")})
    try:
        accounts.create_user(sessions(), email=form.value("email"), role=form.value("role"),
                          password=request.form.get("password", ""), actor_id=signed_in()["id"],
                          hash_method=settings().password_hash_method)
    except DomainError as exc:
        refused(exc, form)
        return _users_page(form, 400)
    flash(f"Created {form.value('role')} {form.value('email').strip().lower()}.", "success")
    return redirect(url_for("web.users"))


def _user_or_404(user_id: int) -> dict:
    try:
        with sessions()() as db:
            return get_user(db, user_id)
    except NotFound:
        abort(404)


@web.post("/users/<int:user_id>/role")
@requires(*ADMINS)
def users_role(user_id: int) -> Any:
    user = _user_or_404(user_id)
    role = request.form.get("role", "")
    try:
        accounts.change_role(sessions(), user_id, role, acting_user_id=signed_in()["id"])
    except DomainError as exc:
        flash(f"{user['email']}: {exc.message}", "error")
        return _users_page(FormState(values={"role": CASHIER}), 400 if exc.code ==
                           "validation_error" else 409)
    flash(f"{user['email']} is now {role}.", "success")
    return redirect(url_for("web.users"))


@web.post("/users/<int:user_id>/active")
@requires(*ADMINS)
def users_active(user_id: int) -> Any:
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(sessions(), user_id, active, acting_user_id=signed_in()["id"])
    except DomainError as exc:
        flash(f"{user['email']}: {exc.message}", "error")
        return _users_page(FormState(values={"role": CASHIER}), 409)
    flash(f"{user['email']} is {'active again' if active else 'deactivated'}.", "success")
    return redirect(url_for("web.users"))
