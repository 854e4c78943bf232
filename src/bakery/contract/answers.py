"""Answers as JSON-ready data, by their response schemas (the API's bodies and its CSVs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def serialised(model: type[BaseModel], result: Any) -> dict:
    """`result` by its response schema. The input limits do not apply: a figure computed from
    stored data (a recipe's cost, the stock's value) may exceed them, and an answer must never
    fail on what is stored."""
    data: dict = model.model_validate(result, context={"response": True}).model_dump(
        mode="json", by_alias=True)
    return data
