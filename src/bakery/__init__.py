"""Bakery: inventory and point of sale. `create_app` builds the Flask application."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from sqlalchemy import text

if TYPE_CHECKING:
    from .config import Settings

__version__ = "0.1.0"

log = logging.getLogger("bakery")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def create_app(config: dict[str, Any] | None = None, settings: Any = None) -> Flask:
    """The application factory: settings, database, blueprints, error handlers, CLI."""
    from .clock import Clock, install
    from .config import Settings
    from .db.engine import make_engine, make_session_factory
    from .jsonio import ExactJSONProvider
    from .logs import configure_logging
    from .services import token_cache

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
    token_cache.attach(app.extensions["bakery.sessions"], settings.token_cache_seconds)
    install(app, Clock(settings.zone))

    from .api import api

    app.register_blueprint(api)
    from .web.backup import backup_pages

    app.register_blueprint(backup_pages)
    from .web.reports import reports_pages

    _watch_low_stock(app, settings)
    app.register_blueprint(reports_pages)
    _register_operations_endpoints(app)
    from . import observability
    from .errors import register_error_handlers

    observability.init_app(app)
    _purge_old_keys_now_and_then(app, settings)
    register_error_handlers(app)
    from .web import init_web

    init_web(app)

    from .security import init_security

    init_security(app, settings)  # headers, CORS, rate limits, ProxyFix: after all blueprints

    from .cli import register_commands

    register_commands(app)
    return app


def _watch_low_stock(app: Flask, settings: Settings) -> None:
    """With ALERT_WEBHOOK_URL set, sweep for low-stock crossings after every successful write."""
    if not settings.alert_webhook_url:
        return
    from .services.alerts import AlertWatcher

    watcher = AlertWatcher(app.extensions["bakery.sessions"], settings.alert_webhook_url)
    app.extensions["bakery.alerts"] = watcher

    @app.after_request
    def poke_alerts(response: Response) -> Response:
        if request.method in WRITES and 200 <= response.status_code < 300:
            watcher.poke()
        return response


def _register_operations_endpoints(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Any:
        try:
            with app.extensions["bakery.engine"].connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            log.warning("readiness check failed: %s", exc.__class__.__name__)
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}


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
        except Exception:
            log.warning("purging old Idempotency-Keys failed", exc_info=True)

    @app.after_request
    def purge_now_and_then(response: Response) -> Response:
        if time.monotonic() >= due[0]:
            due[0] = time.monotonic() + PURGE_EVERY_SECONDS
            response.call_on_close(purge)
        return response
