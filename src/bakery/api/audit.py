"""The audit trail, for admins: who changed which user, token, material, product or recipe."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from ..contract.schemas import In, Out
from ..contract.types import QueryId, Timestamp
from ..queries import audit
from ..queries.pages import page_request
from ..runtime import sessions
from .registry import ADMINS, operation

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


@operation("GET", "/audit-log", summary="Read the audit log", tag="audit", roles=ADMINS,
           query=AuditQuery, response=AuditList)
def list_audit_log(query: AuditQuery) -> dict:
    """Newest first; filter by entity (and entity_id) or by the acting user."""
    with sessions()() as session:
        items, cursor = audit.list_entries(
            session, page_request(query.limit, query.cursor), entity=query.entity,
            entity_id=query.entity_id, actor_id=query.actor_id)
    return {"items": items, "next_cursor": cursor}
