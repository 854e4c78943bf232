"""Bearer tokens for API clients: issue, list, revoke."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from pydantic import BaseModel

from ..contract.schemas import In, Out, TokenIn, TokenOut
from ..contract.types import QueryId, Timestamp
from ..domain.roles import ADMIN
from ..errors import ApiError
from ..queries import tokens
from ..runtime import sessions, settings, sign_in_delay
from ..services import users
from .registry import ALL_ROLES, current_principal, operation


class TokenInfo(Out):
    id: int
    user_id: int
    name: str | None
    created_at: Timestamp
    expires_at: Timestamp
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None
    active: bool


class TokenList(BaseModel):
    items: list[TokenInfo]
    next_cursor: str | None


class TokenQuery(In):
    user_id: QueryId | None = None


@operation("POST", "/auth/tokens", summary="Create a bearer token", tag="auth", roles=None,
           body=TokenIn, response=TokenOut, status=201, errors=(401, 422, 429))
def create_token(body: TokenIn) -> dict:
    issued = users.issue_token(sessions(), body.email, body.password,
                               timedelta(hours=settings().token_hours), name=body.name,
                               delay=sign_in_delay())
    return asdict(issued)


@operation("GET", "/auth/tokens", summary="List API tokens", tag="auth", roles=ALL_ROLES,
           query=TokenQuery, response=TokenList)
def list_tokens(query: TokenQuery) -> dict:
    """Your own tokens; an admin may name another user with ?user_id=."""
    principal = current_principal()
    user_id = query.user_id or principal.id
    if user_id != principal.id and principal.role != ADMIN:
        raise ApiError(403, "forbidden", "only an admin may list another user's tokens")
    with sessions()() as session:
        return {"items": tokens.list_tokens(session, user_id), "next_cursor": None}


@operation("DELETE", "/auth/tokens/{token_id}", summary="Revoke an API token", tag="auth",
           roles=ALL_ROLES, status=204, errors=(404,))
def revoke_token(token_id: int) -> tuple[str, int]:
    """Your own token, or anyone's for an admin; revoking a revoked token changes nothing."""
    users.revoke_token(sessions(), token_id, current_principal())
    return "", 204
