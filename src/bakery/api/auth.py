"""Bearer tokens for API clients."""

from __future__ import annotations

from datetime import timedelta

from ..runtime import sessions, settings
from ..services import users
from .registry import operation
from .schemas import TokenIn, TokenOut


@operation("POST", "/auth/tokens", summary="Create a bearer token", tag="auth", roles=None,
           body=TokenIn, response=TokenOut, status=201, errors=(401, 422, 429))
def create_token(body: TokenIn) -> dict:
    token, expires_at = users.issue_token(sessions(), body.email, body.password,
                                          timedelta(hours=settings().token_hours))
    return {"token": token, "expires_at": expires_at}
