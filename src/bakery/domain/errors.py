"""Domain errors: what can go wrong in the bakery, independent of HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


class DomainError(Exception):
    """Base of every rule the bakery refuses to break."""

    code = "conflict"

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule; details map fields to messages."""

    code = "validation_error"


@dataclass(frozen=True)
class Shortfall:
    """One item that lacks stock: what was asked and what there is."""

    kind: str  # "material" or "product"
    item_id: int
    required: Decimal
    available: Decimal
    name: str = ""

    def as_dict(self) -> dict:
        return {
            f"{self.kind}_id": self.item_id,
            "name": self.name,
            "required": self.required,
            "available": self.available,
        }


@dataclass
class InsufficientStock(DomainError):
    """Raised with every shortfall at once, never only the first one."""

    shortfalls: list[Shortfall] = field(default_factory=list)
    code = "insufficient_stock"

    def __post_init__(self) -> None:
        names = ", ".join(s.name or f"{s.kind} {s.item_id}" for s in self.shortfalls)
        DomainError.__init__(self, f"not enough stock: {names}")
        self.details = {"shortfalls": [s.as_dict() for s in self.shortfalls]}


class TooSoon(DomainError):
    """Asked again too soon (a rate limit, a sign-in delay): try again after `retry_after` s."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class Forbidden(DomainError):
    """The caller's role or relation to the record does not allow this (a cashier's void too late)."""

    code = "forbidden"
