"""Food safety: shelf life and best-before, material issue order, holds, traceable adjustments.

- `products.shelf_life_hours`: how long a lot keeps (null: it keeps);
- `products.day_old_product_id`: where the owner lets unsold stock be marked down to (a
  "day-old" product at its own lower price; null: no marking down);
- `product_lots.best_before`: the instant a lot may no longer be sold (null: it keeps);
- `materials.issue_order`: `fifo` (by purchase date, the default) or `fefo` (earliest expiry);
- `stock_holds`: a recall's hold on every batch and lot a supplier lot reached; the layers name
  their hold (`hold_id`) until it is released;
- `adjustment_id` on batches and lots: the stock adjustment a found layer came from;
- `expiry_alerts`: each layer's expiring notice, told to the webhook once;
- `stock_write_offs`: one row per write-off of expired stock, which its ledger rows name (so a
  replayed Idempotency-Key answers what that write-off took);
- indexes that make tracing a supplier lot forward cheap (consumptions by batch, lots by run,
  batches by supplier lot).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("products", sa.Column("shelf_life_hours", sa.Integer(), nullable=True))
    op.add_column("products", sa.Column("day_old_product_id", sa.BigInteger(), nullable=True))
    op.add_column("materials", sa.Column("issue_order", sa.String(8), nullable=False,
                                         server_default="fifo"))
    op.add_column("product_lots", sa.Column("best_before", sa.DateTime(timezone=True),
                                            nullable=True))
    for table in ("product_lots", "material_batches"):
        op.add_column(table, sa.Column("hold_id", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("adjustment_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "stock_holds",
        sa.Column("id", Id, primary_key=True),
        sa.Column("material_id", sa.BigInteger(), nullable=False),
        sa.Column("lot", sa.String(80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_holds"),
    )
    op.create_table(
        "stock_write_offs",
        sa.Column("id", Id, primary_key=True),
        sa.Column("cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_write_offs"),
    )
    op.create_table(
        "expiry_alerts",
        sa.Column("id", Id, primary_key=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_expiry_alerts"),
        sa.UniqueConstraint("batch_id", name="uq_expiry_alerts_batch_id"),
        sa.UniqueConstraint("lot_id", name="uq_expiry_alerts_lot_id"),
    )
    op.create_index("ix_production_consumptions_batch_id", "production_consumptions",
                    ["batch_id"])
    op.create_index("ix_product_lots_production_run_id", "product_lots", ["production_run_id"])
    op.create_index("ix_material_batches_supplier_lot", "material_batches",
                    ["material_id", "lot"])


def downgrade() -> None:
    op.drop_index("ix_material_batches_supplier_lot", table_name="material_batches")
    op.drop_index("ix_product_lots_production_run_id", table_name="product_lots")
    op.drop_index("ix_production_consumptions_batch_id", table_name="production_consumptions")
    op.drop_table("expiry_alerts")
    op.drop_table("stock_write_offs")
    op.drop_table("stock_holds")
    # Plain DROP COLUMN (SQLite 3.35+): rebuilding the tables would risk their partial indexes.
    for table in ("material_batches", "product_lots"):
        op.drop_column(table, "adjustment_id")
        op.drop_column(table, "hold_id")
    op.drop_column("product_lots", "best_before")
    op.drop_column("materials", "issue_order")
    op.drop_column("products", "day_old_product_id")
    op.drop_column("products", "shelf_life_hours")
