"""Revision 0009 (the counter) on both databases: up and down, with existing sales kept."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from bakery.db.migrate import alembic_config, upgrade

SALE_ROWS = """
INSERT INTO products (id, name, price, created_at) VALUES (1, 'Rye', 4.20, '2026-01-02 08:00:00');
INSERT INTO sales (id, total, cost, created_at) VALUES (1, 8.40, 2.00, '2026-01-02 09:00:00');
INSERT INTO sale_items (id, sale_id, product_id, quantity, unit_price, line_total, cost)
VALUES (1, 1, 1, 2, 4.20, 8.40, 2.00);
"""


def test_existing_sales_survive_the_counter_revision_up_and_down(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0007")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for statement in filter(str.strip, SALE_ROWS.split(";")):
            connection.execute(text(statement))
    upgrade(database_url)
    with engine.connect() as connection:
        sale = connection.execute(text(
            "SELECT total, cost, tax, change, eat_in, till_session_id FROM sales")).one()
        line = connection.execute(text("SELECT line_total, tax_rate, tax FROM sale_items")).one()
        product = connection.execute(text(
            "SELECT price, tax_rate, eat_in_tax_rate FROM products")).one()
    assert [D(str(v)) for v in sale[:4]] == [D("8.40"), D("2.00"), D(0), D(0)]
    assert not sale.eat_in and sale.till_session_id is None
    assert [D(str(v)) for v in line] == [D("8.40"), D(0), D(0)]
    assert (D(str(product.price)), D(str(product.tax_rate)), product.eat_in_tax_rate) == (
        D("4.20"), D(0), None)
    command.downgrade(alembic_config(database_url), "0007")
    tables = inspect(engine).get_table_names()
    assert not {"refunds", "refund_items", "sale_payments", "till_sessions"} & set(tables)
    with engine.connect() as connection:
        assert D(str(connection.execute(text("SELECT total FROM sales")).scalar_one())) == \
            D("8.40")
        if connection.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    indexes = {index["name"] for index in inspect(engine).get_indexes("sales")}
    assert "ix_sales_created_at_id" in indexes
    upgrade(database_url)
    engine.dispose()


def test_the_database_refuses_to_change_a_closed_till_session(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO till_sessions (id, till, status, number, opening_float, opened_at) "
            "VALUES (1, 'front', 'closed', 1, 0, '2026-01-02 08:00:00')"))
    for statement in ("UPDATE till_sessions SET counted_cash = 5", "DELETE FROM till_sessions"):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))
    engine.dispose()
