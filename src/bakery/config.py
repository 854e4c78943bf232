"""Settings from the environment (and a .env file). Production refuses unsafe settings."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENVIRONMENTS = ("development", "production", "testing")
# Placeholders seen in examples and in the earlier app; never acceptable in production.
WEAK_SECRETS = {
    "bakery_secret_key_change_in_production", "change-me", "changeme", "secret", "dev",
    "development", "your-secret-key-here", "your-secret", "fallback-secret-for-dev-only",
    "please-change-me", "replace-me", "test", "password",
    "secret-key", "secret_key", "secretkey", "dev-secret-key", "your-secret-key", "mysecret",
    "supersecret", "changeit", "default", "insecure", "flask-secret-key", "s3cr3t",
    "your-secret-key-change-in-production", "change-this-secret-key", "not-so-secret",
}
MIN_SECRET_DISTINCT_CHARACTERS = 8  # "x" * 40 is long but not random
TRUE_WORDS = ("1", "true", "yes", "on")
MIN_SECRET_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 16
# A revocation made elsewhere may wait this long at most, whatever TOKEN_CACHE_SECONDS asks for.
MAX_TOKEN_CACHE_SECONDS = 60
# How new passwords are hashed (werkzeug's method). Outside tests: werkzeug's default, scrypt at
# a cost of about 0.3 s a hash. The test suite signs in thousands of times, so under
# BAKERY_ENV=testing (and only there) scrypt runs at 1/32 of that memory and work.
PASSWORD_HASH = "scrypt"
TESTING_PASSWORD_HASH = "scrypt:1024:8:1"


def is_weak_secret(secret: str) -> bool:
    """A placeholder, too short, or too repetitive to be a random key."""
    cleaned = secret.strip().lower()
    return (cleaned in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH
            or len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS)


class ConfigError(Exception):
    """A setting that makes it unsafe or impossible to start; the message says which and why."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0,
         maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")
def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"BAKERY_TIMEZONE must be an IANA time zone such as Europe/Berlin, "
                          f"got {name!r}") from exc


def default_database_url(instance: Path) -> str:
    return f"sqlite:///{(instance / 'bakery.db').resolve()}"


DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
PROXY_FIX_HOPS = ("for", "proto", "host", "port", "prefix")


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit in the `limits` notation ("100 per minute;1000/day"); "off" disables it."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if raw.lower() in ("off", "none", "0"):
        return ""
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must look like '100 per minute' or 'off', got {raw!r}") from exc
    return raw


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
    # How long this process trusts what it read about a token (services/token_cache.py); 0: never.
    token_cache_seconds: int = 5
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_recycle: int = 1800
    db_connect_timeout: int = 5
    db_pool_timeout: int = 10
    db_pool_pre_ping: bool = True
    migrate_on_start: bool = True
    max_content_length: int = 1024 * 1024
    timezone: str = "UTC"
    alert_webhook_url: str | None = None
    instance_path: Path = field(default_factory=lambda: Path("instance"))
    debug: bool = False
    cors_origins: tuple[str, ...] = ()
    api_rate_limit: str = "6000 per minute"
    auth_rate_limit: str = "10 per minute"
    auth_rate_limit_endpoints: tuple[str, ...] = ("api.create_token", "web.login")
    rate_limit_prefix: str = "bakery"
    proxy_fix: dict = field(default_factory=dict)
    content_security_policy: str = DEFAULT_CSP
    metrics_token: str | None = None
    trusted_hosts: tuple[str, ...] = ()
    idempotency_key_days: int = 7
    session_hours: int = 12
    login_free_failures: int = 5
    login_delay_max_seconds: int = 300
    void_minutes: int = 10
    # None: API clients may sell without a till session, the POS page asks for one.
    require_till_session: bool | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def password_hash_method(self) -> str:
        """werkzeug's method for new password hashes: cheap only under BAKERY_ENV=testing."""
        return TESTING_PASSWORD_HASH if self.env == "testing" else PASSWORD_HASH

    @property
    def zone(self) -> tzinfo:
        """BAKERY_TIMEZONE as a zone: where the bakery's days begin and end."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
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
            port=_int(env, "PORT", 5000, 1, 65535),
            web_concurrency=_int(env, "WEB_CONCURRENCY", 0),
            admin_email=env.get("BAKERY_ADMIN_EMAIL") or None,
            admin_password=env.get("BAKERY_ADMIN_PASSWORD") or None,
            redis_url=env.get("REDIS_URL") or None,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_format=(env.get("LOG_FORMAT") or ("json" if name == "production" else "text")),
            token_hours=_int(env, "BAKERY_TOKEN_HOURS", 12, 1),
            token_cache_seconds=_int(env, "TOKEN_CACHE_SECONDS", cls.token_cache_seconds, 0,
                                     MAX_TOKEN_CACHE_SECONDS),
            db_pool_size=_int(env, "DB_POOL_SIZE", 5, 1),
            db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 10, 0),
            db_pool_recycle=_int(env, "DB_POOL_RECYCLE", 1800, 1),
            db_connect_timeout=_int(env, "DB_CONNECT_TIMEOUT", 5, 1),
            db_pool_timeout=_int(env, "DB_POOL_TIMEOUT", 10, 1),
            db_pool_pre_ping=_bool(env, "DB_POOL_PRE_PING", True),
            migrate_on_start=_bool(env, "BAKERY_MIGRATE_ON_START", True),
            instance_path=instance,
            debug=(env.get("FLASK_DEBUG") or env.get("BAKERY_DEBUG") or "").strip().lower()
            in TRUE_WORDS,
            cors_origins=_list(env, "CORS_ORIGINS"),
            api_rate_limit=_rate(env, "API_RATE_LIMIT", cls.api_rate_limit),
            auth_rate_limit=_rate(env, "AUTH_RATE_LIMIT", cls.auth_rate_limit),
            auth_rate_limit_endpoints=_list(env, "AUTH_RATE_LIMIT_ENDPOINTS",
                                            cls.auth_rate_limit_endpoints),
            rate_limit_prefix=env.get("RATE_LIMIT_PREFIX") or cls.rate_limit_prefix,
            proxy_fix={hop: _int(env, f"PROXY_FIX_X_{hop.upper()}", 0) for hop in PROXY_FIX_HOPS},
            content_security_policy=env.get("CONTENT_SECURITY_POLICY") or DEFAULT_CSP,
            timezone=(env.get("BAKERY_TIMEZONE") or "UTC").strip(),
            alert_webhook_url=(env.get("ALERT_WEBHOOK_URL") or "").strip() or None,
            metrics_token=(env.get("METRICS_TOKEN") or "").strip() or None,
            trusted_hosts=_list(env, "TRUSTED_HOSTS"),
            idempotency_key_days=_int(env, "IDEMPOTENCY_KEY_DAYS", 7, 1),
            session_hours=_int(env, "BAKERY_SESSION_HOURS", 12, 1, 24 * 31),
            login_free_failures=_int(env, "LOGIN_FREE_FAILURES", 5, 1, 100),
            login_delay_max_seconds=_int(env, "LOGIN_DELAY_MAX_SECONDS", 300, 1, 86400),
            void_minutes=_int(env, "BAKERY_VOID_MINUTES", 10, 0, 24 * 60),
            require_till_session=(_bool(env, "BAKERY_REQUIRE_TILL_SESSION", False)
                                  if (env.get("BAKERY_REQUIRE_TILL_SESSION") or "").strip()
                                  else None),
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
        if self.metrics_token is not None and len(self.metrics_token) < MIN_METRICS_TOKEN_LENGTH:
            raise ConfigError(f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} "
                              "characters (python -c 'import secrets; print(secrets.token_hex(16))')")
        if self.is_production:
            if not self.secret_key:
                raise ConfigError("SECRET_KEY is required when BAKERY_ENV=production "
                                  "(generate one: python -c 'import secrets; print(secrets.token_hex(32))')")
            if is_weak_secret(self.secret_key):
                raise ConfigError(f"SECRET_KEY is too weak for production: use at least "
                                  f"{MIN_SECRET_LENGTH} random characters, not a placeholder "
                                  f"(python -c 'import secrets; print(secrets.token_hex(32))')")
            if self.debug:
                raise ConfigError("debug mode must be off when BAKERY_ENV=production: unset "
                                  "FLASK_DEBUG and BAKERY_DEBUG")
        elif not self.secret_key:
            self.secret_key = secrets.token_hex(32)
