"""Answers by their response schemas: JSON bytes for the API's bodies, JSON-ready data for CSVs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# Answers carry figures computed from stored data (a recipe's cost, the stock's value) that may
# exceed the input limits: an answer must never fail on what is stored.
_RESPONSE = {"response": True}


def serialised(model: type[BaseModel], result: Any) -> dict:
    """`result` by its response schema, as JSON-ready data (for a CSV or a further step)."""
    data: dict = model.model_validate(result, context=_RESPONSE).model_dump(
        mode="json", by_alias=True)
    return data


def answer_json(model: type[BaseModel], result: Any, indent: int | None = None) -> bytes:
    """`result` by its response schema, straight to the JSON body the API sends: the same
    bytes as `serialised` dumped compactly (non-ASCII as UTF-8, a newline at the end), in one
    pass instead of a dict of strings and then a second serialiser."""
    return model.model_validate(result, context=_RESPONSE).model_dump_json(
        by_alias=True, indent=indent).encode() + b"\n"
