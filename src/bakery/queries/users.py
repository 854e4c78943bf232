"""User accounts as the API and the admin pages show them (never the password hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import User, WebSession, as_utc
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


def session_user(session: Session, session_key: str, now: datetime) -> dict | None:
    """The user behind a browser session: while the session is neither ended nor expired and
    the account is active (services/web_sessions.py)."""
    row = session.execute(
        select(User).join(WebSession, WebSession.user_id == User.id)
        .where(WebSession.id == session_key, WebSession.ended_at.is_(None),
               WebSession.expires_at > now, User.active.is_(True))
    ).scalar_one_or_none()
    return None if row is None else user_dict(row)
