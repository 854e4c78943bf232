"""Fixtures for the security tests: apps with chosen settings, on a throwaway SQLite copy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bakery import create_app
from tests.conftest import make_settings, sqlite_copy


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build apps with setting overrides; their engines are disposed afterwards."""
    made: list[Any] = []

    def build(database_url: str, config: dict | None = None, **overrides: Any) -> Any:
        overrides.setdefault("rate_limit_prefix", f"bakery-test-{uuid.uuid4().hex}")
        application = create_app(config, settings=make_settings(database_url, tmp_path, **overrides))
        made.append(application)
        return application

    yield build
    for application in made:
        application.extensions["bakery.engine"].dispose()


@pytest.fixture
def sqlite_app(make_app: Callable[..., Any], sqlite_url: str) -> Any:
    return make_app(sqlite_url)
