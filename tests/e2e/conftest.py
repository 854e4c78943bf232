"""A real server and a real browser: the app on a free port, Debian's Chromium via Playwright.

Without Chromium (or the playwright package) the tests are skipped, except in CI, where that
fails them: `make test-deps` installs Chromium.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bakery import create_app
from tests.conftest import IN_CI, make_settings

CHROMIUM = os.environ.get("BAKERY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (make test-deps installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    problem = _missing()
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The real WSGI app served by werkzeug on 127.0.0.1, on a port the OS picked."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        self.app.extensions["bakery.engine"].dispose()


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(settings=make_settings(database_url, tmp_path))
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A folder for this test's screenshots, under test-artifacts/ (not committed)."""
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")
    folder = ARTIFACTS / "e2e" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def strict_csp(app: Any) -> None:
    """Serve every page under a policy that allows no inline script or style."""

    @app.after_request
    def strict_policy(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = "default-src 'self'; object-src 'none'"
        return response


def signed_in_page(chromium: Any, url: str, email: str, password: str,
                   viewport: dict | None = None) -> tuple[Any, Any, list[str]]:
    """A new browser context signed in through the login form: (context, page, problems), where
    problems collects page errors and console errors as they happen."""
    context = chromium.new_context(viewport=viewport or {"width": 1024, "height": 768})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    return context, page, problems


DEMO_PASSWORD = "correct horse battery"


def demo_owner(chromium: Any, live_server: LiveServer) -> tuple[Any, Any, list[str], Path]:
    """The demo bakery under a strict CSP, its owner signed in: (context, page, the page's
    errors, the screenshot folder). Seed it (and set its clock) before calling."""
    from bakery.services.users import create_user

    strict_csp(live_server.app)
    factory = live_server.app.extensions["bakery.sessions"]
    create_user(factory, email="owner@demo.test", role="admin", password=DEMO_PASSWORD)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context, page, problems = signed_in_page(chromium, live_server.url, "owner@demo.test",
                                             DEMO_PASSWORD)
    return context, page, problems, folder
