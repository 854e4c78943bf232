"""API tests: every response is checked against the OpenAPI document; helpers for bad input."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.helpers import snapshot

from .contract import check_response


@pytest.fixture(autouse=True)
def responses_follow_the_document(monkeypatch):
    """Wrap the API client so that every response of every test is validated."""
    original = Api.request

    def request(self, method, path, headers=None, **kwargs):
        response = original(self, method, path, headers=headers, **kwargs)
        assert response.is_json, (method, path, response.status_code, response.data[:200])
        check_response(method, path, response.status_code, response.get_json())
        return response

    monkeypatch.setattr(Api, "request", request)


@pytest.fixture
def unchanged(sessions):
    """`with unchanged():` fails if the block wrote any row or moved any stock."""

    @contextmanager
    def block() -> Any:
        before = snapshot(sessions)
        yield
        assert snapshot(sessions) == before

    return block


def error_of(response: Any, status: int, code: str | None = None) -> dict:
    """Assert an error response and return its `error` object."""
    assert response.status_code == status, (response.status_code, response.get_json())
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code
    return error
