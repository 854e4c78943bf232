"""Browser sign-ins kept on the server, so that ending one is real.

A signed cookie alone stays valid until it expires, whatever happens: a copy taken before the
user signed out still opens every page. Here the cookie carries a random session id whose hash is
a row of `web_sessions`; a page opens only while that row is neither ended nor past its
lifetime. Signing out ends the row. A password change, a role change and deactivation end every
row of the user (services/users.py), so each of their browsers has to sign in again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ..db.engine import transaction
from ..db.models import WebSession, utcnow
from .unit_of_work import SessionFactory

# Ended and expired rows are dropped this long after, when someone next signs in.
KEEP_ENDED = timedelta(days=1)
_ROWS = WebSession.__table__


def session_key(session_id: str) -> str:
    """What is stored of a cookie's session id: its SHA-256, so a database leak opens nothing."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(factory: SessionFactory, user_id: int, lifetime: timedelta,
          now: datetime | None = None) -> str:
    """A new sign-in for `user_id`; returns the session id for the cookie (shown only here)."""
    moment = now or utcnow()
    session_id = secrets.token_urlsafe(32)
    with transaction(factory) as db:
        db.execute(delete(_ROWS).where(_ROWS.c.expires_at < moment - KEEP_ENDED))
        db.execute(delete(_ROWS).where(_ROWS.c.ended_at < moment - KEEP_ENDED))
        db.add(WebSession(id=session_key(session_id), user_id=user_id, created_at=moment,
                          expires_at=moment + lifetime))
    return session_id


def end(factory: SessionFactory, session_id: str) -> None:
    """Sign one browser out: its cookie opens nothing from now on."""
    with transaction(factory) as db:
        db.execute(update(_ROWS).where(_ROWS.c.id == session_key(session_id),
                                       _ROWS.c.ended_at.is_(None)).values(ended_at=utcnow()))


def end_all(db: Session, user_id: int) -> None:
    """End every browser session of a user, in the caller's transaction."""
    db.execute(update(_ROWS).where(_ROWS.c.user_id == user_id, _ROWS.c.ended_at.is_(None))
               .values(ended_at=utcnow()))
