"""The counter: tax per product and sale line, payments and change, refunds, till sessions.

- `products.tax_rate` (percent inside the tax-inclusive price, default 0) and
  `products.eat_in_tax_rate` (null: the same as `tax_rate`);
- `sale_items.tax_rate`, `sale_items.tax`, `sales.tax`, `sales.change`, `sales.eat_in`,
  `sales.till_session_id`: existing sales get zero tax and change, taken away, no session;
- `sale_payments`: each payment as tendered (a sale without rows was paid in cash, exactly);
- `refunds`, `refund_items`: money and units given back; the sale stays as it was;
- `till_sessions` (one open session per till, numbered when closed and unchangeable after,
  which the database itself enforces) and `till_cash_moves` (cash paid in and out).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(14, 2)
RATE = sa.Numeric(5, 2)
QUANTITY = sa.Numeric(14, 3)
STAMP = sa.DateTime(timezone=True)
METHOD_CHECK = "method IN ('cash','card','other')"


def _user(name: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([name], ["users.id"], name=op.f(f"fk_{table}_{name}_users"))


def _foreign_keys(on: bool) -> None:
    """SQLite drops a column by copying its table, which trips the foreign keys of rows that
    point at it; the copy is done with them off (outside a transaction, where the pragma
    works), as SQLite's documentation for ALTER TABLE prescribes."""
    if op.get_bind().dialect.name != "sqlite":
        return
    if on:
        op.execute("PRAGMA foreign_keys = ON")
        op.execute("BEGIN")
    else:
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys = OFF")


def upgrade() -> None:
    # Plain ADD COLUMNs, which SQLite does in place: copying a table that others point at
    # would trip their foreign keys.
    op.add_column("products", sa.Column("tax_rate", RATE, nullable=False,
                                        server_default=sa.text("0")))
    op.add_column("products", sa.Column("eat_in_tax_rate", RATE, nullable=True))
    op.add_column("sale_items", sa.Column("tax_rate", RATE, nullable=False,
                                          server_default=sa.text("0")))
    op.add_column("sale_items", sa.Column("tax", MONEY, nullable=False,
                                          server_default=sa.text("0")))
    op.create_table(
        "till_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("till", sa.String(40), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("opening_float", MONEY, nullable=False),
        sa.Column("opened_by", ID, nullable=True),
        sa.Column("opened_at", STAMP, nullable=False),
        sa.Column("closed_by", ID, nullable=True),
        sa.Column("closed_at", STAMP, nullable=True),
        sa.Column("counted_cash", MONEY, nullable=True),
        sa.Column("expected_cash", MONEY, nullable=True),
        sa.Column("variance", MONEY, nullable=True),
        sa.Column("z_report", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_till_sessions_status")),
        sa.CheckConstraint("opening_float >= 0", name=op.f("ck_till_sessions_opening_float")),
        sa.CheckConstraint("(status = 'closed') = (number IS NOT NULL)",
                           name=op.f("ck_till_sessions_numbered_when_closed")),
        _user("opened_by", "till_sessions"),
        _user("closed_by", "till_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_sessions")),
        sa.UniqueConstraint("number", name=op.f("uq_till_sessions_number")),
    )
    op.create_index("ux_till_sessions_open_till", "till_sessions", ["till"], unique=True,
                    sqlite_where=sa.text("status = 'open'"),
                    postgresql_where=sa.text("status = 'open'"))
    op.add_column("sales", sa.Column("tax", MONEY, nullable=False, server_default=sa.text("0")))
    op.add_column("sales", sa.Column("change", MONEY, nullable=False,
                                     server_default=sa.text("0")))
    op.add_column("sales", sa.Column("eat_in", sa.Boolean(), nullable=False,
                                     server_default=sa.text("false")))
    if op.get_bind().dialect.name == "sqlite":  # SQLite takes the reference only inline
        op.execute("ALTER TABLE sales ADD COLUMN till_session_id INTEGER "
                   "CONSTRAINT fk_sales_till_session_id_till_sessions "
                   "REFERENCES till_sessions (id)")
    else:
        op.add_column("sales", sa.Column("till_session_id", ID, nullable=True))
        op.create_foreign_key(op.f("fk_sales_till_session_id_till_sessions"), "sales",
                              "till_sessions", ["till_session_id"], ["id"])
    op.create_index(op.f("ix_sales_till_session_id"), "sales", ["till_session_id"])
    op.create_table(
        "till_cash_moves",
        sa.Column("id", ID, nullable=False),
        sa.Column("till_session_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("note", sa.String(120), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_till_cash_moves_amount")),
        sa.ForeignKeyConstraint(["till_session_id"], ["till_sessions.id"],
                                name=op.f("fk_till_cash_moves_till_session_id_till_sessions")),
        _user("created_by", "till_cash_moves"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_cash_moves")),
    )
    op.create_index(op.f("ix_till_cash_moves_till_session_id"), "till_cash_moves",
                    ["till_session_id"])
    op.create_table(
        "sale_payments",
        sa.Column("id", ID, nullable=False),
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.CheckConstraint(METHOD_CHECK, name=op.f("ck_sale_payments_method")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_sale_payments_amount")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"],
                                name=op.f("fk_sale_payments_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_payments")),
    )
    op.create_index(op.f("ix_sale_payments_sale_id"), "sale_payments", ["sale_id"])
    op.create_table(
        "refunds",
        sa.Column("id", ID, nullable=False),
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("till_session_id", ID, nullable=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(120), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("cost", MONEY, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.CheckConstraint(METHOD_CHECK, name=op.f("ck_refunds_method")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_refunds_sale_id_sales")),
        sa.ForeignKeyConstraint(["till_session_id"], ["till_sessions.id"],
                                name=op.f("fk_refunds_till_session_id_till_sessions")),
        _user("created_by", "refunds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    for column in ("sale_id", "till_session_id", "created_at"):
        op.create_index(op.f(f"ix_refunds_{column}"), "refunds", [column])
    op.create_table(
        "refund_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("refund_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("tax_rate", RATE, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("cost", MONEY, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_refund_items_quantity")),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"],
                                name=op.f("fk_refund_items_refund_id_refunds")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_refund_items_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_items")),
    )
    for column in ("refund_id", "product_id"):
        op.create_index(op.f(f"ix_refund_items_{column}"), "refund_items", [column])
    _closed_sessions_never_change()


def _closed_sessions_never_change() -> None:
    """A closed till session is a record: the database refuses to change or delete it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION till_sessions_closed_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.status = 'closed' THEN "
            "RAISE EXCEPTION 'a closed till session never changes'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER till_sessions_closed_frozen BEFORE UPDATE OR DELETE ON till_sessions "
            "FOR EACH ROW EXECUTE FUNCTION till_sessions_closed_frozen()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER till_sessions_closed_no_{action.lower()} BEFORE {action} "
                "ON till_sessions WHEN OLD.status = 'closed' "
                "BEGIN SELECT RAISE(ABORT, 'a closed till session never changes'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS till_sessions_closed_frozen ON till_sessions")
        op.execute("DROP FUNCTION IF EXISTS till_sessions_closed_frozen()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS till_sessions_closed_no_{action}")
    op.drop_table("refund_items")
    op.drop_table("refunds")
    op.drop_table("sale_payments")
    op.drop_table("till_cash_moves")
    op.drop_index(op.f("ix_sales_till_session_id"), table_name="sales")
    _foreign_keys(on=False)
    with op.batch_alter_table("sales") as batch:
        if op.get_bind().dialect.name != "sqlite":  # SQLite's copy leaves the reference out
            batch.drop_constraint(op.f("fk_sales_till_session_id_till_sessions"),
                                  type_="foreignkey")
        for column in ("till_session_id", "eat_in", "change", "tax"):
            batch.drop_column(column)
    with op.batch_alter_table("sale_items") as batch:
        batch.drop_column("tax")
        batch.drop_column("tax_rate")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("eat_in_tax_rate")
        batch.drop_column("tax_rate")
    _foreign_keys(on=True)
    op.drop_table("till_sessions")
