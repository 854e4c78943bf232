"""Safety at the HTTP edge: security headers, CORS, rate limits and the proxy hop count.

`init_security(app, settings)` is called once by the application factory, after every blueprint
is registered. Strict (brute-force) limits apply to the endpoints named in
`AUTH_RATE_LIMIT_ENDPOINTS` and to any view marked with `@auth_limited`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, request
from flask_cors import CORS
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError, Settings

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"
HSTS = "max-age=31536000; includeSubDomains"


def auth_limited(view: F) -> F:
    """Mark a view (a login form, a token endpoint) for the strict AUTH_RATE_LIMIT on POST."""
    view.auth_rate_limited = True  # type: ignore[attr-defined]
    return view


def init_security(app: Flask, settings: Settings) -> None:
    if settings.is_production and app.debug:
        raise ConfigError("debug mode must be off when BAKERY_ENV=production")
    _proxy_fix(app, settings)
    _security_headers(app, settings)
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
    production = settings.is_production
    policy = settings.content_security_policy

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages, API answers and figures are for the signed-in user only: no cache (a shared
        # proxy or the browser's back button) keeps them. Static assets set their own.
        headers.setdefault("Cache-Control", "no-store")
        return response


def _rate_limits(app: Flask, settings: Settings) -> None:
    limiter = Limiter(
        key_func=get_remote_address,
        app=None,
        storage_uri=settings.redis_url or "memory://",
        key_prefix=settings.rate_limit_prefix,
        headers_enabled=False,  # X-RateLimit-* headers double the storage calls per request
        swallow_errors=True,  # a Redis outage must not take the whole API down
        strategy="fixed-window",
    )
    attach_strict = _strict_limits(app, limiter, settings)
    # Before the limiter's own hook, so endpoints registered after start-up are covered too.
    app.before_request(attach_strict)
    limiter.init_app(app)
    api = app.blueprints.get("api")
    if api is not None and settings.api_rate_limit:
        limiter.shared_limit(settings.api_rate_limit, scope="api")(api)  # one budget per client
    attach_strict()
    app.extensions["bakery.limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded) -> Any:
        from .api.errors import error_response

        if not (request.path.startswith("/api/")
                or request.accept_mimetypes.best == "application/json"):
            return exc
        current = limiter.current_limit
        wait = (current.reset_at - time.time()) if current else exc.limit.limit.get_expiry()
        return error_response(429, "rate_limited",
                              f"too many requests: at most {exc.description}; try again later",
                              headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _strict_limits(app: Flask, limiter: Limiter, settings: Settings) -> Callable[[], None]:
    """A hook that puts AUTH_RATE_LIMIT on POST to every endpoint that asks for it, once."""
    done: set[str] = set()
    lock = threading.Lock()
    wanted = set(settings.auth_rate_limit_endpoints)

    def attach() -> None:
        if len(done) == len(app.view_functions):
            return
        with lock:
            for endpoint, view in app.view_functions.items():
                if endpoint in done:
                    continue
                done.add(endpoint)
                if settings.auth_rate_limit and (
                        endpoint in wanted or getattr(view, "auth_rate_limited", False)):
                    # Decorated limits are checked by the wrapper, so the wrapper becomes the view.
                    app.view_functions[endpoint] = limiter.limit(
                        settings.auth_rate_limit, methods=["POST"], override_defaults=False)(view)

    return attach
