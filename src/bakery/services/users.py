"""People and their credentials: users with roles, passwords, API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db.engine import transaction
from ..db.models import ROLES, ApiToken, User, as_utc, utcnow
from ..domain.errors import Conflict, DomainError, NotFound, ValidationFailed
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


def principal_for_token(factory: SessionFactory, token: str) -> Principal | None:
    """The active user behind an unexpired, unrevoked token, or None."""
    with factory() as session:
        row = session.execute(
            select(User.id, User.email, User.role, ApiToken.expires_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None),
                   User.active.is_(True))
        ).first()
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


# --- account management (the admin pages and the password page) -------------------------------

def _active_admins(session, excluding: int) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(
        select(func.count()).select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != excluding)) or 0)


def _locked_user(session, user_id: int) -> User:  # type: ignore[no-untyped-def]
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def set_active(factory: SessionFactory, user_id: int, active: bool, *, acting_user_id: int) -> None:
    """Deactivate (or reactivate) an account; a deactivated user's tokens are revoked."""
    with transaction(factory) as session:
        user = _locked_user(session, user_id)
        if not active:
            if user_id == acting_user_id:
                raise Conflict("you cannot deactivate your own account", {"active": "your own account"})
            if user.role == "admin" and _active_admins(session, user_id) == 0:
                raise Conflict("the last active admin cannot be deactivated",
                               {"active": "the last active admin"})
            session.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                                   ApiToken.revoked_at.is_(None))
                            .values(revoked_at=utcnow()))
        user.active = active


def change_role(factory: SessionFactory, user_id: int, role: str) -> None:
    """Give a user another role; the bakery always keeps at least one active admin."""
    if role not in ROLES:
        raise ValidationFailed("invalid role", {"role": f"must be one of {', '.join(ROLES)}"})
    with transaction(factory) as session:
        user = _locked_user(session, user_id)
        if user.role == "admin" and role != "admin" and user.active \
                and _active_admins(session, user_id) == 0:
            raise Conflict("the last active admin must stay an admin",
                           {"role": "the last active admin"})
        user.role = role


def change_password(factory: SessionFactory, user_id: int, current: str, new: str) -> None:
    """Replace a user's password after checking the current one; their API tokens are revoked."""
    errors = {}
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(new) > 1024:
        errors["new_password"] = "at most 1024 characters"
    with transaction(factory) as session:
        user = _locked_user(session, user_id)
        if not check_password_hash(user.password_hash, current):
            errors["current_password"] = "not your current password"
        if errors:
            raise ValidationFailed("the password was not changed", errors)
        user.password_hash = generate_password_hash(new)
        session.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
