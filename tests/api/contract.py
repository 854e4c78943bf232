"""Check responses against the OpenAPI document the app serves."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from bakery.api.openapi import build_document


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return build_document()


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern, str]]:
    result = []
    for template in document()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", r"[0-9]+", template)
        result.append((re.compile(f"^{pattern}$"), template))
    return result


def template_for(path: str) -> str | None:
    """The documented path a concrete API path (without /api/v1 and query) belongs to."""
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    return None


def _validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": document()["components"]})


def check_response(method: str, path: str, status: int, body: Any) -> None:
    """Fail unless `body` is what the document promises for this path, method and status."""
    path = path.split("?", 1)[0]
    template = template_for(path)
    operation = document()["paths"].get(template or "", {}).get(method.lower())
    if operation is None:  # not an operation: only the error body is promised
        assert status in (404, 405), (method, path, status)
        _validator({"$ref": "#/components/schemas/Error"}).validate(body)
        return
    responses = operation["responses"]
    assert str(status) in responses, (
        f"{method} {template} answered {status}, which the OpenAPI document does not list "
        f"({sorted(responses)})")
    content = responses[str(status)].get("content")
    if content is None:
        return
    _validator(content["application/json"]["schema"]).validate(body)
