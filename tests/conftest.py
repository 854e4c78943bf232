"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), the app, API clients.

Every database test runs twice, on a fresh SQLite file and on a fresh PostgreSQL database
created for this run on the server at BAKERY_TEST_PG (default the local server). Without CI set,
a missing PostgreSQL skips those variants; with CI set it fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bakery import create_app
from bakery.config import Settings
from bakery.db.migrate import upgrade
from tests.builders import Bakery, ThroughApi

PG_ADMIN_URL = os.environ.get("BAKERY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server, so `-m "not postgres"` leaves it out."""
    for item in items:
        if {"pg_url", "pg_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


class PostgresServer:
    """Creates and drops uniquely named databases on the test server.

    The schema is migrated once into a template database; each test gets a copy of it. Copies
    are made one ahead and dropped behind, on a helper thread, so tests do not wait for them.
    """

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template: str | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-test-dbs")
        self._spare: Future[str] | None = None
        self._drops: list[Future[None]] = []

    def _url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, migrated: bool = True) -> str:
        name = f"bakery_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if migrated and self.template is None:
            self.template = self._create(migrated=False)
            upgrade(self.template)
        source = f' TEMPLATE "{self.template.rsplit("/", 1)[-1]}"' if migrated and self.template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{source}'))
        return self._url(name)

    def create(self, migrated: bool = True) -> str:
        if not migrated:
            return self._create(migrated=False)
        # the first call also builds the template, before any copy is made in the background
        url = self._spare.result() if self._spare is not None else self._create()
        self._spare = self._worker.submit(self._create)
        return url

    def _drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop(self, url: str, now: bool = True) -> None:
        if now:
            self._drop(url)
        else:
            self._drops.append(self._worker.submit(self._drop, url))

    def close(self) -> None:
        """Drop the spare copy and the template once every pending drop has run."""
        if self._spare is not None:
            self.drop(self._spare.result(), now=False)
        for pending in self._drops:
            pending.result()
        self._worker.shutdown(wait=True)
        if self.template:
            self._drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    server = PostgresServer()
    yield server
    server.close()


def _pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url, now=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bakery.db"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / "bakery.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        yield sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        yield from _pg_url(request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty PostgreSQL database (for tests that need real row locks)."""
    yield from _pg_url(request)


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    settings = Settings(env="testing", database_url=database_url, secret_key="x" * 40,
                        instance_path=tmp_path / "instance", log_level="WARNING")
    # Tests post many bad logins on purpose; tests of the limits themselves set their own.
    settings.auth_rate_limit = "1000 per minute"
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    application = create_app(settings=make_settings(database_url, tmp_path))
    yield application
    application.extensions["bakery.engine"].dispose()


@pytest.fixture
def sessions(app: Any) -> Any:
    return app.extensions["bakery.sessions"]


class Api:
    """A test client that speaks the API as one user: `api.post('/sales', json=...)`."""

    def __init__(self, client: Any, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        result = dict(headers or {})
        if self.token:
            result.setdefault("Authorization", f"Bearer {self.token}")
        return result

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs: Any) -> Any:
        return self.client.open("/api/v1" + path, method=method, headers=self._headers(headers),
                                **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """Call and assert the status; return the JSON body."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json()


def login(app: Any, role: str = "admin") -> Api:
    from bakery.services.users import create_user

    email = f"{role}-{uuid.uuid4().hex[:6]}@bakery.test"
    create_user(app.extensions["bakery.sessions"], email=email, role=role, password="correct horse",
                hash_method=app.extensions["bakery.settings"].password_hash_method)
    client = app.test_client()
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": "correct horse"})
    assert response.status_code == 201, response.get_json()
    return Api(client, response.get_json()["token"])


@pytest.fixture
def api(app: Any) -> Api:
    """An admin's API client."""
    return login(app, "admin")


@pytest.fixture
def as_role(app: Any) -> Any:
    return lambda role: login(app, role)


@pytest.fixture
def bakery(api: Api) -> Bakery:
    """A small bakery built through the admin's API client."""
    return Bakery(ThroughApi(api))
