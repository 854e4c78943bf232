"""People and their credentials: users with roles, passwords, API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import PASSWORD_HASH
from ..db.engine import single_read, transaction
from ..db.models import ApiToken, User, as_utc, utcnow
from ..domain.credentials import password_problem
from ..domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from ..domain.roles import ADMIN, ALL_ROLES
from . import audit, login_throttle, token_cache, web_sessions
from .unit_of_work import SessionFactory

LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most this often
USER_FIELDS = ("email", "role", "active")
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


def create_user(factory: SessionFactory, *, email: str, role: str, password: str,
                actor_id: int | None = None, hash_method: str = PASSWORD_HASH) -> int:
    email = email.strip().lower()
    errors = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "not an email address"
    if role not in ALL_ROLES:
        errors["role"] = f"must be one of {', '.join(ALL_ROLES)}"
    problem = password_problem(password, role=role, context=[email])
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed("invalid user", errors)
    try:
        with transaction(factory) as session:
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise Conflict(f"a user with email {email} already exists", {"email": "already exists"})
            user = User(email=email, role=role,
                        password_hash=generate_password_hash(password, hash_method),
                        active=True, created_at=utcnow())
            session.add(user)
            session.flush()
            audit.record(session, actor_id, "create", "user", user.id, None,
                         audit.snapshot(user, USER_FIELDS))
            return int(user.id)
    except IntegrityError as exc:
        raise Conflict(f"a user with email {email} already exists", {"email": "already exists"}) from exc


def count_users(factory: SessionFactory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def ensure_first_admin(factory: SessionFactory, email: str | None, password: str | None,
                       hash_method: str = PASSWORD_HASH) -> bool:
    """Create the first admin from the environment when the database has no user yet."""
    if not email or not password or count_users(factory) > 0:
        return False
    try:
        create_user(factory, email=email, role=ADMIN, password=password, hash_method=hash_method)
    except Conflict:  # another process bootstrapped it at the same moment
        return False
    return True


@dataclass(frozen=True)
class SignInDelay:
    """Wrong passwords in a row an account may have free, and the longest wait after more."""

    free: int = 5
    cap_seconds: int = 300


DEFAULT_DELAY = SignInDelay()


def check_password(factory: SessionFactory, email: str, password: str,
                   delay: SignInDelay = DEFAULT_DELAY) -> Principal:
    """The user with this email and password; BadCredentials otherwise. After `delay.free`
    wrong passwords in a row the account waits, longer each time (TooManyFailures, a 429),
    before its password is checked again."""
    login_throttle.refuse_while_waiting(factory, email, free=delay.free, cap=delay.cap_seconds)
    with factory() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        login_throttle.count_failure(factory, email)
        raise BadCredentials("wrong email or password")
    if not check_password_hash(user.password_hash, password) or not user.active:
        login_throttle.count_failure(factory, email)
        raise BadCredentials("wrong email or password")
    login_throttle.forget_failures(factory, email)
    return Principal(user.id, user.email, user.role)


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token: the secret, shown this once, and the row that stores its hash."""

    token: str
    expires_at: datetime
    id: int
    name: str | None


def issue_token(factory: SessionFactory, email: str, password: str,
                lifetime: timedelta, name: str | None = None,
                delay: SignInDelay = DEFAULT_DELAY) -> IssuedToken:
    """Check the password and hand out a new bearer token; only its hash is stored."""
    principal = check_password(factory, email, password, delay)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + lifetime
    with transaction(factory) as session:
        row = ApiToken(user_id=principal.id, token_hash=hash_token(token), name=name,
                       created_at=utcnow(), expires_at=expires_at)
        session.add(row)
        session.flush()
        audit.record(session, principal.id, "issue", "token", row.id, None,
                     {"user_id": principal.id, "name": name, "expires_at": expires_at.isoformat()})
        return IssuedToken(token, expires_at, row.id, name)


_USERS, _TOKENS = User.__table__, ApiToken.__table__
# Core, not ORM: this runs on every API request. Served by the unique index on token_hash.
_PRINCIPAL_BY_TOKEN = (
    select(_USERS.c.id, _USERS.c.email, _USERS.c.role, _TOKENS.c.expires_at,
           _TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at)
    .join(_TOKENS, _TOKENS.c.user_id == _USERS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None),
           _USERS.c.active.is_(True))
)


def principal_for_token(factory: SessionFactory, token: str) -> Principal | None:
    """The active user behind an unexpired, unrevoked token, or None.

    With a token cache (services/token_cache.py, TOKEN_CACHE_SECONDS) the database is read at
    most once per token and lifetime of an entry; expiry is checked on every call regardless.
    """
    token_hash = hash_token(token)
    now = utcnow()
    cache = token_cache.cache_for(factory)
    generation = 0
    if cache is not None:
        known = cache.get(token_hash, now)
        if known is not None:
            return _admit(factory, known, now)
        generation = cache.generation
    with single_read(factory) as connection:
        row = connection.execute(_PRINCIPAL_BY_TOKEN, {"token_hash": token_hash}).first()
    if row is None:
        return None
    known = token_cache.KnownToken(
        Principal(row.id, row.email, row.role), row.token_id, as_utc(row.expires_at),
        None if row.last_used_at is None else as_utc(row.last_used_at), now)
    if cache is not None:
        cache.put(token_hash, known, generation)
    return _admit(factory, known, now)


def _admit(factory: SessionFactory, known: token_cache.KnownToken, now: datetime
           ) -> Principal | None:
    """The token's principal unless it has expired; its use recorded once a minute."""
    if known.expires_at <= now:
        return None
    if known.last_used_at is None or now - known.last_used_at >= LAST_USED_RESOLUTION:
        _touch(factory, known.token_id, now)
        known.last_used_at = now
    return known.principal


def _touch(factory: SessionFactory, token_id: int, now: datetime) -> None:
    """Record that a token was used; skipped when another request recorded it this minute."""
    with transaction(factory) as session:
        session.execute(update(ApiToken).where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= now - LAST_USED_RESOLUTION),
        ).values(last_used_at=now))


def _revoke_where(session: Session, actor_id: int | None, *conditions: Any) -> list[int]:
    ids = list(session.scalars(select(ApiToken.id).where(ApiToken.revoked_at.is_(None), *conditions)
                               .order_by(ApiToken.id)))
    if ids:
        session.execute(update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=utcnow()))
        for token_id in ids:
            audit.record(session, actor_id, "revoke", "token", token_id)
    return ids


def _forget_user(factory: SessionFactory, user_id: int) -> None:
    """After a change to a user or their tokens commits: this process forgets their tokens."""
    cache = token_cache.cache_for(factory)
    if cache is not None:
        cache.forget_user(user_id)


def revoke_tokens(factory: SessionFactory, user_id: int, actor_id: int | None = None) -> None:
    """Revoke every live token of a user."""
    with transaction(factory) as session:
        _revoke_where(session, actor_id, ApiToken.user_id == user_id)
    _forget_user(factory, user_id)


def revoke_token(factory: SessionFactory, token_id: int, actor: Principal) -> None:
    """Revoke one token: the caller's own, or anyone's for an admin. Revoking twice is a no-op."""
    with transaction(factory) as session:
        owner = session.scalar(select(ApiToken.user_id).where(ApiToken.id == token_id))
        if owner is None or (owner != actor.id and actor.role != ADMIN):
            raise NotFound(f"no token with id {token_id}")
        _revoke_where(session, actor.id, ApiToken.id == token_id)
    cache = token_cache.cache_for(factory)
    if cache is not None:
        cache.forget_token(token_id)


def update_user(factory: SessionFactory, user_id: int, *, actor_id: int | None = None,
                role: str | None = None, active: bool | None = None) -> None:
    """Change a user's role or deactivate them; deactivation revokes their tokens.

    The last active admin can be neither demoted nor deactivated, so the bakery always has one.
    """
    if role is not None and role not in ALL_ROLES:
        raise ValidationFailed("invalid user", {"role": f"must be one of {', '.join(ALL_ROLES)}"})
    with transaction(factory) as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        before = audit.snapshot(user, USER_FIELDS)
        if role is not None:
            user.role = role
        if active is not None:
            user.active = active
        if before["role"] == ADMIN and before["active"] and not (user.active and user.role == ADMIN):
            admins = session.scalars(select(User.id).where(User.role == ADMIN, User.active.is_(True))
                                     .with_for_update()).all()
            if set(admins) <= {user_id}:
                raise Conflict("the last active admin cannot be demoted or deactivated",
                               {"role" if role is not None else "active": "last active admin"})
        audit.record(session, actor_id, "update", "user", user_id, before,
                     audit.snapshot(user, USER_FIELDS))
        if not user.active:
            _revoke_where(session, actor_id, ApiToken.user_id == user_id)
        if before != audit.snapshot(user, USER_FIELDS):  # a new role or deactivated: sign in anew
            web_sessions.end_all(session, user_id)
    _forget_user(factory, user_id)


# --- the pages' account actions --------------------------------------------------------------

def set_active(factory: SessionFactory, user_id: int, active: bool, *, acting_user_id: int) -> None:
    """Deactivate (or reactivate) an account from the admin pages; nobody deactivates themself."""
    if not active and user_id == acting_user_id:
        raise Conflict("you cannot deactivate your own account", {"active": "your own account"})
    update_user(factory, user_id, actor_id=acting_user_id, active=active)


def change_role(factory: SessionFactory, user_id: int, role: str,
                acting_user_id: int | None = None) -> None:
    """Give a user another role; the bakery always keeps at least one active admin."""
    update_user(factory, user_id, actor_id=acting_user_id, role=role)


def change_password(factory: SessionFactory, user_id: int, current: str, new: str,
                    hash_method: str = PASSWORD_HASH, delay: SignInDelay = DEFAULT_DELAY) -> None:
    """Replace a user's password after checking the current one. Their API tokens are revoked
    and their browser sessions ended; wrong current passwords count towards the account's
    sign-in delay, as at the login form."""
    errors = {}
    with factory() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        email, role = user.email, user.role
    login_throttle.refuse_while_waiting(factory, email, free=delay.free, cap=delay.cap_seconds)
    problem = password_problem(new, role=role, context=[email])
    if problem:
        errors["new_password"] = problem
    with transaction(factory) as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        wrong = not check_password_hash(user.password_hash, current)
        if wrong:
            errors["current_password"] = "not your current password"
        if not errors:
            user.password_hash = generate_password_hash(new, hash_method)
            audit.record(session, user_id, "change_password", "user", user_id)
            _revoke_where(session, user_id, ApiToken.user_id == user_id)
            web_sessions.end_all(session, user_id)
    if not errors:
        _forget_user(factory, user_id)
    if wrong:
        login_throttle.count_failure(factory, email)
    if errors:
        raise ValidationFailed("the password was not changed", errors)
