"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 17:47:28.743829
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('materials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('min_quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_quantity >= 0', name=op.f('ck_materials_min_quantity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials')),
    sa.UniqueConstraint('name', name=op.f('uq_materials_name'))
    )
    op.create_table('products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('min_quantity', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_quantity IS NULL OR min_quantity >= 0', name=op.f('ck_products_min_quantity')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_products_price')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('name', name=op.f('uq_products_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin','manager','baker','cashier')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'scope', 'key', name='uq_idempotency_keys_key')
    )
    op.create_table('material_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('remaining', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('cost_per_unit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('lot', sa.String(length=80), nullable=True),
    sa.Column('supplier', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('cost_per_unit >= 0', name=op.f('ck_material_batches_cost_per_unit')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_material_batches_quantity')),
    sa.CheckConstraint('remaining <= quantity', name=op.f('ck_material_batches_remaining_le_quantity')),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_material_batches_remaining')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_material_batches_created_by_users')),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_material_batches_material_id_materials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_batches'))
    )
    with op.batch_alter_table('material_batches', schema=None) as batch_op:
        batch_op.create_index('ix_material_batches_open', ['material_id', 'purchase_date', 'id'], unique=False)

    op.create_table('recipes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('yield_quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('yield_quantity > 0', name=op.f('ck_recipes_yield_quantity')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_recipes_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipes')),
    sa.UniqueConstraint('name', name=op.f('uq_recipes_name'))
    )
    with op.batch_alter_table('recipes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipes_product_id'), ['product_id'], unique=False)

    op.create_table('sales',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_sales_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales'))
    )
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_created_at'), ['created_at'], unique=False)

    op.create_table('stock_adjustments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quantity_delta', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("reason IN ('waste','count','damage','other')", name=op.f('ck_stock_adjustments_reason')),
    sa.CheckConstraint('(material_id IS NULL) <> (product_id IS NULL)', name=op.f('ck_stock_adjustments_one_item')),
    sa.CheckConstraint('quantity_delta <> 0', name=op.f('ck_stock_adjustments_quantity_delta')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stock_adjustments_created_by_users')),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_stock_adjustments_material_id_materials')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_adjustments_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_adjustments'))
    )
    op.create_table('production_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipe_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('produced_quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('total_cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('batches > 0', name=op.f('ck_production_runs_batches')),
    sa.CheckConstraint('produced_quantity > 0', name=op.f('ck_production_runs_produced_quantity')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_production_runs_created_by_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_production_runs_product_id_products')),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_production_runs_recipe_id_recipes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_production_runs'))
    )
    with op.batch_alter_table('production_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_production_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_production_runs_recipe_id'), ['recipe_id'], unique=False)

    op.create_table('recipe_ingredients',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipe_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_recipe_ingredients_quantity')),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_recipe_ingredients_material_id_materials')),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_recipe_ingredients_recipe_id_recipes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipe_ingredients')),
    sa.UniqueConstraint('recipe_id', 'material_id', name='uq_recipe_ingredients_line')
    )
    with op.batch_alter_table('recipe_ingredients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_ingredients_material_id'), ['material_id'], unique=False)

    op.create_table('sale_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sale_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sale_items_quantity')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sale_items_product_id_products')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_sale_items_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_items'))
    )
    with op.batch_alter_table('sale_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_items_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_items_sale_id'), ['sale_id'], unique=False)

    op.create_table('product_lots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('production_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('remaining', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_product_lots_quantity')),
    sa.CheckConstraint('remaining <= quantity', name=op.f('ck_product_lots_remaining_le_quantity')),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_product_lots_remaining')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_product_lots_unit_cost')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_lots_product_id_products')),
    sa.ForeignKeyConstraint(['production_run_id'], ['production_runs.id'], name=op.f('fk_product_lots_production_run_id_production_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_lots'))
    )
    with op.batch_alter_table('product_lots', schema=None) as batch_op:
        batch_op.create_index('ix_product_lots_open', ['product_id', 'id'], unique=False)

    op.create_table('production_consumptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('cost_per_unit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['material_batches.id'], name=op.f('fk_production_consumptions_batch_id_material_batches')),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_production_consumptions_material_id_materials')),
    sa.ForeignKeyConstraint(['run_id'], ['production_runs.id'], name=op.f('fk_production_consumptions_run_id_production_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_production_consumptions'))
    )
    with op.batch_alter_table('production_consumptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_production_consumptions_run_id'), ['run_id'], unique=False)

    op.create_table('stock_moves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('delta', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('ref_type', sa.String(length=24), nullable=False),
    sa.Column('ref_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('(batch_id IS NULL) <> (lot_id IS NULL)', name=op.f('ck_stock_moves_one_layer')),
    sa.CheckConstraint('delta <> 0', name=op.f('ck_stock_moves_delta')),
    sa.ForeignKeyConstraint(['batch_id'], ['material_batches.id'], name=op.f('fk_stock_moves_batch_id_material_batches')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stock_moves_created_by_users')),
    sa.ForeignKeyConstraint(['lot_id'], ['product_lots.id'], name=op.f('fk_stock_moves_lot_id_product_lots')),
    sa.ForeignKeyConstraint(['material_id'], ['materials.id'], name=op.f('fk_stock_moves_material_id_materials')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_moves_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_moves'))
    )
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_moves_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_moves_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index('ix_stock_moves_material', ['material_id', 'id'], unique=False)
        batch_op.create_index('ix_stock_moves_product', ['product_id', 'id'], unique=False)



    _make_ledger_append_only()


def _make_ledger_append_only() -> None:
    """The stock ledger is history: the database itself refuses to change or delete a row."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION stock_moves_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'stock_moves is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER stock_moves_append_only BEFORE UPDATE OR DELETE ON stock_moves "
            "FOR EACH ROW EXECUTE FUNCTION stock_moves_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stock_moves_no_{action.lower()} BEFORE {action} ON stock_moves "
                "BEGIN SELECT RAISE(ABORT, 'stock_moves is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stock_moves_append_only ON stock_moves")
        op.execute("DROP FUNCTION IF EXISTS stock_moves_append_only()")
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_moves_product')
        batch_op.drop_index('ix_stock_moves_material')
        batch_op.drop_index(batch_op.f('ix_stock_moves_lot_id'))
        batch_op.drop_index(batch_op.f('ix_stock_moves_batch_id'))

    op.drop_table('stock_moves')
    with op.batch_alter_table('production_consumptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_consumptions_run_id'))

    op.drop_table('production_consumptions')
    with op.batch_alter_table('product_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_product_lots_open')

    op.drop_table('product_lots')
    with op.batch_alter_table('sale_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_items_sale_id'))
        batch_op.drop_index(batch_op.f('ix_sale_items_product_id'))

    op.drop_table('sale_items')
    with op.batch_alter_table('recipe_ingredients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipe_ingredients_material_id'))

    op.drop_table('recipe_ingredients')
    with op.batch_alter_table('production_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_runs_recipe_id'))
        batch_op.drop_index(batch_op.f('ix_production_runs_created_at'))

    op.drop_table('production_runs')
    op.drop_table('stock_adjustments')
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_created_at'))

    op.drop_table('sales')
    with op.batch_alter_table('recipes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipes_product_id'))

    op.drop_table('recipes')
    with op.batch_alter_table('material_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_material_batches_open')

    op.drop_table('material_batches')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('products')
    op.drop_table('materials')
