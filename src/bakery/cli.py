"""The `bakery` command: serve, migrate, manage users, check the ledger."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .cli_data import DATA_COMMANDS
from .config import ConfigError, Settings
from .demo import seed_demo_command
from .domain.roles import ALL_ROLES


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
    app.cli.add_command(purge_keys)
    app.cli.add_command(expire_command)
    app.cli.add_command(seed_demo_command)
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
@click.option("--role", required=True, type=click.Choice(ALL_ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@with_appcontext
def users_create(email: str, role: str, password: str) -> None:
    """Create a user with a role."""
    from .domain.errors import DomainError
    from .runtime import sessions, settings
    from .services.users import create_user

    try:
        user_id = create_user(sessions(), email=email, role=role, password=password,
                              hash_method=settings().password_hash_method)
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


@click.command("purge-keys")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep keys this many days (default IDEMPOTENCY_KEY_DAYS).")
@with_appcontext
def purge_keys(days: int | None) -> None:
    """Delete Idempotency-Keys older than the retention (the app also does it as it runs)."""
    from datetime import timedelta

    from .runtime import sessions, settings
    from .services.retention import purge_idempotency_keys

    keep = timedelta(days=days or settings().idempotency_key_days)
    click.echo(f"purged {purge_idempotency_keys(sessions(), keep)} Idempotency-Keys older than "
               f"{keep.days} days")


@click.command("expire")
@with_appcontext
def expire_command() -> None:
    """Write off every expired batch and lot at its cost (for a scheduler: see deploy/)."""
    from .domain.numbers import quantity_text
    from .runtime import sessions
    from .services.food_safety import expire_stock

    result = expire_stock(sessions())
    for item in result.items():
        layer = (f"batch {item['batch_id']} of material {item['material_id']}"
                 if "batch_id" in item else f"lot {item['lot_id']} of product {item['product_id']}")
        click.echo(f"wrote off {quantity_text(item['quantity'])} from {layer} at {item['cost']}")
    click.echo(f"written off: {len(result.items())} layers, cost {result.cost}")


# --- serving ---------------------------------------------------------------------------------

# In production these lines are JSON like every other (create_app configures the "bakery" logger).
_log = logging.getLogger("bakery.serve")


def default_workers() -> int:
    """Two sync workers per CPU: at 16 connections on 2 CPUs, 3 or 4 workers served the most
    sales at the lowest p99; 5 and 8 cost more CPU per sale (docs/benchmarks.md)."""
    return min(2 * (os.cpu_count() or 1), 8)


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
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    app = create_app(settings=Settings.from_env())
    if settings.migrate_on_start:
        _log.info("database schema is up to date")
    with app.app_context():
        if ensure_first_admin(sessions(), settings.admin_email, settings.admin_password,
                              settings.password_hash_method):
            _log.info("created the first admin %s", settings.admin_email)
        elif count_users(sessions()) == 0:
            _log.warning("no users yet: create one with  bakery users create "
                         "--email you@example.com --role admin")
    app.extensions["bakery.engine"].dispose()
    count = workers or settings.web_concurrency or default_workers()
    # Each worker's app reads it: without Redis, a worker enforces its share of the API budget.
    os.environ["WEB_CONCURRENCY"] = str(count)
    bind = f"{settings.host}:{settings.port}"
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if os.name == "posix" and os.path.exists(gunicorn):
        _share_metrics_between_workers()
        _log.info("serving on http://%s with %d gunicorn workers", bind, count)
        os.execv(gunicorn, [gunicorn, "--config", "python:bakery.gunicorn_conf", "--bind", bind,
                            "--workers", str(count), "bakery.wsgi:app"])
    from waitress import serve as waitress_serve

    _log.info("serving on http://%s with waitress (%d threads)", bind, count * 4)
    waitress_serve(create_app(), host=settings.host, port=settings.port, threads=count * 4)


def _share_metrics_between_workers() -> None:
    """gunicorn workers are separate processes: they pool their metrics in one folder."""
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bakery-metrics-")
        os.environ["BAKERY_METRICS_DIR_IS_TEMPORARY"] = "1"  # gunicorn's on_exit removes it


@click.command("healthcheck")
@click.option("--path", default="/healthz", show_default=True, help="/readyz also checks the database.")
@click.option("--timeout", default=4.0, show_default=True)
def healthcheck(path: str, timeout: float) -> None:
    """Exit 0 when the local server answers PATH with 200 (for container health checks)."""
    import urllib.error
    import urllib.request

    port = os.environ.get("PORT") or "5000"
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # nosec B310 - our own
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise click.ClickException(f"{url}: {exc}") from exc
    if status != 200:
        raise click.ClickException(f"{url} answered {status}")
    click.echo(f"{url}: ok")


cli.add_command(serve)
cli.add_command(healthcheck)
cli.add_command(db_group)
cli.add_command(users_group)
cli.add_command(check_ledger)
cli.add_command(purge_keys)
cli.add_command(seed_demo_command)
for _command in DATA_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """The console script: every failure is one line on stderr and a non-zero exit status."""
    try:
        code = cli.main(prog_name="bakery", standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except click.Abort:
        click.echo("Error: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"Error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
