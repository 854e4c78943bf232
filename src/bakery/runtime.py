"""Accessors for what the application factory set up, for views and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from .config import Settings
    from .services.users import SignInDelay


def sessions() -> sessionmaker[Session]:
    """The session factory of the running app (one unit of work per use case)."""
    return current_app.extensions["bakery.sessions"]


def settings() -> Settings:
    return current_app.extensions["bakery.settings"]


def sign_in_delay() -> SignInDelay:
    """The per-account sign-in delay as configured (LOGIN_FREE_FAILURES, LOGIN_DELAY_MAX_SECONDS)."""
    from .services.users import SignInDelay

    return SignInDelay(settings().login_free_failures, settings().login_delay_max_seconds)
