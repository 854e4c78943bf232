"""One declaration per route: path, method, roles, request and response schemas.

`operation` registers a view on the API blueprint with authentication, role checks, body and
query validation and response serialisation, and records it for the OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ValidationError

from ..contract.answers import answer_json
from ..contract.types import MAX_ID
from ..domain.roles import ADMINS, ALL_ROLES, BAKEHOUSE, MANAGERS, TILL
from ..errors import ApiError, validation_response
from ..runtime import sessions
from ..services.unit_of_work import Idempotency
from ..services.users import Principal, principal_for_token

__all__ = [
    "ADMINS",
    "ALL_ROLES",
    "BAKEHOUSE",
    "MANAGERS",
    "OPERATIONS",
    "TILL",
    "Operation",
    "api",
    "current_principal",
    "operation",
]


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI style: /materials/{material_id}
    view: Callable[..., Any]
    summary: str
    tag: str
    roles: Sequence[str] | None  # None: public
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    idempotent: bool = False
    errors: Sequence[int] = field(default_factory=tuple)


OPERATIONS: list[Operation] = []
api = Blueprint("api", __name__, url_prefix="/api/v1")


def current_principal() -> Principal:
    return g.principal


def _authenticate() -> Principal:
    """The caller behind `Authorization: Bearer <token>`, or a 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    principal = principal_for_token(sessions(), token.strip())
    if principal is None:
        raise ApiError(401, "unauthorized", "the token is unknown, expired or revoked")
    g.principal = principal
    return principal


def _flask_rule(path: str) -> str:
    """OpenAPI path to a Flask rule. Ids beyond a BIGINT are refused in the handler (404):
    a bounded converter would turn them into a misleading 405 for other methods."""
    return path.replace("{", "<int:").replace("}", ">")


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.data:
        raise ApiError(400, "bad_request", "a JSON body is required")
    try:
        payload = request.get_json(force=True, silent=False)
    except Exception as exc:  # werkzeug raises BadRequest with a parser message
        raise ApiError(400, "bad_request", "the body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    _refuse_nul(payload, "")
    return model.model_validate(payload)


def _refuse_nul(value: Any, where: str, part: str = "body") -> None:
    """NUL characters cannot be stored (PostgreSQL refuses them): a 422 naming the field."""
    if isinstance(value, str) and "\x00" in value:
        field_name = where or part
        raise ApiError(422, "validation_error", f"invalid {part}: {field_name}: contains a NUL "
                       "character", {field_name: "must not contain NUL characters"})
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(item, f"{where}.{key}" if where else str(key), part)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{where}.{index}", part)


def _parse_query(model: type[BaseModel]) -> BaseModel:
    repeated = [key for key in request.args if len(request.args.getlist(key)) > 1]
    if repeated:
        raise ApiError(422, "validation_error", f"invalid query: {repeated[0]}: given more than "
                       "once", dict.fromkeys(repeated, "given more than once"))
    args = {key: request.args.get(key) for key in request.args}
    _refuse_nul(args, "", "query")
    return model.model_validate(args)


def operation(method: str, path: str, *, summary: str, tag: str,
              roles: Sequence[str] | None, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              status: int = 200, idempotent: bool = False, errors: Sequence[int] = ()
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation. The view gets path ids, `body` and/or `query` as keywords."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(method, path, view, summary, tag, roles, body, query, response, status,
                       idempotent, errors)

        @functools.wraps(view)
        def handler(**path_args: Any) -> Any:
            if roles is not None:
                principal = _authenticate()
                if principal.role not in roles:
                    raise ApiError(403, "forbidden",
                                   f"the {principal.role} role may not {summary.lower()}")
            if any(value > MAX_ID for value in path_args.values()):  # ids are BIGINT
                raise ApiError(404, "not_found", "no such resource")
            kwargs: dict[str, Any] = dict(path_args)
            try:
                if query is not None:
                    kwargs["query"] = _parse_query(query)
            except ValidationError as exc:
                return validation_response(exc, "query")
            try:
                if body is not None:
                    kwargs["body"] = _parse_body(body)
            except ValidationError as exc:
                return validation_response(exc, "body")
            if idempotent:
                kwargs["idem"] = _idempotency(op, kwargs.get("body"), path_args)
            result = view(**kwargs)
            if isinstance(result, Response):  # e.g. a CSV download
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            if response is not None:
                return _answer(response, result, code)
            return result, code

        api.add_url_rule(_flask_rule(path), endpoint=view.__name__, view_func=handler,
                         methods=[method])
        handler.operation = op  # type: ignore[attr-defined]
        OPERATIONS.append(op)
        return handler

    return decorate


def _answer(model: type[BaseModel], result: Any, status: int) -> Response:
    """The view's result as its schema's JSON body, serialised once, as Flask's JSON answer
    would be (compact, or indented where the app's JSON provider indents)."""
    provider = current_app.json
    pretty = getattr(provider, "compact", None) is False or (
        getattr(provider, "compact", None) is None and current_app.debug)
    return current_app.response_class(answer_json(model, result, 2 if pretty else None),
                                      status=status, mimetype="application/json")


def _idempotency(op: Operation, body: BaseModel | None, path_args: dict) -> Idempotency | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255:
        raise ApiError(422, "validation_error", "Idempotency-Key must be 1 to 255 characters",
                       {"Idempotency-Key": "1 to 255 characters"})
    fingerprint = Idempotency.fingerprint(
        {"path": path_args, "body": body.model_dump(mode="json") if body else None})
    return Idempotency(current_principal().id, f"{op.method} {op.path}", key, fingerprint)
