"""Production refuses to start with a weak or missing SECRET_KEY or with debug on, in one line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bakery import create_app
from bakery.config import ConfigError, Settings
from tests.conftest import make_settings

STRONG = "9f2c41d0b7e8a6f35c1d2e4b8a7f6c0d9e3b5a1c"
PRODUCTION = {"BAKERY_ENV": "production", "SECRET_KEY": STRONG}


@pytest.mark.parametrize("secret", [
    "", "bakery_secret_key_change_in_production", "change-me", "your-secret-key-here",
    "short-but-random-7f3a", "x" * 64, "abababababababababababababababababab",
])
def test_production_refuses_a_missing_or_weak_secret_key(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY") as caught:
        Settings.from_env({**PRODUCTION, "SECRET_KEY": secret})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("variable", ["FLASK_DEBUG", "BAKERY_DEBUG"])
def test_production_refuses_debug_mode(variable):
    with pytest.raises(ConfigError, match="debug"):
        Settings.from_env({**PRODUCTION, variable: "1"})
    assert Settings.from_env({**PRODUCTION, variable: "0"}).debug is False


def test_debug_forced_through_app_config_is_refused_in_production(tmp_path, sqlite_template):
    from tests.conftest import sqlite_copy

    settings = make_settings(sqlite_copy(sqlite_template, tmp_path), tmp_path, env="production",
                             secret_key=STRONG)
    with pytest.raises(ConfigError, match="debug"):
        create_app({"DEBUG": True}, settings=settings)


def test_a_strong_key_starts_and_sqlite_in_production_warns_it_suits_one_machine(
        tmp_path, sqlite_template, caplog):
    from tests.conftest import sqlite_copy

    settings = make_settings(sqlite_copy(sqlite_template, tmp_path), tmp_path, env="production",
                             secret_key=STRONG)
    with caplog.at_level(logging.WARNING, logger="bakery"):
        app = create_app(settings=settings)
    app.extensions["bakery.engine"].dispose()
    assert app.debug is False
    assert any("one machine" in record.getMessage() for record in caplog.records)


def _serve(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("BAKERY_", "FLASK_", "SECRET_KEY", "DATABASE_URL"))}
    full.update(env, BAKERY_INSTANCE_PATH=str(tmp_path / "instance"), PORT="1")
    return subprocess.run([sys.executable, "-c", "from bakery.cli import main; main()", "serve"],
                          env=full, cwd=tmp_path, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("env, reason", [
    ({"BAKERY_ENV": "production"}, "SECRET_KEY is required"),
    ({"BAKERY_ENV": "production", "SECRET_KEY": "bakery_secret_key_change_in_production"},
     "SECRET_KEY is too weak"),
    ({**PRODUCTION, "FLASK_DEBUG": "1"}, "debug mode must be off"),
])
def test_bakery_serve_refuses_unsafe_production_settings_in_one_line(tmp_path, env, reason):
    result = _serve(env, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert not (tmp_path / "instance" / "bakery.db").exists()  # refused before touching data
