"""User accounts as the admin pages list them (never the password hash)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import User, as_utc
from ..domain.errors import NotFound


def _user_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "role": user.role, "active": user.active,
            "created_at": as_utc(user.created_at)}


def list_users(session: Session) -> list[dict]:
    return [_user_dict(u) for u in session.scalars(select(User).order_by(User.email))]


def get_user(session: Session, user_id: int) -> dict:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return _user_dict(user)


def active_user(session: Session, user_id: int) -> dict | None:
    """The user behind a browser session, while the account is active."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return {**_user_dict(user), "password_stamp": password_stamp(user.password_hash)}


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the password hash: a session made before a change stops working."""
    import hashlib

    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
