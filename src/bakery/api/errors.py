"""The contract's error body, and the mapping from domain errors to HTTP statuses."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import ValidationError

from ..domain.errors import DomainError

STATUS = {"not_found": 404, "conflict": 409, "insufficient_stock": 409, "validation_error": 422,
          "unauthorized": 401, "forbidden": 403, "bad_request": 400}


class ApiError(Exception):
    """An error raised by the HTTP layer itself (auth, malformed JSON)."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def error_response(status: int, code: str, message: str, details: dict | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def from_domain(exc: DomainError) -> Response:
    return error_response(STATUS.get(exc.code, 409), exc.code, exc.message, exc.details)


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Map each bad field (dotted path) to a readable message."""
    details: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(p) for p in error["loc"]) or "body"
        path = path.replace("from_", "from")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        details.setdefault(prefix + path, message)
    return details


def validation_response(exc: ValidationError, where: str = "body") -> Response:
    details = field_errors(exc)
    summary = "; ".join(f"{k}: {v}" for k, v in list(details.items())[:3])
    return error_response(422, "validation_error", f"invalid {where}: {summary}", details)


