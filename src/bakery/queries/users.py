"""User accounts as the API and the admin pages show them (never the password hash)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import User, as_utc
from ..domain.errors import NotFound
from .pages import PageRequest, paged, split_page


def user_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "role": user.role, "active": user.active,
            "created_at": as_utc(user.created_at)}


def list_users(session: Session) -> list[dict]:
    """Every account, by email (the admin page)."""
    return [user_dict(u) for u in session.scalars(select(User).order_by(User.email))]


def page_of_users(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    """One page of accounts in the order they were created (the API)."""
    rows, cursor = split_page(list(session.scalars(paged(select(User), User.id, page))), page)
    return [user_dict(u) for u in rows], cursor


def get_user(session: Session, user_id: int) -> dict:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user_dict(user)


def user_emails(session: Session) -> dict[int, str]:
    """id -> email of every account, for pages that show who did something."""
    return {row.id: row.email for row in session.execute(select(User.id, User.email))}


def active_user(session: Session, user_id: int) -> dict | None:
    """The user behind a browser session, while the account is active."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return {**user_dict(user), "password_stamp": password_stamp(user.password_hash)}


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the password hash: a session made before a change stops working."""
    import hashlib

    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
