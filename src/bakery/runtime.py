"""Accessors for what the application factory set up, for views and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from .config import Settings


def sessions() -> sessionmaker[Session]:
    """The session factory of the running app (one unit of work per use case)."""
    return current_app.extensions["bakery.sessions"]


def settings() -> Settings:
    return current_app.extensions["bakery.settings"]
