"""The staff's roles and the groups of roles that share a right, for the API, the pages and the CLI."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["admin", "manager", "baker", "cashier"]

ALL_ROLES: tuple[str, ...] = get_args(Role)
ADMIN, MANAGER, BAKER, CASHIER = ALL_ROLES

ADMINS = (ADMIN,)
MANAGERS = (ADMIN, MANAGER)  # the owners: prices, recipes, reports
BAKEHOUSE = (ADMIN, MANAGER, BAKER)  # stock, batches, production
TILL = (ADMIN, MANAGER, CASHIER)  # the point of sale and its history
