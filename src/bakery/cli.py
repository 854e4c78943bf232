"""The `bakery` command: serve, migrate, manage users, check the ledger."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .cli_data import DATA_COMMANDS
from .config import ConfigError, Settings


def _create_app(*_: Any) -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=True)
@click.version_option(package_name="bakery")
def cli() -> None:
    """Bakery inventory and point of sale."""


def register_commands(app: Flask) -> None:
    """Commands that need the app are attached to its CLI too (for `flask --app bakery`)."""
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(check_ledger)
    for command in DATA_COMMANDS:
        app.cli.add_command(command)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


# --- database --------------------------------------------------------------------------------

@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations (safe to run again)."""
    from .db.migrate import upgrade

    settings = _settings()
    _prepare_instance(settings)
    upgrade(settings.database_url, revision)
    click.echo("database is up to date")


def _prepare_instance(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.instance_path.mkdir(parents=True, exist_ok=True)


# --- users -----------------------------------------------------------------------------------

@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "baker", "cashier"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@with_appcontext
def users_create(email: str, role: str, password: str) -> None:
    """Create a user with a role."""
    from .domain.errors import DomainError
    from .runtime import sessions
    from .services.users import create_user

    try:
        user_id = create_user(sessions(), email=email, role=role, password=password)
    except DomainError as exc:
        reasons = "; ".join(f"{k}: {v}" for k, v in exc.details.items()) or exc.message
        raise click.ClickException(reasons) from exc
    click.echo(f"created {role} {email.strip().lower()} (id {user_id})")


# --- checks ----------------------------------------------------------------------------------

@click.command("check-ledger")
@with_appcontext
def check_ledger() -> None:
    """Prove every batch and lot holds exactly what its ledger rows add up to."""
    from .queries.inventory import ledger_mismatches
    from .runtime import sessions

    with sessions()() as session:
        problems = ledger_mismatches(session)
    if problems:
        for problem in problems[:50]:
            click.echo(f"mismatch: {problem}", err=True)
        raise click.ClickException(f"{len(problems)} ledger mismatches")
    click.echo("ledger matches stock on hand")


# --- serving ---------------------------------------------------------------------------------

def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


@click.command("serve")
@click.option("--workers", type=int, default=None, help="Defaults to WEB_CONCURRENCY or the CPUs.")
def serve(workers: int | None) -> None:
    """Run the production server on HOST:PORT after applying migrations."""
    import secrets

    from . import create_app
    from .db.migrate import upgrade
    from .runtime import sessions
    from .services.users import count_users, ensure_first_admin

    settings = _settings()
    _prepare_instance(settings)
    if not settings.is_production and not os.environ.get("SECRET_KEY"):
        # Workers must share one key so a session cookie works whichever worker answers.
        os.environ["SECRET_KEY"] = secrets.token_hex(32)
    upgrade(settings.database_url)
    app = create_app(settings=Settings.from_env())
    with app.app_context():
        if ensure_first_admin(sessions(), settings.admin_email, settings.admin_password):
            click.echo(f"created the first admin {settings.admin_email}")
        elif count_users(sessions()) == 0:
            click.echo("no users yet: create one with  bakery users create --email you@example.com "
                       "--role admin")
    app.extensions["bakery.engine"].dispose()
    count = workers or settings.web_concurrency or default_workers()
    bind = f"{settings.host}:{settings.port}"
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if os.name == "posix" and os.path.exists(gunicorn):
        click.echo(f"serving on http://{bind} with {count} gunicorn workers")
        os.execv(gunicorn, [gunicorn, "--config", "python:bakery.gunicorn_conf", "--bind", bind,
                            "--workers", str(count), "bakery.wsgi:app"])
    from waitress import serve as waitress_serve

    click.echo(f"serving on http://{bind} with waitress ({count * 4} threads)")
    waitress_serve(create_app(), host=settings.host, port=settings.port, threads=count * 4)


cli.add_command(serve)
cli.add_command(db_group)
cli.add_command(users_group)
cli.add_command(check_ledger)
for _command in DATA_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    try:
        cli.main(prog_name="bakery")
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
