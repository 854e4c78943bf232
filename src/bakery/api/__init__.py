"""The /api/v1 blueprint: importing the resource modules registers their operations."""

from . import (  # noqa: F401
    audit,
    auth,
    food_safety,
    materials,
    openapi,
    orders,
    plans,
    production,
    products,
    recipes,
    reports,
    sales,
    stock,
    till,
    users,
)
from .registry import OPERATIONS, api

__all__ = ["OPERATIONS", "api"]
from . import backup  # noqa: F401  (GET /backup)
