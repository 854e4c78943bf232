"""Every error the app answers: the contract's JSON body for the API and JSON clients, a page for
browsers, and the HTTP status of each domain error. `register_error_handlers` is called once by
the application factory.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from .domain.errors import DomainError, TooSoon

log = logging.getLogger("bakery")

STATUS = {"not_found": 404, "conflict": 409, "insufficient_stock": 409, "validation_error": 422,
          "unauthorized": 401, "forbidden": 403, "bad_request": 400, "rate_limited": 429}
STALE_FORM = ("This form was open too long or came from elsewhere. Nothing was saved: "
              "go back, reload the page and try again.")


class ApiError(Exception):
    """An error raised by the HTTP layer itself (auth, malformed JSON)."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it; browsers get pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, details: dict | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The contract's error body: {"error": {"code", "message", "details"}}."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_page(status: int, message: str,
               headers: dict[str, str] | None = None) -> ResponseReturnValue:
    return render_template("error.html", status=status, message=message), status, headers or {}


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


def _answer(status: int, code: str, message: str, details: dict | None = None,
            headers: dict[str, str] | None = None) -> ResponseReturnValue:
    """The error as JSON or as a page, whichever the client wants."""
    if wants_json():
        return error_response(status, code, message, details, headers)
    return error_page(status, message, headers)


def _domain_error(exc: DomainError) -> ResponseReturnValue:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooSoon) else None
    return _answer(STATUS.get(exc.code, 409), exc.code, exc.message, exc.details, headers)


def _api_error(exc: ApiError) -> ResponseReturnValue:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return _answer(exc.status, exc.code, exc.message, exc.details, headers)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status, message = exc.code or 500, exc.description or exc.name
    if isinstance(exc, SecurityError):  # an untrusted Host: no URL to build a page with
        return error_response(status, "bad_request", "this host name is not served here")
    if not wants_json():
        return error_page(status, STALE_FORM if isinstance(exc, CSRFError) else message)
    code = (exc.name or "error").lower().replace(" ", "_")
    code = {"request_entity_too_large": "payload_too_large"}.get(code, code)
    # Keep what the exception says beyond the body (e.g. `Allow` on a 405, RFC 9110).
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return error_response(status, code, message, headers=headers)


def _database_down(exc: OperationalError) -> ResponseReturnValue:
    log.error("database unavailable: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
    return _answer(503, "unavailable", "the database is unavailable; try again shortly",
                   headers={"Retry-After": "2"})


def _database_error(exc: DBAPIError) -> ResponseReturnValue:
    log.exception("database error")
    return _answer(500, "internal_error", "the request failed; nothing was changed")


def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return _answer(500, "internal_error", "the request failed; nothing was changed")


def register_error_handlers(app: Flask) -> None:
    """Answer domain, HTTP, database and unexpected errors for the whole app."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected)
