"""Bakery: inventory and point of sale. `create_app` builds the Flask application."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

__version__ = "0.1.0"

log = logging.getLogger("bakery")


def create_app(config: dict[str, Any] | None = None, settings: Any = None) -> Flask:
    """The application factory: settings, database, blueprints, error handlers, CLI."""
    from .config import Settings
    from .db.engine import make_engine, make_session_factory
    from .jsonio import ExactJSONProvider
    from .logs import configure_logging

    settings = settings or Settings.from_env()
    configure_logging(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.json_provider_class = ExactJSONProvider
    app.json = ExactJSONProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        DEBUG=settings.env == "development" and bool((config or {}).get("DEBUG", False)),
        TESTING=settings.env == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
    )
    app.config.update(config or {})
    if settings.is_sqlite:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        if settings.is_production:
            log.warning("SQLite suits one machine only: use PostgreSQL (DATABASE_URL) to run "
                        "more than one instance")
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow,
                         pool_recycle=settings.db_pool_recycle,
                         connect_timeout=settings.db_connect_timeout,
                         pool_timeout=settings.db_pool_timeout,
                         pool_pre_ping=settings.db_pool_pre_ping)
    app.extensions["bakery.settings"] = settings
    app.extensions["bakery.engine"] = engine
    app.extensions["bakery.sessions"] = make_session_factory(engine)

    from .api import api

    app.register_blueprint(api)
    from .web.backup import backup_pages

    app.register_blueprint(backup_pages)
    from .services.alerts import init_alerts
    from .web.reports import reports_pages

    init_alerts(app)
    app.register_blueprint(reports_pages)
    _register_operations_endpoints(app)
    from . import observability

    observability.init_app(app)
    _purge_old_keys_now_and_then(app, settings)
    _register_error_handlers(app)
    from .web import init_web

    init_web(app)

    from .security import init_security

    init_security(app, settings)  # headers, CORS, rate limits, ProxyFix: after all blueprints

    from .cli import register_commands

    register_commands(app)
    return app


def _register_operations_endpoints(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Any:
        try:
            with app.extensions["bakery.engine"].connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means not ready
            log.warning("readiness check failed: %s", exc.__class__.__name__)
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import DBAPIError, OperationalError

    from .api.errors import ApiError, error_response, from_domain
    from .domain.errors import DomainError

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        return from_domain(exc)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if not _wants_json():
            return exc  # type: ignore[return-value]
        code = (exc.name or "error").lower().replace(" ", "_")
        code = {"request_entity_too_large": "payload_too_large"}.get(code, code)
        # Keep what the exception says beyond the body (e.g. `Allow` on a 405, RFC 9110).
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return error_response(exc.code or 500, code, exc.description or exc.name, headers=headers)

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError) -> Response:
        log.error("database unavailable: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
        return error_response(503, "unavailable", "the database is unavailable; try again shortly",
                              headers={"Retry-After": "2"})

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Response:
        log.exception("database error")
        return error_response(500, "internal_error", "the request failed; nothing was changed")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "the request failed; nothing was changed")


# Each process purges old Idempotency-Keys at most this often, once an answer has gone out.
PURGE_EVERY_SECONDS = 600.0


def _purge_old_keys_now_and_then(app: Flask, settings: Any) -> None:
    """Keep the Idempotency-Key table to its retention without a scheduler: now and then, after
    a response is sent, one small batch of old keys goes (services/retention.py)."""
    import time
    from datetime import timedelta

    from .services.retention import purge_idempotency_keys

    factory = app.extensions["bakery.sessions"]
    keep = timedelta(days=settings.idempotency_key_days)
    due = [time.monotonic() + PURGE_EVERY_SECONDS]

    def purge() -> None:
        try:
            purge_idempotency_keys(factory, keep, max_batches=1)
        except Exception:  # noqa: BLE001 - a failed purge is tried again next time
            log.warning("purging old Idempotency-Keys failed", exc_info=True)

    @app.after_request
    def purge_now_and_then(response: Response) -> Response:
        if time.monotonic() >= due[0]:
            due[0] = time.monotonic() + PURGE_EVERY_SECONDS
            response.call_on_close(purge)
        return response
