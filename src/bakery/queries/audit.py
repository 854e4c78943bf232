"""The audit trail as admins read it: who changed which user, token, material, product or recipe."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import AuditEntry, as_utc
from .pages import PageRequest, paged, split_page


def entry_dict(entry: AuditEntry) -> dict:
    return {"id": entry.id, "created_at": as_utc(entry.created_at), "actor_id": entry.actor_id,
            "action": entry.action, "entity": entry.entity, "entity_id": entry.entity_id,
            "old_values": json.loads(entry.old_values) if entry.old_values else None,
            "new_values": json.loads(entry.new_values) if entry.new_values else None}


def list_entries(session: Session, page: PageRequest, *, entity: str | None = None,
                 entity_id: int | None = None, actor_id: int | None = None
                 ) -> tuple[list[dict], str | None]:
    """Newest first; filtered by entity (and entity_id) or by the acting user."""
    statement = select(AuditEntry)
    if entity is not None:
        statement = statement.where(AuditEntry.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    rows = list(session.scalars(paged(statement, AuditEntry.id, page, newest_first=True)))
    rows, cursor = split_page(rows, page)
    return [entry_dict(row) for row in rows], cursor
