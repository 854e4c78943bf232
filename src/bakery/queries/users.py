"""User accounts as the API and the admin pages show them (never the password hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ..db.models import User, WebSession, as_utc
from ..domain.errors import NotFound
from .pages import PageRequest, paged, split_page

# Built once: they run on every page a signed-in user opens and on the API's user reads
# (building a statement costs about as much Python as running it).
_USERS, _WEB_SESSIONS = User.__table__, WebSession.__table__
_USER_COLUMNS = (_USERS.c.id, _USERS.c.email, _USERS.c.role, _USERS.c.active,
                 _USERS.c.created_at)
_USER_BY_ID = select(*_USER_COLUMNS).where(_USERS.c.id == bindparam("user_id"))
_SESSION_USER = (
    select(*_USER_COLUMNS)
    .join(_WEB_SESSIONS, _WEB_SESSIONS.c.user_id == _USERS.c.id)
    .where(_WEB_SESSIONS.c.id == bindparam("session_key"), _WEB_SESSIONS.c.ended_at.is_(None),
           _WEB_SESSIONS.c.expires_at > bindparam("now"), _USERS.c.active.is_(True))
)


def user_dict(user: User | Any) -> dict:
    """A user's public fields, from the ORM object or a row with the same columns."""
    return {"id": user.id, "email": user.email, "role": user.role, "active": user.active,
            "created_at": as_utc(user.created_at)}


def list_users(session: Session) -> list[dict]:
    """Every account, by email (the admin page)."""
    return [user_dict(u) for u in session.scalars(select(User).order_by(User.email))]


def page_of_users(session: Session, page: PageRequest) -> tuple[list[dict], str | None]:
    """One page of accounts in the order they were created (the API)."""
    rows, cursor = split_page(list(session.scalars(paged(select(User), User.id, page))), page)
    return [user_dict(u) for u in rows], cursor


def get_user(connection: Connection | Session, user_id: int) -> dict:
    """One account by id (404 when there is none): one prebuilt statement."""
    row = connection.execute(_USER_BY_ID, {"user_id": user_id}).first()
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return user_dict(row)


def user_emails(session: Session) -> dict[int, str]:
    """id -> email of every account, for pages that show who did something."""
    return {row.id: row.email for row in session.execute(select(User.id, User.email))}


def session_user(connection: Connection, session_key: str, now: datetime) -> dict | None:
    """The user behind a browser session: while the session is neither ended nor expired and
    the account is active (services/web_sessions.py). One statement, read anew on every page,
    so signing out or a change to the account ends every copy of the cookie at once."""
    row = connection.execute(_SESSION_USER, {"session_key": session_key, "now": now}).first()
    return None if row is None else user_dict(row)
