"""Revision 0008: quantities and unit costs to 6 places, on a database that already has data.

A bakery built at revision 0007 (3-place quantities, 2-place batch costs) is upgraded; every
stored figure reads back the same, and the API answers the same strings for the recipe, its
material and the run as before ("2.500" stays "2.500"). Downgrading gives the old columns back
with the same values.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bakery import create_app
from bakery.db.migrate import alembic_config, upgrade
from tests.conftest import login, make_settings

WHEN = "2026-03-02 06:00:00"
ROWS = [
    ("materials", "INSERT INTO materials (id, name, unit, min_quantity, created_at) VALUES "
     "(1, 'Flour', 'kg', 2.5, :at), (2, 'Gold', 'kg', 0, :at)"),
    ("material_batches", "INSERT INTO material_batches (id, material_id, quantity, remaining, "
     "cost_per_unit, purchase_date, created_at) VALUES "
     "(1, 1, 25, 12.345, 0.87, '2026-03-01', :at), "
     "(2, 2, 99999999999.999, 99999999999.999, 999999999999.99, '2026-03-01', :at)"),
    ("products", "INSERT INTO products (id, name, price, min_quantity, created_at) VALUES "
     "(1, 'Bread', 3.20, 1.5, :at)"),
    ("recipes", "INSERT INTO recipes (id, name, product_id, yield_quantity, created_at) VALUES "
     "(1, 'Bread', 1, 12, :at)"),
    ("recipe_ingredients", "INSERT INTO recipe_ingredients (id, recipe_id, material_id, quantity) "
     "VALUES (1, 1, 1, 1.125)"),
    ("production_runs", "INSERT INTO production_runs (id, recipe_id, product_id, batches, "
     "produced_quantity, total_cost, created_at) VALUES (1, 1, 1, 1, 12, 0.98, :at)"),
    ("production_consumptions", "INSERT INTO production_consumptions (id, run_id, material_id, "
     "batch_id, quantity, cost_per_unit) VALUES (1, 1, 1, 1, 1.125, 0.87)"),
    ("product_lots", "INSERT INTO product_lots (id, product_id, production_run_id, quantity, "
     "remaining, unit_cost, created_at) VALUES (1, 1, 1, 12, 7.333, 0.081563, :at)"),
]
COLUMNS = {
    "materials": ("min_quantity",),
    "material_batches": ("quantity", "remaining", "cost_per_unit"),
    "products": ("min_quantity",),
    "recipes": ("yield_quantity",),
    "recipe_ingredients": ("quantity",),
    "production_runs": ("produced_quantity", "total_cost"),
    "production_consumptions": ("quantity", "cost_per_unit"),
    "product_lots": ("quantity", "remaining", "unit_cost"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, with no schema yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("pg_server")
    url = server.create(migrated=False)
    try:
        yield url
    finally:
        server.drop(url, now=False)


def _figures(url: str) -> dict[tuple[str, str, int], Decimal]:
    """Every stored figure, read exactly (as text on SQLite: the shortest repr of the double)."""
    engine = create_engine(url)
    figures = {}
    with engine.connect() as connection:
        for table, names in COLUMNS.items():
            for name in names:
                cast = f"CAST({name} AS TEXT)" if engine.dialect.name == "sqlite" else name
                for row_id, value in connection.execute(
                        text(f"SELECT id, {cast} FROM {table} ORDER BY id")):
                    figures[(table, name, row_id)] = Decimal(str(value))
    engine.dispose()
    return figures


def _build_at_0007(url: str) -> None:
    upgrade(url, "0007")
    engine = create_engine(url)
    with engine.begin() as connection:
        for _table, statement in ROWS:
            connection.execute(text(statement), {"at": WHEN})
    engine.dispose()


def test_upgrading_keeps_every_stored_figure(blank_url: str) -> None:
    _build_at_0007(blank_url)
    before = _figures(blank_url)
    assert before[("material_batches", "remaining", 2)] == Decimal("99999999999.999")
    upgrade(blank_url)
    assert _figures(blank_url) == before


def test_the_api_answers_the_same_strings_after_upgrading(blank_url: str, tmp_path: Path) -> None:
    _build_at_0007(blank_url)
    upgrade(blank_url)
    app = create_app(settings=make_settings(blank_url, tmp_path))
    try:
        api = login(app, "admin")
        recipe = api.ok("GET", "/recipes/1")
        assert (recipe["yield_quantity"], recipe["cost_per_batch"], recipe["cost_per_unit"]) == \
            ("12.000", "0.98", "0.08")
        assert [(i["quantity"]) for i in recipe["ingredients"]] == ["1.125"]
        flour = api.ok("GET", "/materials/1")
        assert (flour["min_quantity"], flour["on_hand"], flour["stock_value"]) == \
            ("2.500", "12.345", "10.74")
        assert [(b["quantity"], b["remaining"], b["cost_per_unit"]) for b in flour["batches"]] == \
            [("25.000", "12.345", "0.87")]
        gold = api.ok("GET", "/materials/2")
        assert [(b["quantity"], b["cost_per_unit"]) for b in gold["batches"]] == \
            [("99999999999.999", "999999999999.99")]
        run = api.ok("GET", "/production-runs/1")
        assert (run["produced_quantity"], run["total_cost"]) == ("12.000", "0.98")
        assert [(c["quantity"], c["cost_per_unit"]) for c in run["consumed"]] == \
            [("1.125", "0.87")]
        bread = api.ok("GET", "/products/1")
        assert (bread["on_hand"], bread["min_quantity"]) == ("7.333", "1.500")
        # and the new scale takes 2.5 g of yeast in a material kept in kg
        api.ok("PATCH", "/recipes/1", json={"ingredients": [
            {"material_id": 1, "quantity": "1.125"}, {"material_id": 2, "quantity": "0.0025"}]})
        assert [i["quantity"] for i in api.ok("GET", "/recipes/1")["ingredients"]] == \
            ["1.125", "0.0025"]
    finally:
        app.extensions["bakery.engine"].dispose()


def test_downgrading_gives_the_old_columns_back_with_the_same_values(blank_url: str) -> None:
    _build_at_0007(blank_url)
    before = _figures(blank_url)
    upgrade(blank_url)
    command.downgrade(alembic_config(blank_url), "0007")
    assert _figures(blank_url) == before
    engine = create_engine(blank_url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            kinds = dict(connection.execute(text(
                "SELECT column_name, numeric_scale FROM information_schema.columns "
                "WHERE table_name = 'material_batches'")).all())
        assert (kinds["remaining"], kinds["cost_per_unit"]) == (3, 2)
    engine.dispose()
    upgrade(blank_url)
    assert _figures(blank_url) == before




def test_revision_0011_gives_existing_rows_defaults_and_downgrades(blank_url: str) -> None:
    """Materials without allergens or packs, every product sellable; down and up again."""
    _build_at_0007(blank_url)
    upgrade(blank_url, "0008")
    before = _figures(blank_url)
    upgrade(blank_url)
    engine = create_engine(blank_url)
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT allergens, may_contain, pack_sizes, grams_per_unit FROM materials "
            "WHERE id = 1")).one() == ("", "", None, None)
        assert connection.execute(text("SELECT sellable, allergens FROM products")).all() == \
            [(True, "")]
        assert connection.execute(text("SELECT COUNT(*) FROM recipe_products")).scalar() == 0
    command.downgrade(alembic_config(blank_url), "0008")
    with engine.connect() as connection:
        assert "recipe_products" not in {r[0] for r in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if engine.dialect.name ==
            "sqlite" else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
    engine.dispose()
    assert _figures(blank_url) == before
    upgrade(blank_url)
    assert _figures(blank_url) == before
