"""gunicorn settings, connection-pool settings and TLS to PostgreSQL, read from the environment."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from bakery import create_app
from bakery.config import ConfigError, Settings
from bakery.db.engine import make_engine
from tests.conftest import make_settings

from .conftest import ROOT, find_tool, run


def _gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for key in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_GRACEFUL_TIMEOUT", "LOG_FORMAT",
                "BAKERY_ENV", "FLASK_ENV"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import bakery.gunicorn_conf

    return importlib.reload(bakery.gunicorn_conf)


def test_gunicorn_takes_workers_threads_and_timeouts_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _gunicorn_conf(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
                          GUNICORN_GRACEFUL_TIMEOUT="45")
    assert (conf.workers, conf.threads, conf.graceful_timeout) == (3, 4, 45)
    assert conf.accesslog == "-" and conf.errorlog == "-"
    if os.access("/dev/shm", os.W_OK):
        assert conf.worker_tmp_dir == "/dev/shm"


def test_by_default_gunicorn_runs_two_sync_workers_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    conf = _gunicorn_conf(monkeypatch)
    assert (conf.workers, conf.threads) == (6, 1)  # one thread: gunicorn's sync worker
    from bakery.cli import default_workers

    assert default_workers() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert default_workers() == 8  # more processes cost more CPU per request than they add


def test_gunicorn_logs_json_in_production_and_text_in_development(
        monkeypatch: pytest.MonkeyPatch) -> None:
    production = _gunicorn_conf(monkeypatch, BAKERY_ENV="production")
    assert production.logconfig_dict["formatters"]["bakery"] == {"()": "bakery.logs.JsonFormatter"}
    development = _gunicorn_conf(monkeypatch, BAKERY_ENV="development")
    assert "format" in development.logconfig_dict["formatters"]["bakery"]
    assert _gunicorn_conf(monkeypatch, BAKERY_ENV="development", LOG_FORMAT="json") \
        .logconfig_dict["formatters"]["bakery"] == {"()": "bakery.logs.JsonFormatter"}


def test_gunicorn_itself_accepts_the_configuration(tmp_path: Path) -> None:
    gunicorn = find_tool("gunicorn")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'check.db'}",
           "BAKERY_INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "2"}
    result = run([gunicorn, "--check-config", "--config", "python:bakery.gunicorn_conf",
                  "bakery.wsgi:app"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pool_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"DB_POOL_SIZE": "7", "DB_MAX_OVERFLOW": "3",
                                  "DB_POOL_RECYCLE": "600", "DB_POOL_TIMEOUT": "9",
                                  "DB_POOL_PRE_PING": "false", "BAKERY_MIGRATE_ON_START": "0"})
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_recycle,
            settings.db_pool_timeout) == (7, 3, 600, 9)
    assert settings.db_pool_pre_ping is False and settings.migrate_on_start is False
    defaults = Settings.from_env({})
    assert defaults.db_pool_pre_ping is True and defaults.migrate_on_start is True


@pytest.mark.parametrize("name,value", [("DB_POOL_PRE_PING", "perhaps"),
                                        ("BAKERY_MIGRATE_ON_START", "2"),
                                        ("DB_POOL_TIMEOUT", "0"), ("DB_POOL_SIZE", "many")])
def test_a_bad_pool_setting_is_refused_with_its_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


@pytest.mark.postgres
def test_the_engine_pool_is_built_from_the_settings(pg_url: str, tmp_path: Path) -> None:
    app = create_app(settings=make_settings(pg_url, tmp_path, db_pool_size=4, db_max_overflow=1,
                                            db_pool_recycle=120, db_pool_timeout=7,
                                            db_pool_pre_ping=False))
    pool = app.extensions["bakery.engine"].pool
    try:
        assert (pool.size(), pool._max_overflow, pool._recycle, pool._timeout) == (4, 1, 120, 7)
        assert not getattr(app.extensions["bakery.engine"], "info_pings_idle", False)
    finally:
        app.extensions["bakery.engine"].dispose()


@pytest.mark.postgres
def test_sslmode_in_database_url_reaches_the_postgresql_driver(pg_url: str) -> None:
    """`?sslmode=` is how TLS to managed PostgreSQL is asked for; prove it is honoured."""
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        server_has_tls = conn.execute("SHOW ssl").fetchone() == ("on",)
    engine = make_engine(pg_url + "?sslmode=require")
    try:
        if server_has_tls:
            with engine.connect() as connection:
                encrypted = connection.execute(text(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar_one()
            assert encrypted is True
        else:
            with pytest.raises(Exception, match=r"(?i)ssl"), engine.connect():
                pass
    finally:
        engine.dispose()
    plain = make_engine(pg_url + "?sslmode=disable")
    try:
        with plain.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        plain.dispose()


def test_healthcheck_command_fails_when_nothing_listens(tmp_path: Path) -> None:
    from .server import free_port

    bakery = str(Path(sys.executable).parent / "bakery")
    result = run([bakery, "healthcheck"], env={**os.environ, "PORT": str(free_port())}, cwd=ROOT)
    assert result.returncode != 0
    assert "healthz" in result.stderr
