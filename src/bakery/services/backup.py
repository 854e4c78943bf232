"""Full data out and back in: our versioned export format, online backups and restore.

The export format (documented in docs/migration.md) is one JSON object:

    {"format": "bakery-export", "version": 1, "exported_at": "...Z",
     "schema_revision": ["0001"],
     "tables": {"materials": {"columns": ["id", "name", ...], "rows": [[1, "Flour", ...]]}, ...}}

Every table of the schema is there, ids included, so ledger references hold after a restore,
except bearer tokens, idempotency keys and the security controls' counters and browser sessions,
which are short-lived by design (a restore signs everybody out). Restored rows meet the API's
rules (names in one spelling, known roles, strong password hashes). Users are exported with
their password hashes so staff can sign in after a restore: treat the file like the database
itself. Decimals, dates and times are strings
(times in UTC, ISO 8601).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..clock import now
from ..config import PASSWORD_HASH
from ..db.engine import transaction
from ..db.models import Base, as_utc
from ..db.sequences import reset_sequences
from ..domain.credentials import weak_hash_problem
from ..domain.errors import Conflict, ValidationFailed
from ..domain.names import BadName, clean_name
from ..domain.roles import ALL_ROLES
from .unit_of_work import SessionFactory

FORMAT = "bakery-export"
VERSION = 1
# Credentials and short-lived bookkeeping stay behind: tokens, Idempotency-Keys, rate-limit
# windows, the sign-in delay's counts and browser sessions (a restore signs everybody out).
EXCLUDED = frozenset({"api_tokens", "idempotency_keys", "throttle_windows", "login_failures",
                      "web_sessions"})
SQLITE_MAGIC = b"SQLite format 3\x00"
CHUNK = 5_000


def exported_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


# --- out ----------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _revision(connection: Connection) -> list[str]:
    try:
        return sorted(r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return []


def export_from(connection: Connection) -> dict[str, Any]:
    """Every exported table as read by `connection` (call it inside one transaction)."""
    tables: dict[str, Any] = {}
    for table in exported_tables():
        columns = [c.name for c in table.c]
        order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
        rows = connection.execute(select(table).order_by(*order))
        tables[table.name] = {"columns": columns,
                              "rows": [[_plain(v) for v in row] for row in rows]}
    return {"format": FORMAT, "version": VERSION,
            "exported_at": now().isoformat(),
            "schema_revision": _revision(connection), "tables": tables}


def snapshot_export(engine: Engine) -> dict[str, Any]:
    """A consistent export while the app keeps serving.

    PostgreSQL: one REPEATABLE READ, read-only transaction sees a single snapshot and blocks
    no writer. SQLite: the backup API copies the database (a consistent snapshot even while
    writers commit), and the export is read from that copy.
    """
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bakery-backup-") as folder:
            copy = Path(folder) / "snapshot.db"
            sqlite_backup(engine, copy)
            return read_sqlite_file(copy)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                            postgresql_readonly=True) as connection:
        with connection.begin():
            return export_from(connection)


def sqlite_backup(engine: Engine, target: Path) -> None:
    """Copy a live SQLite database with SQLite's online backup API."""
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(destination)  # type: ignore[union-attr]
        finally:
            destination.close()
    finally:
        raw.close()


def read_sqlite_file(path: Path) -> dict[str, Any]:
    """Export the contents of an SQLite database file (a backup), opened read-only."""
    engine = create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN")
            try:
                return export_from(connection)
            except SQLAlchemyError as exc:
                raise ValidationFailed(
                    "the SQLite backup does not match this version's schema; upgrade a copy "
                    "of it first with DATABASE_URL=sqlite:///COPY bakery db upgrade",
                    {"file": str(getattr(exc, "orig", None) or exc).splitlines()[0]}) from exc
    finally:
        engine.dispose()


def json_default(value: Any) -> Any:
    converted = _plain(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


def dump_export(document: dict[str, Any], stream: Any) -> None:
    json.dump(document, stream, default=json_default, ensure_ascii=False, separators=(",", ":"))


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside `path`, then move it into place in one step."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o600)  # it holds password hashes: for its owner only
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_export(document: dict[str, Any], path: Path) -> None:
    with replacing(path) as temporary, open(temporary, "w", encoding="utf-8") as stream:
        dump_export(document, stream)


def backup(engine: Engine, path: Path) -> str:
    """An online backup: SQLite's own file copy, or our JSON format from a PostgreSQL snapshot.

    Returns the kind written: "sqlite" or "json".
    """
    if engine.dialect.name == "sqlite":
        with replacing(path) as temporary:
            temporary.unlink()
            sqlite_backup(engine, temporary)
        return "sqlite"
    write_export(snapshot_export(engine), path)
    return "json"


# --- in -----------------------------------------------------------------------------------------

def load_backup(path: Path) -> dict[str, Any]:
    """Read either an export (JSON) or an SQLite backup file into the export structure."""
    with open(path, "rb") as source:
        head = source.read(len(SQLITE_MAGIC))
        if head == SQLITE_MAGIC:
            return read_sqlite_file(Path(path))
        raw = head + source.read()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationFailed("the file is neither a bakery export (JSON) nor an SQLite backup",
                               {"file": str(exc)[:200]}) from exc


def _value(column: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    try:
        if kind is Decimal and isinstance(value, (str, int)) and not isinstance(value, bool):
            number = Decimal(value)
            if number.is_finite():
                return number
        elif kind is datetime and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            return as_utc(moment).astimezone(timezone.utc)
        elif kind is date and isinstance(value, str):
            return date.fromisoformat(value)
        elif kind is bool and isinstance(value, bool):
            return value
        elif kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        elif kind is str and isinstance(value, str):
            return value
        elif kind not in (Decimal, datetime, date, bool, int, str):
            return value
    except (InvalidOperation, ValueError):
        pass
    raise ValidationFailed(f"{where}: {value!r} is not a valid {kind.__name__}", {where: "bad value"})


def _rows(table: Table, section: Any) -> list[dict[str, Any]]:
    if not isinstance(section, dict) or not isinstance(section.get("columns"), list) \
            or not isinstance(section.get("rows"), list):
        raise ValidationFailed(f"tables.{table.name} must have columns and rows",
                               {f"tables.{table.name}": "malformed"})
    names = section["columns"]
    unknown = [n for n in names if not isinstance(n, str) or n not in table.c]
    if unknown:
        raise ValidationFailed(f"tables.{table.name} has columns this schema lacks: {unknown}",
                               {f"tables.{table.name}": "unknown columns"})
    columns = [table.c[n] for n in names]
    result = []
    for index, row in enumerate(section["rows"]):
        where = f"tables.{table.name}.rows[{index}]"
        if not isinstance(row, list) or len(row) != len(columns):
            raise ValidationFailed(f"{where} does not match the columns", {where: "malformed"})
        result.append({c.name: _value(c, v, f"{where}.{c.name}") for c, v in zip(columns, row, strict=True)})
    return result


def check_document(document: Any) -> dict[str, Any]:
    """The tables section of an export, after checking what it claims to be."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationFailed("the file is not a bakery export", {"format": "expected bakery-export"})
    if document.get("version") != VERSION:
        raise ValidationFailed(f"export version {document.get('version')!r} is not supported "
                               f"(this version reads {VERSION})", {"version": "unsupported"})
    tables = document.get("tables")
    known = {t.name for t in exported_tables()}
    if not isinstance(tables, dict) or not set(tables) <= known:
        extra = sorted(set(tables) - known) if isinstance(tables, dict) else []
        raise ValidationFailed(f"the export holds tables this schema lacks: {extra}",
                               {"tables": "unknown tables"})
    return tables


def restore(factory: SessionFactory, document: Any,
            hash_method: str = PASSWORD_HASH) -> dict[str, int]:
    """Load an export into an empty database, ids preserved; all of it or nothing.

    The rows meet the same rules as the API's: names in one spelling, users with a real email, a
    known role and a password hash at least as costly as `hash_method` makes. Afterwards the
    ledger must add up to the stock on hand, or nothing is kept.
    """
    from ..queries.inventory import ledger_mismatches

    tables = check_document(document)
    loaded = {table.name: _rows(table, tables[table.name]) if table.name in tables else []
              for table in exported_tables()}
    _check_rules(loaded, hash_method)
    counts: dict[str, int] = {}
    with transaction(factory) as session:
        _refuse_unless_blank(session)
        for table in exported_tables():
            rows = loaded[table.name]
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(table), rows[start:start + CHUNK])
            counts[table.name] = len(rows)
        reset_sequences(session, exported_tables())
        session.flush()
        problems = ledger_mismatches(session)
        if problems:
            raise Conflict(f"the backup's ledger does not add up to its stock ({len(problems)} "
                           "mismatches); nothing was restored", {"ledger": problems[:20]})
    return counts


NAMED_TABLES = ("materials", "products", "recipes")


def _check_rules(loaded: dict[str, list[dict[str, Any]]], hash_method: str) -> None:
    """Refuse rows the API itself would refuse, naming each (the first 20)."""
    problems: dict[str, str] = {}
    for table in NAMED_TABLES:
        for index, row in enumerate(loaded.get(table, [])):
            name = row.get("name") or ""
            try:
                clean = clean_name(name)
            except BadName as exc:
                problems[f"tables.{table}.rows[{index}].name"] = str(exc)
                continue
            if clean != name:
                problems[f"tables.{table}.rows[{index}].name"] = (
                    f"is not in its one spelling ({clean!r})")
    for index, row in enumerate(loaded.get("users", [])):
        where = f"tables.users.rows[{index}]"
        email = row.get("email") or ""
        if "@" not in email or email != email.strip().lower():
            problems[f"{where}.email"] = "not an email address in lower case"
        if row.get("role") not in ALL_ROLES:
            problems[f"{where}.role"] = f"must be one of {', '.join(ALL_ROLES)}"
        weak = weak_hash_problem(row.get("password_hash") or "", hash_method)
        if weak:
            problems[f"{where}.password_hash"] = f"{weak}: reset the password before backing up"
    if problems:
        first = dict(list(problems.items())[:20])
        where, why = next(iter(first.items()))
        raise ValidationFailed(f"the backup holds {len(problems)} rows this version refuses, "
                               f"first {where}: {why}; nothing was restored", first)


def _refuse_unless_blank(session: Any) -> None:
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(t.name for t in exported_tables())
        session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
    held = {}
    for table in exported_tables():
        count = session.execute(select(table.c[list(table.c.keys())[0]]).limit(1)).first()
        if count is not None:
            held[table.name] = True
    if held:
        raise Conflict("restore needs an empty database, but these tables hold rows: "
                       f"{', '.join(held)}; point DATABASE_URL at a new database and run "
                       "`bakery db upgrade` first", {"database": "not empty"})

