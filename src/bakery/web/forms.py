"""Plain HTML forms validated by the request schemas of the contract (the API's own), so a page
accepts exactly what the API accepts. Errors come back per field, with the user's input kept for the re-rendered form.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import flash
from pydantic import BaseModel, ValidationError

from ..domain.errors import DomainError, InsufficientStock
from ..services.unit_of_work import Idempotency

M = TypeVar("M", bound=BaseModel)

_FRIENDLY = {
    "missing": "required",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "greater_than": "must be greater than zero",
    "less_than_equal": "too large",
    "too_short": "add at least one",
}


@dataclass
class FormState:
    """What a form shows: the submitted values and the error next to each field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str, default: Any = "") -> Any:
        found = self.values.get(name)
        return default if found is None else found

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    @property
    def ok(self) -> bool:
        return not self.errors


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return "required"
    if kind == "literal_error":
        return "choose one of the options"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    return str(error["msg"]).removeprefix("Value error, ")


def pydantic_errors(exc: ValidationError, rename: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each bad field (dotted path) mapped to a short message a person understands."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(p) for p in error["loc"]) or "form"
        path = (rename or {}).get(path, path)
        errors.setdefault(path, _message(error))
    return errors


def blank_to_none(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Form fields left empty are 'not given', as an absent JSON field would be."""
    result = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, ""):
            result[name] = value
    return result


def as_id(value: Any) -> Any:
    """A select's value as the integer id the schemas expect (anything else stays, to fail there)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def validate(model: type[M], data: dict[str, Any], state: FormState,
             rename: Mapping[str, str] | None = None) -> M | None:
    """The schema instance, or None with the errors added to `state`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        state.errors.update(pydantic_errors(exc, rename))
        return None


def refused(exc: DomainError, state: FormState, rename: Mapping[str, str] | None = None) -> None:
    """Show a refused use case: its field details next to fields, its message as a flash."""
    if not isinstance(exc, InsufficientStock):
        for key, message in exc.details.items():
            if isinstance(message, str):
                state.errors[(rename or {}).get(key, key)] = message
    state.errors.setdefault("form", exc.message)
    flash(exc.message, "error")


def new_key() -> str:
    """A fresh idempotency key for a form that must never act twice."""
    return uuid.uuid4().hex


def form_idempotency(scope: str, key: str, body: Any) -> Idempotency | None:
    """The idempotency key a form carried, for the signed-in user; None when it has none."""
    from .access import current_user

    key = (key or "").strip()
    user = current_user()
    if not key or len(key) > 255 or user is None:
        return None
    return Idempotency(user["id"], f"web {scope}", key, Idempotency.fingerprint(body))
