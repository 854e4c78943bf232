"""The audit trail: one row per change of users, tokens, materials, products and recipes.

Written inside the same transaction as the change it describes, so either both land or neither.
Stock movements are not repeated here: the ledger (stock_moves) already records who moved what.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..db.models import AuditEntry, utcnow
from ..domain.numbers import shown


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def to_json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, default=_plain, sort_keys=True)


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited columns of a row, as JSON-ready values (decimals as the API shows them)."""
    values = {}
    for name in fields:
        value = getattr(row, name)
        kind = row.__table__.c[name].type
        scale = getattr(kind, "scale", None)
        if value is not None and scale is not None:
            value = shown(value, getattr(kind, "shown", scale), scale)
        values[name] = json.loads(json.dumps(value, default=_plain))
    return values


def record(session: Session, actor_id: int | None, action: str, entity: str,
           entity_id: int | None, old: dict[str, Any] | None = None,
           new: dict[str, Any] | None = None) -> None:
    """Append one audit row in the caller's transaction."""
    if old is not None and new is not None:
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        if not changed:
            return  # a no-op update leaves no trace
        old = {k: v for k, v in old.items() if k in changed}
        new = {k: v for k, v in new.items() if k in changed}
    session.execute(insert(AuditEntry), {
        "created_at": utcnow(), "actor_id": actor_id, "action": action, "entity": entity,
        "entity_id": entity_id, "old_values": to_json(old), "new_values": to_json(new),
    })
