"""Planning: customer orders, standing orders and who each material is bought from.

- `standing_orders` and their `standing_order_items`: a customer's order repeating on chosen
  weekdays from `starts_on` until `ends_on`;
- `customer_orders` and their `customer_order_items`: pre-orders due on a day, open until
  fulfilled as a sale or cancelled; a standing order's delivery for a day is one too (at most
  one per standing order and day);
- `material_suppliers`: a material's supplier and lead time, for the shopping list.

Nothing existing changes: the revision only adds tables.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = sa.Numeric(14, 3, asdecimal=True)
MONEY = sa.Numeric(14, 2, asdecimal=True)


def _id() -> sa.Column:
    return sa.Column("id", ID, nullable=False)


def upgrade() -> None:
    op.create_table(
        "standing_orders",
        _id(),
        sa.Column("customer", sa.String(120), nullable=False),
        sa.Column("weekdays", sa.String(7), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on",
                           name=op.f("ck_standing_orders_ends_on")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_standing_orders_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_orders")),
    )
    op.create_table(
        "standing_order_items",
        _id(),
        sa.Column("standing_order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_standing_order_items_quantity")),
        sa.ForeignKeyConstraint(["standing_order_id"], ["standing_orders.id"],
                                name=op.f("fk_standing_order_items_standing_order_id_standing_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_standing_order_items_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_order_items")),
    )
    op.create_index(op.f("ix_standing_order_items_standing_order_id"), "standing_order_items",
                    ["standing_order_id"])
    op.create_table(
        "customer_orders",
        _id(),
        sa.Column("customer", sa.String(120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("deposit", MONEY, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("standing_order_id", ID, nullable=True),
        sa.Column("sale_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open','fulfilled','cancelled')",
                           name=op.f("ck_customer_orders_status")),
        sa.CheckConstraint("deposit >= 0", name=op.f("ck_customer_orders_deposit")),
        sa.ForeignKeyConstraint(["standing_order_id"], ["standing_orders.id"],
                                name=op.f("fk_customer_orders_standing_order_id_standing_orders")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"],
                                name=op.f("fk_customer_orders_sale_id_sales")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_customer_orders_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_orders")),
        sa.UniqueConstraint("standing_order_id", "due_date",
                            name="uq_customer_orders_standing_day"),
    )
    op.create_index("ix_customer_orders_due", "customer_orders", ["due_date", "status"])
    op.create_table(
        "customer_order_items",
        _id(),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_customer_order_items_quantity")),
        sa.ForeignKeyConstraint(["order_id"], ["customer_orders.id"],
                                name=op.f("fk_customer_order_items_order_id_customer_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_customer_order_items_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_order_items")),
    )
    op.create_index(op.f("ix_customer_order_items_order_id"), "customer_order_items",
                    ["order_id"])
    op.create_table(
        "material_suppliers",
        sa.Column("material_id", ID, nullable=False),
        sa.Column("supplier", sa.String(120), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_material_suppliers_lead_time_days")),
        sa.ForeignKeyConstraint(["material_id"], ["materials.id"],
                                name=op.f("fk_material_suppliers_material_id_materials")),
        sa.PrimaryKeyConstraint("material_id", name=op.f("pk_material_suppliers")),
    )


def downgrade() -> None:
    op.drop_table("material_suppliers")
    op.drop_index(op.f("ix_customer_order_items_order_id"), table_name="customer_order_items")
    op.drop_table("customer_order_items")
    op.drop_index("ix_customer_orders_due", table_name="customer_orders")
    op.drop_table("customer_orders")
    op.drop_index(op.f("ix_standing_order_items_standing_order_id"),
                  table_name="standing_order_items")
    op.drop_table("standing_order_items")
    op.drop_table("standing_orders")
