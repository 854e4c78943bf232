"""How long `bakery import-json` takes for a legacy file with 100,000 sales.

    .venv/bin/python bench/import_bench.py [--sales 100000] [--pg postgresql://...] [--no-pg]

Generates a legacy file (web format by default) the way the earlier app wrote it, then
imports it into a fresh SQLite database and a fresh PostgreSQL database (created with a
unique name on the local server and dropped afterwards), printing the time of each phase.
Target: the whole import under 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from legacy_files import legacy_bakery
from sqlalchemy import create_engine, text

from bakery.db.engine import make_engine, make_session_factory
from bakery.db.migrate import upgrade
from bakery.queries.inventory import ledger_mismatches
from bakery.services.legacy_import import import_legacy, read_legacy_file

PG_DEFAULT = os.environ.get("BAKERY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def timed_import(url: str, source: Path) -> dict[str, float]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        started = time.perf_counter()
        data = read_legacy_file(source)
        parsed = time.perf_counter()
        import_legacy(factory, data)
        written = time.perf_counter()
        with factory() as session:
            assert ledger_mismatches(session) == []
    finally:
        engine.dispose()
    return {"read and check": parsed - started, "write": written - parsed,
            "total": written - started}


def show(label: str, figures: dict[str, float]) -> None:
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items())
    print(f"{label:<11} {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=100_000)
    parser.add_argument("--format", choices=["web", "cli"], default="web")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server (a database on it "
                        "is created and dropped)")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bakery-import-bench-") as folder:
        source = Path(folder) / "bakery_data.json"
        document = legacy_bakery(args.format, sales=args.sales, seed=42, materials=40,
                                 recipes=25)
        source.write_text(json.dumps(document, indent=2))
        size = source.stat().st_size / 1e6
        batches = sum(len(m["batches"]) for m in document["materials"].values())
        print(f"legacy file: {args.format} format, {size:.1f} MB, {args.sales} sales, "
              f"{len(document['materials'])} materials ({batches} batches), "
              f"{len(document['recipes'])} recipes; {os.cpu_count()} CPUs")
        show("SQLite:", timed_import(f"sqlite:///{Path(folder) / 'bench.db'}", source))
        if args.no_pg:
            return
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"bakery_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
            print(f"PostgreSQL: skipped ({exc.__class__.__name__})")
            return
        try:
            url = admin.url.set(database=name).render_as_string(hide_password=False)
            show("PostgreSQL:", timed_import(url, source))
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
