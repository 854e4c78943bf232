"""Apply Alembic migrations programmatically (used by `bakery db upgrade` and `bakery serve`)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from .engine import normalize_url, private_sqlite_file


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bakery") / "migrations"))
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; running it again changes nothing."""
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return revision
