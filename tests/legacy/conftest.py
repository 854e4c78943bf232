"""Fixtures for moving data in and out: legacy files, a second fresh database, CLI runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bakery import create_app
from tests.conftest import make_settings, sqlite_copy


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second migrated, empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "second"
        folder.mkdir()
        yield sqlite_copy(request.getfixturevalue("sqlite_template"), folder)
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create()
        try:
            yield url
        finally:
            server.drop(url)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    """Builds apps on given databases and disposes of their engines afterwards."""
    made: list[Any] = []

    def build(url: str) -> Any:
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        application = create_app(settings=make_settings(url, folder))
        made.append(application)
        return application

    yield build
    for application in made:
        application.extensions["bakery.engine"].dispose()


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(app: Any, *args: str) -> Any:
    """Run a `bakery` command against `app`; the result has exit_code, output and stderr."""
    return app.test_cli_runner().invoke(args=[str(a) for a in args])
