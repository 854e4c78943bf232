"""stock alerts (one row per crossing below a minimum) and covering indexes for reports

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN_MATERIAL = "cleared_at IS NULL AND material_id IS NOT NULL"
OPEN_PRODUCT = "cleared_at IS NULL AND product_id IS NOT NULL"


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        'stock_alerts',
        sa.Column('id', id_type, nullable=False),
        sa.Column('material_id', id_type, nullable=True),
        sa.Column('product_id', id_type, nullable=True),
        sa.Column('on_hand', sa.Numeric(14, 3), nullable=False),
        sa.Column('min_quantity', sa.Numeric(14, 3), nullable=False),
        sa.Column('crossed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(material_id IS NULL) <> (product_id IS NULL)',
                           name=op.f('ck_stock_alerts_one_item')),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'],
                                name=op.f('fk_stock_alerts_material_id_materials')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_stock_alerts_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alerts')),
    )
    op.create_index('ux_stock_alerts_open_material', 'stock_alerts', ['material_id'], unique=True,
                    sqlite_where=sa.text(OPEN_MATERIAL), postgresql_where=sa.text(OPEN_MATERIAL))
    op.create_index('ux_stock_alerts_open_product', 'stock_alerts', ['product_id'], unique=True,
                    sqlite_where=sa.text(OPEN_PRODUCT), postgresql_where=sa.text(OPEN_PRODUCT))
    # Reports read sales by time and sum their lines: let both come from indexes alone.
    op.create_index('ix_sales_created_at_id', 'sales', ['created_at', 'id'])
    op.create_index('ix_sale_items_report', 'sale_items',
                    ['sale_id', 'product_id', 'quantity', 'line_total', 'cost'])


def downgrade() -> None:
    op.drop_index('ix_sale_items_report', table_name='sale_items')
    op.drop_index('ix_sales_created_at_id', table_name='sales')
    op.drop_index('ux_stock_alerts_open_product', table_name='stock_alerts')
    op.drop_index('ux_stock_alerts_open_material', table_name='stock_alerts')
    op.drop_table('stock_alerts')
