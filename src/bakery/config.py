"""Settings from the environment (and a .env file). Production refuses unsafe settings."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

ENVIRONMENTS = ("development", "production", "testing")
# Placeholders seen in examples and in the earlier app; never acceptable in production.
WEAK_SECRETS = {
    "bakery_secret_key_change_in_production", "change-me", "changeme", "secret", "dev",
    "development", "your-secret-key-here", "your-secret", "fallback-secret-for-dev-only",
    "please-change-me", "replace-me", "test", "password",
}
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """A setting that makes it unsafe or impossible to start; the message says which and why."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"BAKERY_TIMEZONE must be an IANA time zone such as Europe/Berlin, "
                          f"got {name!r}") from exc


def default_database_url(instance: Path) -> str:
    return f"sqlite:///{(instance / 'bakery.db').resolve()}"


@dataclass
class Settings:
    env: str = "development"
    database_url: str = ""
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    web_concurrency: int = 0
    admin_email: str | None = None
    admin_password: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    token_hours: int = 12
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_recycle: int = 1800
    max_content_length: int = 1024 * 1024
    timezone: str = "UTC"
    alert_webhook_url: str | None = None
    instance_path: Path = field(default_factory=lambda: Path("instance"))
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        name = (env.get("BAKERY_ENV") or env.get("FLASK_ENV") or "development").strip().lower()
        if name not in ENVIRONMENTS:
            raise ConfigError(f"BAKERY_ENV must be one of {', '.join(ENVIRONMENTS)}, got {name!r}")
        instance = Path(env.get("BAKERY_INSTANCE_PATH") or "instance")
        settings = cls(
            env=name,
            database_url=env.get("DATABASE_URL") or default_database_url(instance),
            secret_key=env.get("SECRET_KEY", ""),
            host=env.get("HOST") or "127.0.0.1",
            port=_int(env, "PORT", 5000, 1),
            web_concurrency=_int(env, "WEB_CONCURRENCY", 0),
            admin_email=env.get("BAKERY_ADMIN_EMAIL") or None,
            admin_password=env.get("BAKERY_ADMIN_PASSWORD") or None,
            redis_url=env.get("REDIS_URL") or None,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_format=(env.get("LOG_FORMAT") or ("json" if name == "production" else "text")),
            token_hours=_int(env, "BAKERY_TOKEN_HOURS", 12, 1),
            db_pool_size=_int(env, "DB_POOL_SIZE", 5, 1),
            db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 10, 0),
            db_pool_recycle=_int(env, "DB_POOL_RECYCLE", 1800, 1),
            instance_path=instance,
            timezone=(env.get("BAKERY_TIMEZONE") or "UTC").strip(),
            alert_webhook_url=(env.get("ALERT_WEBHOOK_URL") or "").strip() or None,
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse what is unsafe in production; fill in development defaults."""
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, "
                              f"got {self.log_level!r}")
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"LOG_FORMAT must be text or json, got {self.log_format!r}")
        _check_timezone(self.timezone)
        if self.alert_webhook_url and not self.alert_webhook_url.startswith(("http://", "https://")):
            raise ConfigError(f"ALERT_WEBHOOK_URL must be an http:// or https:// URL, "
                              f"got {self.alert_webhook_url!r}")
        if self.is_production:
            if not self.secret_key:
                raise ConfigError("SECRET_KEY is required when BAKERY_ENV=production "
                                  "(generate one: python -c 'import secrets; print(secrets.token_hex(32))')")
            if self.secret_key.strip().lower() in WEAK_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ConfigError(f"SECRET_KEY is too weak for production: use at least "
                                  f"{MIN_SECRET_LENGTH} random characters, not a placeholder")
        elif not self.secret_key:
            self.secret_key = secrets.token_hex(32)
