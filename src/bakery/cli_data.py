"""`bakery import-json`, `export-json`, `backup` and `restore`: the bakery's data in and out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from .domain.errors import DomainError

PROGRESS_THRESHOLD = 20_000  # rows; smaller files import before a bar would be worth drawing


def _fail(message: str) -> click.ClickException:
    return click.ClickException(" ".join(message.split()))


@contextmanager
def _refused(what: str) -> Iterator[None]:
    """Turn a refusal or a database error into one line on stderr and a non-zero exit."""
    try:
        yield
    except DomainError as exc:
        raise _fail(f"{what}: {exc.message}") from exc
    except OSError as exc:
        raise _fail(f"{what}: {exc.strerror or exc}") from exc
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise _fail(f"{what}, nothing was written: {reason}") from exc


def _engine() -> Any:
    return current_app.extensions["bakery.engine"]


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {name!r}") from exc


@click.command("import-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would be imported; "
              "write nothing.")
@click.option("--timezone", "zone_name", default="UTC", show_default=True,
              help="Time zone the earlier app's sale times were written in.")
@click.option("--missing-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date for empty or missing dates [default: the file's modification date].")
@with_appcontext
def import_json(file: Path, dry_run: bool, zone_name: str, missing_date: Any) -> None:
    """Import the earlier app's bakery_data.json (web or CLI format) into an empty database."""
    from .domain.legacy import LegacyFileRejected
    from .runtime import sessions
    from .services.legacy_import import import_legacy, read_legacy_file, rows_to_write

    zone = _zone(zone_name)
    stand_in: date | None = missing_date.date() if missing_date else None
    try:
        data = read_legacy_file(file, missing_date=stand_in, zone=zone)
    except LegacyFileRejected as exc:
        if dry_run:
            for entry, reason in exc.problems:
                click.echo(f"problem: {entry}: {reason}")
        raise _fail(f"{file} cannot be imported, nothing was written: {exc.message}") from exc
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror or exc}") from exc
    _report(data, dry_run)
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    total = rows_to_write(data)
    with _refused(f"{file} was not imported"), \
            click.progressbar(length=total, label="importing", file=sys.stderr,
                              hidden=total < PROGRESS_THRESHOLD
                              or not sys.stderr.isatty()) as bar:
        summary = import_legacy(sessions(), data, progress=bar.update)
    counts = ", ".join(f"{n} {what}" for what, n in summary.counts.items())
    click.echo(f"imported {counts}")


def _report(data: Any, dry_run: bool) -> None:
    if dry_run:
        click.echo(f"{data.format} format; would import:")
        for what, count in data.counts().items():
            click.echo(f"  {count:>9} {what}")
    if dry_run and data.sales:
        first = min(s.at for s in data.sales)
        last = max(s.at for s in data.sales)
        revenue = sum((s.total for s in data.sales), 0)
        click.echo(f"  sales from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC, "
                   f"revenue {revenue}")
    for note in data.notes:
        click.echo(f"note: {note}")


@click.command("export-json")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_json(file: Path) -> None:
    """Write everything to FILE in the bakery's versioned export format (JSON)."""
    from .services.backup import snapshot_export, write_export

    with _refused(f"cannot write {file}"):
        document = snapshot_export(_engine())
        write_export(document, file)
    rows = sum(len(t["rows"]) for t in document["tables"].values())
    click.echo(f"exported {rows} rows from {len(document['tables'])} tables to {file}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Take a consistent backup to FILE while the app keeps serving.

    SQLite: a copy of the database made with SQLite's backup API. PostgreSQL: the export
    format, read from one snapshot. `bakery restore` reads either.
    """
    from .services.backup import backup

    with _refused(f"cannot write {file}"):
        kind = backup(_engine(), file)
    click.echo(f"backup written to {file} ({'SQLite database' if kind == 'sqlite' else 'JSON export'})")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore an export or backup FILE into an empty database (ids kept, ledger checked)."""
    from .runtime import sessions, settings
    from .services.backup import load_backup, restore

    with _refused(f"{file} was not restored"):
        counts = restore(sessions(), load_backup(file), settings().password_hash_method)
    click.echo(f"restored {sum(counts.values())} rows into {len(counts)} tables")


DATA_COMMANDS = (import_json, export_json, backup_command, restore_command)
