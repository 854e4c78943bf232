"""A browser-like test client for the web pages: logs in through the form, sends CSRF tokens."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from bakery.services.users import create_user

PASSWORD = "correct horse"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """Keeps the cookie jar and the CSRF token of the last page, like a person's browser."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.token: str | None = None
        self.email: str | None = None

    def get(self, url: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.text[:2000])
        self._remember(response)
        return response

    def post(self, url: str, data: dict | None = None, status: int = 302, csrf: bool = True,
             **kwargs: Any) -> Any:
        payload = dict(data or {})
        if csrf:
            if self.token is None:
                self.get(url if kwargs.get("token_from") is None else kwargs["token_from"])
            payload.setdefault("csrf_token", self.token)
        kwargs.pop("token_from", None)
        response = self.client.post(url, data=payload, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.text[:3000])
        self._remember(response)
        return response

    def _remember(self, response: Any) -> None:
        if response.mimetype == "text/html":
            found = TOKEN.search(response.text)
            if found:
                self.token = found.group(1)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        self.email = email
        return response


def make_user(app: Any, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:6]}@bakery.test"
    create_user(app.extensions["bakery.sessions"], email=email, role=role, password=PASSWORD,
                hash_method=app.extensions["bakery.settings"].password_hash_method)
    return email


@pytest.fixture
def browser_as(app: Any) -> Any:
    """browser_as("baker"): a logged-in browser for a new user with that role."""

    def make(role: str = "admin") -> Browser:
        browser = Browser(app)
        browser.login(make_user(app, role))
        return browser

    return make


@pytest.fixture
def admin(browser_as: Any) -> Browser:
    return browser_as("admin")


def count(sessions: Any, model: Any) -> int:
    from sqlalchemy import func, select

    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)))
