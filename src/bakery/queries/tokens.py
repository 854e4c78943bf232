"""API bearer tokens as their owners and admins list them (never the hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import ApiToken, as_utc, utcnow


def token_dict(token: ApiToken, now: datetime) -> dict:
    return {"id": token.id, "user_id": token.user_id, "name": token.name,
            "created_at": as_utc(token.created_at), "expires_at": as_utc(token.expires_at),
            "revoked_at": as_utc(token.revoked_at) if token.revoked_at else None,
            "last_used_at": as_utc(token.last_used_at) if token.last_used_at else None,
            "active": token.revoked_at is None and as_utc(token.expires_at) > now}


def list_tokens(session: Session, user_id: int) -> list[dict]:
    """A user's tokens, newest first."""
    now = utcnow()
    return [token_dict(t, now) for t in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))]
