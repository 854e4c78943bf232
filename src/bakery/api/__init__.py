"""The /api/v1 blueprint: importing the resource modules registers their operations."""

from . import audit, auth, materials, openapi, production, products, recipes, reports, sales, stock, users  # noqa: F401
from . import plans  # noqa: F401
from .registry import OPERATIONS, api

__all__ = ["api", "OPERATIONS"]
from . import backup  # noqa: F401,E402  (GET /backup)
