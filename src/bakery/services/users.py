"""People and their credentials: users with roles, passwords, API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db.engine import single_read, transaction
from ..db.models import ROLES, ApiToken, User, as_utc, utcnow
from ..domain.errors import Conflict, DomainError, ValidationFailed
from .common import SessionFactory

MIN_PASSWORD_LENGTH = 8
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class BadCredentials(DomainError):
    code = "unauthorized"


@dataclass(frozen=True)
class Principal:
    """Who is calling: enough to check roles and stamp the ledger."""

    id: int
    email: str
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(factory: SessionFactory, *, email: str, role: str, password: str) -> int:
    email = email.strip().lower()
    errors = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "not an email address"
    if role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if errors:
        raise ValidationFailed("invalid user", errors)
    try:
        with transaction(factory) as session:
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise Conflict(f"a user with email {email} already exists", {"email": "already exists"})
            user = User(email=email, role=role, password_hash=generate_password_hash(password),
                        active=True, created_at=utcnow())
            session.add(user)
            session.flush()
            return int(user.id)
    except IntegrityError as exc:
        raise Conflict(f"a user with email {email} already exists", {"email": "already exists"}) from exc


def count_users(factory: SessionFactory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def ensure_first_admin(factory: SessionFactory, email: str | None, password: str | None) -> bool:
    """Create the first admin from the environment when the database has no user yet."""
    if not email or not password or count_users(factory) > 0:
        return False
    try:
        create_user(factory, email=email, role="admin", password=password)
    except Conflict:  # another process bootstrapped it at the same moment
        return False
    return True


def check_password(factory: SessionFactory, email: str, password: str) -> Principal:
    with factory() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise BadCredentials("wrong email or password")
    if not check_password_hash(user.password_hash, password) or not user.active:
        raise BadCredentials("wrong email or password")
    return Principal(user.id, user.email, user.role)


def issue_token(factory: SessionFactory, email: str, password: str,
                lifetime: timedelta) -> tuple[str, datetime]:
    """Check the password and hand out a new bearer token; only its hash is stored."""
    principal = check_password(factory, email, password)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + lifetime
    with transaction(factory) as session:
        session.add(ApiToken(user_id=principal.id, token_hash=hash_token(token),
                             created_at=utcnow(), expires_at=expires_at))
    return token, expires_at


_USERS, _TOKENS = User.__table__, ApiToken.__table__
# Core, not ORM: this runs on every API request. Served by the unique index on token_hash.
_PRINCIPAL_BY_TOKEN = (
    select(_USERS.c.id, _USERS.c.email, _USERS.c.role, _TOKENS.c.expires_at)
    .join(_TOKENS, _TOKENS.c.user_id == _USERS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None),
           _USERS.c.active.is_(True))
)


def principal_for_token(factory: SessionFactory, token: str) -> Principal | None:
    """The active user behind an unexpired, unrevoked token, or None."""
    with single_read(factory) as session:
        row = session.execute(_PRINCIPAL_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    if as_utc(row.expires_at) <= utcnow():
        return None
    return Principal(row.id, row.email, row.role)


def revoke_tokens(factory: SessionFactory, user_id: int) -> None:
    with transaction(factory) as session:
        session.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
