"""The audit trail, for admins: who changed which user, token, material, product or recipe."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select

from ..db.models import AuditEntry
from ..queries.pages import page_request, paged, split_page
from ..runtime import sessions
from .registry import ADMINS, operation
from ..contract.schemas import In, Out
from ..contract.types import QueryId, Timestamp

ENTITIES = Literal["user", "token", "material", "product", "recipe"]


class AuditOut(Out):
    id: int
    created_at: Timestamp
    actor_id: int | None
    action: str
    entity: str
    entity_id: int | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None


class AuditList(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None


class AuditQuery(In):
    entity: ENTITIES | None = None
    entity_id: QueryId | None = None
    actor_id: QueryId | None = None
    limit: str | None = None
    cursor: str | None = None


def _entry(row: AuditEntry) -> dict:
    return {"id": row.id, "created_at": row.created_at, "actor_id": row.actor_id,
            "action": row.action, "entity": row.entity, "entity_id": row.entity_id,
            "old_values": json.loads(row.old_values) if row.old_values else None,
            "new_values": json.loads(row.new_values) if row.new_values else None}


@operation("GET", "/audit-log", summary="Read the audit log", tag="audit", roles=ADMINS,
           query=AuditQuery, response=AuditList)
def list_audit_log(query: AuditQuery) -> dict:
    """Newest first; filter by entity (and entity_id) or by the acting user."""
    page = page_request(query.limit, query.cursor)
    statement = select(AuditEntry)
    if query.entity is not None:
        statement = statement.where(AuditEntry.entity == query.entity)
    if query.entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == query.entity_id)
    if query.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == query.actor_id)
    with sessions()() as session:
        rows = list(session.scalars(paged(statement, AuditEntry.id, page, newest_first=True)))
    rows, cursor = split_page(rows, page)
    return {"items": [_entry(row) for row in rows], "next_cursor": cursor}
