"""Revision 0012 adds the planning tables and nothing else: up, down and up again, with the data
already there surviving each step, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from bakery.db.engine import normalize_url
from bakery.db.migrate import alembic_config, current, upgrade

PLANNING = {"customer_orders", "customer_order_items", "standing_orders", "standing_order_items",
            "material_suppliers"}


def _tables(url: str) -> set[str]:
    engine = create_engine(normalize_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_revision_0012_goes_up_and_down_keeping_the_data(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0007")
    assert not PLANNING & _tables(database_url)
    engine = create_engine(normalize_url(database_url))
    with engine.begin() as db:
        db.execute(text("INSERT INTO products (name, price, created_at) "
                        "VALUES ('Bread', 2.50, CURRENT_TIMESTAMP)"))
        db.execute(text("INSERT INTO materials (name, unit, min_quantity, created_at) "
                        "VALUES ('Flour', 'kg', 0, CURRENT_TIMESTAMP)"))
    upgrade(database_url)
    assert current(database_url) == "0012"
    assert _tables(database_url) >= PLANNING
    with engine.begin() as db:
        product = db.scalar(text("SELECT id FROM products WHERE name = 'Bread'"))
        material = db.scalar(text("SELECT id FROM materials WHERE name = 'Flour'"))
        db.execute(text("INSERT INTO customer_orders (customer, due_date, deposit, status, "
                        "created_at) VALUES ('Cafe', '2026-12-01', 0, 'open', CURRENT_TIMESTAMP)"))
        order = db.scalar(text("SELECT id FROM customer_orders"))
        db.execute(text("INSERT INTO customer_order_items (order_id, product_id, quantity) "
                        f"VALUES ({order}, {product}, 3)"))
        db.execute(text("INSERT INTO material_suppliers (material_id, supplier, lead_time_days) "
                        f"VALUES ({material}, 'Mill', 2)"))
    command.downgrade(alembic_config(database_url), "0007")
    assert not PLANNING & _tables(database_url)
    with engine.begin() as db:
        assert db.scalar(text("SELECT price FROM products WHERE name = 'Bread'")) == 2.5
    upgrade(database_url)
    assert _tables(database_url) >= PLANNING
    engine.dispose()
