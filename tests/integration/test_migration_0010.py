"""Revision 0010 (food safety) upgrades a database with stock in it, and downgrades again."""

from __future__ import annotations

from datetime import date, datetime, timezone

from alembic import command
from sqlalchemy import create_engine, inspect, text

from bakery.db.engine import normalize_url
from bakery.db.migrate import alembic_config, upgrade


def test_revision_0010_keeps_existing_stock_and_downgrades_cleanly(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    engine = create_engine(normalize_url(database_url))
    made = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO materials (id, name, unit, min_quantity, created_at) "
            "VALUES (1, 'Flour', 'kg', 0, :at)"), {"at": made})
        connection.execute(text(
            "INSERT INTO material_batches (id, material_id, quantity, remaining, cost_per_unit, "
            "purchase_date, expiry_date, lot, supplier, created_at) "
            "VALUES (1, 1, 5, 4, 1.25, :day, :day, 'L-42', 'Mill', :at)"),
            {"day": date(2026, 11, 1), "at": made})
        connection.execute(text(
            "INSERT INTO products (id, name, price, created_at) VALUES (1, 'Bread', 3, :at)"),
            {"at": made})
        connection.execute(text(
            "INSERT INTO product_lots (id, product_id, quantity, remaining, unit_cost, created_at)"
            " VALUES (1, 1, 10, 7, 0.5, :at)"), {"at": made})
    upgrade(database_url)
    with engine.connect() as connection:
        batch = connection.execute(text(
            "SELECT remaining, lot, hold_id, adjustment_id FROM material_batches")).one()
        lot = connection.execute(text("SELECT remaining, best_before, hold_id FROM product_lots")
                                 ).one()
        material = connection.execute(text("SELECT issue_order FROM materials")).one()
        product = connection.execute(text(
            "SELECT shelf_life_hours, day_old_product_id FROM products")).one()
    assert (float(batch.remaining), batch.lot, batch.hold_id, batch.adjustment_id) == (
        4.0, "L-42", None, None)
    assert (float(lot.remaining), lot.best_before, lot.hold_id) == (7.0, None, None)
    assert material.issue_order == "fifo"
    assert (product.shelf_life_hours, product.day_old_product_id) == (None, None)
    assert {"stock_holds", "expiry_alerts", "stock_write_offs"} <= set(
        inspect(engine).get_table_names())

    command.downgrade(config, "0007")
    inspector = inspect(engine)
    assert "stock_holds" not in inspector.get_table_names()
    assert "best_before" not in {c["name"] for c in inspector.get_columns("product_lots")}
    with engine.connect() as connection:
        assert float(connection.execute(text("SELECT remaining FROM product_lots")).scalar_one()) == 7
    upgrade(database_url)
    engine.dispose()
