"""`bakery import-json`: legacy files in, the same dashboard out, or nothing written at all."""

from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bakery.db.models import Sale, StockMove
from bakery.domain.numbers import money, quantity
from bakery.queries.inventory import ledger_mismatches
from bakery.services import legacy_import
from bench.legacy_files import legacy_bakery
from tests.conftest import login
from tests.legacy.conftest import digest, run, write_json


def legacy_dashboard(data: dict) -> dict[str, Any]:
    """The earlier app's dashboard totals, computed as it did: in floats, straight from the file."""
    sales = data.get("sales", [])
    units: dict[str, float] = defaultdict(float)
    for sale in sales:
        units[sale["product"]] += sale["quantity"]
    on_hand, low = {}, []
    for name, material in data["materials"].items():
        total = sum(batch["quantity"] for batch in material["batches"])
        on_hand[name] = total
        if total < material.get("min_quantity", material.get("min_threshold", 0)):
            low.append(name)
    return {"revenue": sum(sale["total"] for sale in sales), "units": dict(units),
            "on_hand": on_hand, "low_stock": sorted(low),
            "product_stock": {name: p["quantity"] for name, p in data["products"].items()}}


def our_dashboard(api: Any) -> dict[str, Any]:
    """The same figures as our API reports them."""
    report = api.ok("GET", "/reports/sales?from=2023-06-01&to=2025-12-31&group_by=product")
    materials = api.ok("GET", "/materials?limit=500")["items"]
    products = api.ok("GET", "/products?limit=500")["items"]
    return {"revenue": Decimal(report["totals"]["revenue"]),
            "units": {row["key"]: Decimal(row["quantity"]) for row in report["rows"]},
            "on_hand": {m["name"]: Decimal(m["on_hand"]) for m in materials},
            "low_stock": sorted(a["name"] for a in api.ok("GET", "/alerts/low-stock")["items"]),
            "low_flags": sorted(m["name"] for m in materials if m["low_stock"]),
            "product_stock": {p["name"]: Decimal(p["on_hand"]) for p in products}}


def as_shown(value: float, scale: Any) -> Decimal:
    """A legacy float at our stored scale (how its noise is meant to be read)."""
    return scale(Decimal(repr(float(value))))


@pytest.mark.parametrize("fmt", ["web", "cli"])
def test_dashboard_totals_equal_the_earlier_apps(app, tmp_path, fmt):
    document = legacy_bakery(fmt, sales=400, seed=7 if fmt == "web" else 11, materials=14)
    source = write_json(tmp_path / "bakery_data.json", document)
    result = run(app, "import-json", source)
    assert result.exit_code == 0, result.output
    expected, ours = legacy_dashboard(document), our_dashboard(login(app, "manager"))

    assert ours["revenue"] == as_shown(expected["revenue"], money)
    assert ours["units"] == {name: as_shown(units, quantity)
                             for name, units in expected["units"].items()}
    assert ours["on_hand"] == {name: as_shown(total, quantity)
                               for name, total in expected["on_hand"].items()}
    assert ours["low_stock"] == ours["low_flags"] == expected["low_stock"]
    assert expected["low_stock"], "the generated bakery should have something running low"
    assert ours["product_stock"] == {name: as_shown(q, quantity)
                                     for name, q in expected["product_stock"].items()}


def test_import_writes_opening_balances_to_the_ledger_and_sales_as_history(app, sessions, tmp_path):
    document = legacy_bakery("web", sales=50, seed=3)
    assert run(app, "import-json", write_json(tmp_path / "d.json", document)).exit_code == 0
    with sessions() as session:
        assert ledger_mismatches(session) == []
        reasons = session.execute(select(StockMove.reason, StockMove.ref_type).distinct()).all()
        assert [tuple(r) for r in reasons] == [("opening", "import")]
        assert session.execute(select(func.count()).select_from(Sale)).scalar_one() == 50
        assert session.execute(select(func.sum(Sale.cost))).scalar_one() == 0
    api = login(app, "manager")
    moves = api.ok("GET", "/stock-moves?limit=500")["items"]
    assert {m["ref"] for m in moves} == {"import"}
    products = api.ok("GET", "/products?limit=500")["items"]
    stock = {p["name"]: Decimal(p["on_hand"]) for p in products}
    # Sales are history: what the file says is on hand is on hand now, not less.
    assert stock == {name: Decimal(p["quantity"]) for name, p in document["products"].items()}


def test_recipes_become_products_named_after_them(app, tmp_path):
    document = legacy_bakery("cli", sales=5, seed=5, recipes=3)
    assert run(app, "import-json", write_json(tmp_path / "d.json", document)).exit_code == 0
    api = login(app, "manager")
    recipes = api.ok("GET", "/recipes?limit=500")["items"]
    products = {p["id"]: p["name"] for p in api.ok("GET", "/products?limit=500")["items"]}
    assert sorted(r["name"] for r in recipes) == sorted(document["recipes"])
    for recipe in recipes:
        assert products[recipe["product_id"]] == recipe["name"]
        assert Decimal(recipe["yield_quantity"]) == document["recipes"][recipe["name"]]["batch_size"]


def test_work_goes_on_after_an_import_with_fresh_ids(app, bakery, tmp_path):
    assert run(app, "import-json", write_json(tmp_path / "d.json",
                                               legacy_bakery("web", sales=20, seed=9))).exit_code == 0
    flour = bakery.material("New flour")
    assert flour > 1
    bread = bakery.stocked_bread(loaves=3)
    sale = bakery.sell({bread: "2"})
    assert sale["id"] == 21


def test_the_source_file_is_opened_read_only_and_left_unchanged(app, tmp_path):
    source = write_json(tmp_path / "bakery_data.json", legacy_bakery("web", sales=10))
    before = digest(source), os.stat(source).st_mtime_ns
    source.chmod(0o444)
    assert run(app, "import-json", source).exit_code == 0
    assert (digest(source), os.stat(source).st_mtime_ns) == before


def test_dry_run_reports_and_writes_nothing(app, sessions, tmp_path):
    source = write_json(tmp_path / "d.json", legacy_bakery("web", sales=30, seed=2))
    result = run(app, "import-json", "--dry-run", source)
    assert result.exit_code == 0, result.output
    assert "30 sales" in result.stdout and "nothing was written" in result.stdout
    with sessions() as session:
        assert legacy_import.occupied_tables(session) == {}


def test_a_broken_file_is_refused_in_one_line_naming_the_entry(app, sessions, tmp_path):
    document = legacy_bakery("web", sales=30, seed=2)
    document["recipes"]["Bread"]["ingredients"].append({"material": "Unicorn dust", "quantity": 1})
    source = write_json(tmp_path / "d.json", document)
    before = digest(source)
    result = run(app, "import-json", source)
    assert result.exit_code != 0
    line, = result.stderr.strip().splitlines()
    assert 'recipes["Bread"].ingredients' in line and "Unicorn dust" in line
    assert digest(source) == before
    with sessions() as session:
        assert legacy_import.occupied_tables(session) == {}


def test_invalid_json_is_refused(app, tmp_path):
    source = tmp_path / "d.json"
    source.write_text('{"materials": {"Flour": {"unit": "kg",')
    result = run(app, "import-json", source)
    assert result.exit_code != 0
    assert "not valid JSON" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_database_that_is_not_empty_is_refused(app, bakery, sessions, tmp_path):
    bakery.material("Flour")
    result = run(app, "import-json", write_json(tmp_path / "d.json", legacy_bakery("web", sales=3)))
    assert result.exit_code != 0
    assert "needs an empty database" in result.stderr and "1 materials" in result.stderr
    with sessions() as session:
        assert legacy_import.occupied_tables(session) == {"materials": 1}


def test_a_failure_half_way_leaves_nothing_behind(app, sessions, tmp_path, monkeypatch):
    def broken(self, data, product_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(legacy_import._Writer, "sales", broken)
    from bakery.services.legacy_import import import_legacy, read_legacy_file

    data = read_legacy_file(write_json(tmp_path / "d.json", legacy_bakery("web", sales=5)))
    with pytest.raises(RuntimeError):
        import_legacy(sessions, data)
    with sessions() as session:
        assert legacy_import.occupied_tables(session) == {}


def test_empty_dates_follow_the_documented_rule(app, tmp_path):
    document = {"materials": {"Flour": {"unit": "kg", "min_quantity": 0, "batches": [
        {"quantity": 1.0, "cost_per_unit": 1.0, "purchase_date": ""}]}}}
    source = write_json(tmp_path / "d.json", document)
    os.utime(source, (1_700_000_000, 1_700_000_000))  # 2023-11-14 22:13 UTC
    assert run(app, "import-json", source).exit_code == 0
    batches = login(app, "manager").ok("GET", "/materials/1")["batches"]
    assert [b["purchase_date"] for b in batches] == ["2023-11-14"]


def test_missing_date_option_overrides_the_rule(app, tmp_path):
    document = {"materials": {"Flour": {"unit": "kg", "min_threshold": 0, "batches": [
        {"quantity": 1.0, "cost_per_unit": 1.0}]}}}
    source = write_json(tmp_path / "d.json", document)
    assert run(app, "import-json", "--missing-date", "2020-02-02", source).exit_code == 0
    batches = login(app, "manager").ok("GET", "/materials/1")["batches"]
    assert [b["purchase_date"] for b in batches] == ["2020-02-02"]


def test_opening_product_stock_is_valued_at_its_recipes_fifo_cost(app, tmp_path):
    document = {
        "materials": {"Flour": {"unit": "kg", "min_quantity": 0, "batches": [
            {"quantity": 2.0, "cost_per_unit": 1.0, "purchase_date": "2024-01-02"},
            {"quantity": 10.0, "cost_per_unit": 2.0, "purchase_date": "2024-01-01"}]}},
        "recipes": {"Bread": {"batch_size": 4, "ingredients": [{"material": "Flour", "quantity": 3.0}]}},
        "products": {"Bread": {"quantity": 8, "price": 3.0}},
    }
    assert run(app, "import-json", write_json(tmp_path / "d.json", document)).exit_code == 0
    lot, = login(app, "manager").ok("GET", "/products/1")["lots"]
    assert lot["unit_cost"] == "1.50"  # 3 kg from the oldest batch at 2.00, per 4 loaves


def test_unknown_time_zone_is_a_usage_error(app, tmp_path):
    result = run(app, "import-json", "--timezone", "Mars/Olympus",
                 write_json(tmp_path / "d.json", {"materials": {}}))
    assert result.exit_code == 2 and "unknown time zone" in result.stderr


def test_the_source_is_never_written_even_when_refused(app, tmp_path):
    source = tmp_path / "d.json"
    source.write_bytes(b'{"sales": [{"product": "B", "quantity": -1}]}')
    source.chmod(0o444)
    before = digest(source)
    assert run(app, "import-json", source).exit_code != 0
    assert digest(source) == before
    assert Path(source).stat().st_mode & 0o777 == 0o444
