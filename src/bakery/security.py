"""Safety at the HTTP edge: security headers, CORS, rate limits and the proxy hop count.

`init_security(app, settings)` is called once by the application factory, after every blueprint
is registered. The login budget (against password guessing) applies to POST to the endpoints
named in `AUTH_RATE_LIMIT_ENDPOINTS` and to any view marked with `@auth_limited`, all drawing on
one budget per client; the counters are in bakery.throttle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError, Settings
from .throttle import Budget, DatabaseWindows, MemoryWindows, parse_limits, windows_for

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"
HSTS = "max-age=31536000; includeSubDomains"


def auth_limited(view: F) -> F:
    """Mark a view (a sign-in form, a password check) as drawing on the login budget on POST."""
    view.auth_rate_limited = True  # type: ignore[attr-defined]
    return view


def init_security(app: Flask, settings: Settings) -> None:
    if settings.is_production and app.debug:
        raise ConfigError("debug mode must be off when BAKERY_ENV=production")
    _proxy_fix(app, settings)
    if settings.trusted_hosts:  # any other Host header is a 400, before routing
        app.config["TRUSTED_HOSTS"] = list(settings.trusted_hosts)

    _security_headers(app, settings)
    _relative_redirects(app)
    if settings.cors_origins:
        CORS(app, resources={rf"{API_PREFIX}/*": {"origins": list(settings.cors_origins)}},
             allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
             expose_headers=["Retry-After"],
             supports_credentials=False, max_age=600)
    _rate_limits(app, settings)


def _proxy_fix(app: Flask, settings: Settings) -> None:
    hops = {f"x_{name}": count for name, count in settings.proxy_fix.items() if count}
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def _security_headers(app: Flask, settings: Settings) -> None:
    # Pages, API answers and figures are for the signed-in user only: no cache (a shared proxy
    # or the browser's back button) keeps them. Static assets set their own Cache-Control.
    defaults = [("Content-Security-Policy", settings.content_security_policy),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("Cross-Origin-Opener-Policy", "same-origin"),
                *([("Strict-Transport-Security", HSTS)] if settings.is_production else []),
                ("Cache-Control", "no-store")]
    by_name = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        """Each header the view did not set itself: one pass over the headers, not one per
        header (werkzeug's setdefault raises and catches a KeyError for each missing one)."""
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        for lower, name, value in by_name:
            if lower not in present:
                headers.add(name, value)
        return response


REDIRECTS = frozenset((301, 302, 303, 307, 308))


def _relative_redirects(app: Flask) -> None:
    """Redirects name the path only, never a host taken from the request's Host header.

    The router's own redirects (a missing trailing slash, doubled slashes) are absolute URLs
    built from Host: behind a cache or a proxy that keeps it, a forged Host would send people
    elsewhere. A path is all a browser needs.
    """

    @app.after_request
    def relative_location(response: Response) -> Response:
        if response.status_code not in REDIRECTS:
            return response
        location = response.headers.get("Location")
        if location:
            parts = urlsplit(location)
            if parts.scheme or parts.netloc:
                path = "/" + parts.path.lstrip("/")  # never //host, which names a host
                response.headers["Location"] = urlunsplit(("", "", path, parts.query,
                                                           parts.fragment))
        return response


def _rate_limits(app: Flask, settings: Settings) -> None:
    """One login budget per client for every sign-in form and the token endpoint, shared by all
    workers and instances (Redis, else the database); one budget per client for the whole API
    (Redis, else this process's share of it). Both answer 429 with Retry-After past the limit."""
    engine = app.extensions["bakery.engine"]
    prefix = settings.rate_limit_prefix
    login = Budget("login", parse_limits(settings.auth_rate_limit),
                   windows_for(settings.redis_url, lambda: DatabaseWindows(engine)), prefix)
    api = Budget("api", parse_limits(settings.api_rate_limit),
                 windows_for(settings.redis_url, MemoryWindows), prefix,
                 share=1 if settings.redis_url else max(1, settings.web_concurrency))
    strict = set(settings.auth_rate_limit_endpoints)
    app.extensions["bakery.budgets"] = {"login": login, "api": api}

    def spends_login_budget(endpoint: str) -> bool:
        return endpoint in strict or getattr(app.view_functions.get(endpoint), "auth_rate_limited",
                                             False)

    @app.before_request
    def limit_requests() -> None:
        endpoint = request.endpoint
        if endpoint is None:
            return
        client = request.remote_addr or "unknown"
        if api.limits and request.blueprint == "api":
            api.spend(client)
        if login.limits and request.method == "POST" and spends_login_budget(endpoint):
            login.spend(client)
