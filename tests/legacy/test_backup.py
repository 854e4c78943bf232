"""Export, backup and restore: everything out and back in, ids, reports and ledger identical."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bakery.db.models import StockMove, as_utc
from bakery.queries.inventory import ledger_mismatches, low_stock
from bakery.queries.reports import sales_report
from bakery.services.backup import EXCLUDED, load_backup, restore, snapshot_export
from bench.legacy_files import legacy_bakery
from tests.builders import Bakery, ThroughApi
from tests.conftest import login
from tests.legacy.conftest import run, write_json


def busy_bakery(app: Any) -> Bakery:
    """A bakery with a bit of everything: batches, recipes, runs, sales, adjustments, users."""
    api = login(app, "admin")
    bakery = Bakery(ThroughApi(api))
    flour = bakery.material("Flour", "kg", "30")
    butter = bakery.material("Butter", "kg", "1")
    bakery.batch(flour, "25", "0.80", "2026-11-20")
    bakery.batch(flour, "12.5", "0.60", "2026-11-01")
    bakery.batch(butter, "5", "7.00", "2026-11-10")
    croissant = bakery.product("Croissant", "2.20")
    bread = bakery.product("Bread", "3.10")
    bakery.bake(bakery.recipe(croissant, {flour: "5", butter: "1.5"}, "40", "Croissants"), 2)
    bakery.bake(bakery.recipe(bread, {flour: "4"}, "8", "Loaves"), 1)
    bakery.sell({croissant: "30", bread: "2"})
    bakery.sell({croissant: "7"})
    api.ok("POST", "/stock-adjustments", 201,
           json={"material_id": flour, "quantity_delta": "-0.75", "reason": "waste"})
    api.ok("POST", "/stock-adjustments", 201,
           json={"product_id": bread, "quantity_delta": "1", "reason": "count"})
    login(app, "cashier")
    return bakery


def figures(app: Any) -> dict[str, Any]:
    """Reports, stock and the ledger as the API and queries show them."""
    api = login(app, "admin")
    factory = app.extensions["bakery.sessions"]
    from datetime import date

    with factory() as session:
        by_day = sales_report(session, date(2020, 1, 1), date(2029, 12, 31), "day")
        by_product = sales_report(session, date(2020, 1, 1), date(2029, 12, 31), "product")
        ledger = [tuple(_utc(v) for v in row) for row in session.execute(
            select(StockMove.__table__).order_by(StockMove.id))]
        low = low_stock(session)
    return {
        "by_day": by_day, "by_product": by_product, "ledger": ledger, "low": low,
        "materials": api.ok("GET", "/materials?limit=500")["items"],
        "products": api.ok("GET", "/products?limit=500")["items"],
        "recipes": api.ok("GET", "/recipes?limit=500")["items"],
        "sales": api.ok("GET", "/sales?limit=500")["items"],
        "runs": api.ok("GET", "/production-runs?limit=500")["items"],
        "moves": api.ok("GET", "/stock-moves?limit=500")["items"],
    }


def _utc(value: Any) -> Any:
    """Times compare as instants: SQLite hands them back without a zone, PostgreSQL with one."""
    return as_utc(value).astimezone(timezone.utc) if isinstance(value, datetime) else value


def without_volatile(document: dict) -> dict:
    return dict(document["tables"])


def test_export_then_restore_gives_identical_reports_and_ledger(app, make_app, fresh_url, tmp_path):
    busy_bakery(app)
    target = tmp_path / "export.json"
    result = run(app, "export-json", target)
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert document["format"] == "bakery-export" and document["version"] == 1
    assert not EXCLUDED & set(document["tables"])

    copy = make_app(fresh_url)
    result = run(copy, "restore", target)
    assert result.exit_code == 0, result.output
    restored = snapshot_export(copy.extensions["bakery.engine"])
    assert without_volatile(restored) == without_volatile(document)
    before = figures(app)
    after = figures(copy)
    for key in ("by_day", "by_product", "ledger", "low", "materials", "products", "recipes",
                "sales", "runs", "moves"):
        assert after[key] == before[key], key


def test_restored_users_sign_in_with_their_passwords_and_ids_continue(app, make_app, fresh_url,
                                                                       tmp_path):
    from bakery.services.users import create_user

    create_user(app.extensions["bakery.sessions"], email="owner@bakery.test", role="admin",
                password="correct horse")
    bakery = busy_bakery(app)
    target = tmp_path / "export.json"
    assert run(app, "export-json", target).exit_code == 0
    copy = make_app(fresh_url)
    assert run(copy, "restore", target).exit_code == 0
    client = copy.test_client()
    response = client.post("/api/v1/auth/tokens",
                           json={"email": "owner@bakery.test", "password": "correct horse"})
    assert response.status_code == 201
    api = login(copy, "manager")
    sales_before = {s["id"] for s in api.ok("GET", "/sales?limit=500")["items"]}
    croissant = next(p["id"] for p in api.ok("GET", "/products")["items"] if p["name"] == "Croissant")
    sale = Bakery(ThroughApi(api)).sell({croissant: "1"})
    assert sale["id"] == max(sales_before) + 1
    assert bakery  # the source keeps working too
    with copy.extensions["bakery.sessions"]() as session:
        assert ledger_mismatches(session) == []


def test_backup_while_serving_then_restore_is_consistent(app, make_app, fresh_url, tmp_path):
    bakery = busy_bakery(app)
    bread = bakery.stocked_bread(loaves=400)
    selling = threading.Event()
    errors: list[BaseException] = []
    from decimal import Decimal

    from bakery.services.stock import record_sale

    def till() -> None:
        try:
            for _ in range(60):
                record_sale(app.extensions["bakery.sessions"], [(bread, Decimal(1))])
                selling.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            selling.set()

    worker = threading.Thread(target=till)
    worker.start()
    selling.wait(30)
    target = tmp_path / "backup.bin"
    result = run(app, "backup", target)
    worker.join(60)
    assert not errors and result.exit_code == 0, (errors, result.output)
    copy = make_app(fresh_url)
    result = run(copy, "restore", target)
    assert result.exit_code == 0, result.output
    with copy.extensions["bakery.sessions"]() as session:
        assert ledger_mismatches(session) == []
    sold = [s for s in login(copy, "admin").ok("GET", "/sales?limit=500")["items"]
            if s["items"][0]["product_id"] == bread]
    on_hand = next(p for p in login(copy, "admin").ok("GET", "/products?limit=500")["items"]
                   if p["id"] == bread)["on_hand"]
    assert 1 <= len(sold) <= 60
    assert float(on_hand) == 400 - len(sold)


def test_backup_format_follows_the_database(app, database_url, tmp_path):
    busy_bakery(app)
    target = tmp_path / "backup.bin"
    assert run(app, "backup", target).exit_code == 0
    head = target.read_bytes()[:16]
    if database_url.startswith("sqlite"):
        assert head == b"SQLite format 3\x00"
    else:
        assert json.loads(target.read_text())["format"] == "bakery-export"
    assert load_backup(target)["tables"]["materials"]["rows"]


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    busy_bakery(app)
    target = tmp_path / "export.json"
    assert run(app, "export-json", target).exit_code == 0
    result = run(app, "restore", target)
    assert result.exit_code != 0
    assert "needs an empty database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


BAD_EXPORTS = [
    (lambda d: d.update(format="something else"), "not a bakery export"),
    (lambda d: d.update(version=99), "version 99"),
    (lambda d: d["tables"].update(dragons={"columns": [], "rows": []}), "tables this schema lacks"),
    (lambda d: d["tables"]["materials"]["rows"][0].__setitem__(3, "lots"), "not a valid Decimal"),
    (lambda d: d["tables"]["materials"]["columns"].append("colour"), "columns this schema lacks"),
    (lambda d: d["tables"]["sales"]["rows"].append([1, "1.00"]), "does not match the columns"),
    (lambda d: d["tables"]["material_batches"]["rows"][0].__setitem__(3, "1.000"), "ledger"),
    # the API's rules hold for restored rows too
    (lambda d: _set(d, "materials", "name", "Flour\u200b"), "cannot be seen"),
    (lambda d: _set(d, "products", "name", "\u0412read"), "mixes letters"),
    (lambda d: _set(d, "users", "password_hash", generate_password_hash("x", "pbkdf2:sha256:1")),
     "rounds of pbkdf2"),
    (lambda d: _set(d, "users", "role", "owner"), "must be one of"),
]


def _set(document: dict, table: str, column: str, value: Any) -> None:
    """Change one column of the first row of a table in an export."""
    section = document["tables"][table]
    section["rows"][0][section["columns"].index(column)] = value


def test_restore_refuses_a_bad_export_and_writes_nothing(app, make_app, fresh_url, tmp_path):
    busy_bakery(app)
    target = tmp_path / "export.json"
    assert run(app, "export-json", target).exit_code == 0
    copy = make_app(fresh_url)
    for number, (change, reason) in enumerate(BAD_EXPORTS):
        document = json.loads(target.read_text())
        change(document)
        result = run(copy, "restore", write_json(tmp_path / f"bad{number}.json", document))
        assert result.exit_code != 0
        assert reason in result.stderr, result.stderr
        with copy.extensions["bakery.sessions"]() as session:
            assert session.execute(select(StockMove.id)).first() is None
    assert run(copy, "restore", target).exit_code == 0  # and the good one still goes in


def test_restore_refuses_a_file_that_is_no_backup(app, tmp_path):
    target = tmp_path / "junk.json"
    target.write_bytes(b"\x00\x01 not json")
    result = run(app, "restore", target)
    assert result.exit_code != 0 and "neither a bakery export" in result.stderr


def test_an_imported_legacy_bakery_survives_export_and_restore(app, make_app, fresh_url, tmp_path):
    source = write_json(tmp_path / "legacy.json", legacy_bakery("web", sales=120, seed=4))
    assert run(app, "import-json", source).exit_code == 0
    target = tmp_path / "export.json"
    assert run(app, "export-json", target).exit_code == 0
    copy = make_app(fresh_url)
    assert run(copy, "restore", target).exit_code == 0
    before, after = figures(app), figures(copy)
    assert after["by_product"] == before["by_product"]
    assert after["ledger"] == before["ledger"]
    assert after["materials"] == before["materials"]


def test_restore_reads_a_backup_written_on_another_database(app, database_url, make_app,
                                                            tmp_path, request):
    """An SQLite backup moves a bakery to PostgreSQL (and an export comes back the other way)."""
    busy_bakery(app)
    target = tmp_path / "backup.bin"
    assert run(app, "backup", target).exit_code == 0
    if database_url.startswith("sqlite"):
        server = request.getfixturevalue("pg_server")
        other = server.create()
        request.addfinalizer(lambda: server.drop(other))
    else:
        from tests.conftest import sqlite_copy

        folder = tmp_path / "other"
        folder.mkdir()
        other = sqlite_copy(request.getfixturevalue("sqlite_template"), folder)
    copy = make_app(other)
    result = run(copy, "restore", target)
    assert result.exit_code == 0, result.output
    assert figures(copy)["ledger"] == figures(app)["ledger"]
    assert figures(copy)["by_product"] == figures(app)["by_product"]


def test_restore_service_counts_every_table(app, make_app, fresh_url):
    busy_bakery(app)
    document = snapshot_export(app.extensions["bakery.engine"])
    copy = make_app(fresh_url)
    counts = restore(copy.extensions["bakery.sessions"], document,
                     copy.extensions["bakery.settings"].password_hash_method)
    assert counts == {name: len(t["rows"]) for name, t in document["tables"].items()}


def test_backup_files_are_readable_by_their_owner_only(app, tmp_path):
    for command in ("backup", "export-json"):
        target = tmp_path / f"{command}.out"
        assert run(app, command, target).exit_code == 0
        assert target.stat().st_mode & 0o777 == 0o600
