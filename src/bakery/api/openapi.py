"""The OpenAPI 3.1 document, built from the same operations and schemas that validate requests."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from ..contract.types import MAX_ID
from .registry import OPERATIONS, Operation, api

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}},
    }},
}
DESCRIPTIONS = {400: "Malformed JSON", 401: "Missing or bad bearer token", 403: "Role may not",
                404: "Not found", 409: "Conflict or insufficient stock", 413: "Body too large",
                422: "Validation error", 429: "Rate limited"}


def _query_parameters(op: Operation, schemas: dict) -> list[dict]:
    if op.query is None:
        return []
    schema = op.query.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def build_document() -> dict[str, Any]:
    models = {m for op in OPERATIONS for m in (op.body, op.response) if m is not None}
    pairs: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (m, "validation") for m in models if any(op.body is m for op in OPERATIONS)]
    pairs += [(m, "serialization") for m in models if any(op.response is m for op in OPERATIONS)]
    keys, defs = models_json_schema(pairs, ref_template="#/components/schemas/{model}",
                                    by_alias=True)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "summary": op.summary, "operationId": op.view.__name__, "tags": [op.tag],
            "parameters": [
                {"name": part[1:-1], "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
                for part in op.path.split("/") if part.startswith("{")
            ] + _query_parameters(op, schemas),
            "responses": {},
        }
        if op.idempotent:
            entry["parameters"].append({"name": "Idempotency-Key", "in": "header",
                                        "required": False,
                                        "schema": {"type": "string", "maxLength": 255}})
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": keys[(op.body, "validation")]}}}
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": keys[(op.response, "serialization")]}}
        if op.query is not None and "format" in op.query.model_fields:
            ok.setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
        entry["responses"][str(op.status)] = ok
        codes = set(op.errors) | {429} | ({401, 403} if op.roles is not None else set())
        codes |= {400, 413} if op.body is not None else set()
        codes |= {422} if op.body is not None or op.query is not None else set()
        for code in sorted(codes):
            entry["responses"][str(code)] = {
                "description": DESCRIPTIONS.get(code, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if op.roles is not None:
            entry["security"] = [{"bearer": []}]
            entry["description"] = "Roles: " + ", ".join(op.roles)
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bakery API", "version": __version__,
                 "description": "Inventory, recipes, production and sales for bakeries."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


@api.get("/openapi.json")
def openapi_document() -> Any:
    return jsonify(build_document())
