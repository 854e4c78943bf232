"""Who may open which page: every web view is marked `@public` or `@requires(*roles)`.

The roles are the groups of domain/roles.py that the API uses too, so a page and the endpoint
behind it always agree. The cookie names a server-side session (services/web_sessions.py), looked
up with its user on every request: signing out, a password or role change and deactivation end it
at once, whatever copies of the cookie exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from ..db.engine import single_read
from ..db.models import utcnow
from ..domain.roles import ADMINS, ALL_ROLES, BAKEHOUSE, MANAGERS, TILL
from ..queries.users import session_user
from ..runtime import sessions
from ..services.web_sessions import session_key

__all__ = [
    "ADMINS",
    "ALL_ROLES",
    "BAKEHOUSE",
    "MANAGERS",
    "TILL",
    "current_user",
    "load_user",
    "may",
    "public",
    "requires",
    "safe_next",
]

View = Callable[..., Any]


def load_user() -> None:
    """Before each request: the signed-in, still active user, or None."""
    g.user = None
    if request.path.startswith(("/api/", "/assets/")):
        return  # the API authenticates by bearer token; assets need no user
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return
    with single_read(sessions()) as connection:
        user = session_user(connection, session_key(session_id), utcnow())
    if user is None:
        session.clear()
        return
    g.user = user


def current_user() -> dict | None:
    return g.get("user")


def signed_in() -> dict:
    """The user of a page that `requires` a role: always there by the time the view runs."""
    user = g.get("user")
    if user is None:
        raise RuntimeError("signed_in() outside a page that requires a signed-in user")
    return user


def requires(*roles: str) -> Callable[[View], View]:
    """Only signed-in users with one of `roles`; others go to the login page or get a 403."""
    if not roles:
        raise ValueError("requires() needs at least one role")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("web.login", next=_here()))
            if user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate


def public(view: View) -> View:
    """A page anyone may open (the login page, static assets)."""
    view.required_roles = None  # type: ignore[attr-defined]
    return view


def may(endpoint: str) -> bool:
    """Whether the current user may open `endpoint` (to show only the links that work)."""
    user = current_user()
    view = current_app.view_functions.get(endpoint)
    roles = getattr(view, "required_roles", ())
    if roles is None:
        return True
    return user is not None and user["role"] in roles


def _here() -> str:
    query = request.query_string.decode()
    return request.path + (f"?{query}" if query else "")


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (no scheme, no host, no //) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
