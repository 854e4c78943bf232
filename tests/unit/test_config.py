"""Settings from the environment: safe defaults, production refuses unsafe settings."""

import pytest

from bakery.config import (
    MIN_SECRET_LENGTH,
    PASSWORD_HASH,
    TESTING_PASSWORD_HASH,
    ConfigError,
    Settings,
)

STRONG = "3c9f0a7d41e2b86c5f1d9a0e7b3c64d2"  # MIN_SECRET_LENGTH random characters


def test_development_is_the_default_and_gets_a_random_secret():
    first, second = Settings.from_env({}), Settings.from_env({})
    assert first.env == "development"
    assert len(first.secret_key) >= MIN_SECRET_LENGTH
    assert first.secret_key != second.secret_key
    assert first.database_url.startswith("sqlite:///") and first.database_url.endswith("bakery.db")
    assert (first.host, first.port) == ("127.0.0.1", 5000)


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        Settings.from_env({"BAKERY_ENV": "production"})


@pytest.mark.parametrize("weak", [
    "bakery_secret_key_change_in_production", "BAKERY_SECRET_KEY_CHANGE_IN_PRODUCTION",
    "change-me", "secret", "  changeme  ", "short-but-random-7f3a",
])
def test_production_refuses_a_weak_secret_key(weak):
    with pytest.raises(ConfigError, match="too weak"):
        Settings.from_env({"BAKERY_ENV": "production", "SECRET_KEY": weak})


def test_production_accepts_a_long_random_secret_key():
    settings = Settings.from_env({"BAKERY_ENV": "production", "SECRET_KEY": STRONG})
    assert settings.is_production and settings.secret_key == STRONG
    assert settings.log_format == "json"


def test_passwords_are_hashed_cheaply_only_under_testing():
    assert Settings.from_env({"BAKERY_ENV": "testing"}).password_hash_method == TESTING_PASSWORD_HASH
    for env in ({}, {"BAKERY_ENV": "development"}, {"BAKERY_ENV": "production", "SECRET_KEY": STRONG}):
        assert Settings.from_env(env).password_hash_method == PASSWORD_HASH == "scrypt"


def test_flask_env_is_honoured_as_a_legacy_alias():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"FLASK_ENV": "production"})
    assert Settings.from_env({"FLASK_ENV": "testing"}).env == "testing"


def test_bakery_env_wins_over_flask_env():
    assert Settings.from_env({"BAKERY_ENV": "development", "FLASK_ENV": "production"}).env == \
        "development"


def test_an_unknown_environment_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="development, production, testing"):
        Settings.from_env({"BAKERY_ENV": "staging"})


@pytest.mark.parametrize("port", ["http", "5000.5", "0", "-1", "70000"])
def test_a_bad_port_is_refused_naming_the_variable(port):
    with pytest.raises(ConfigError, match="PORT"):
        Settings.from_env({"PORT": port})


def test_port_and_host_come_from_the_environment():
    settings = Settings.from_env({"PORT": "8080", "HOST": "0.0.0.0"})
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)


def test_database_url_and_admin_bootstrap_come_from_the_environment():
    settings = Settings.from_env({"DATABASE_URL": "postgres://u@h/db",
                                  "BAKERY_ADMIN_EMAIL": "a@b.c", "BAKERY_ADMIN_PASSWORD": "pw"})
    assert settings.database_url == "postgres://u@h/db"
    assert (settings.admin_email, settings.admin_password) == ("a@b.c", "pw")
    assert not settings.is_sqlite


@pytest.mark.parametrize("name, value", [("LOG_LEVEL", "LOUD"), ("LOG_FORMAT", "xml"),
                                         ("WEB_CONCURRENCY", "many")])
def test_other_bad_settings_are_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_legacy_postgres_scheme_selects_psycopg():
    from bakery.db.engine import normalize_url

    assert normalize_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    assert normalize_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
