"""Recipes as bakers write them: pack sizes, weights per unit, allergens, intermediate products.

- `materials`: `allergens` and `may_contain` (space-separated EU codes), `pack_sizes` (JSON:
  [{"unit": "sack", "quantity": "25"}] in the material's unit) and `grams_per_unit` (what one
  unit weighs, for materials not kept by mass: an egg, a litre of milk).
- `products`: `sellable` (false for doughs and fillings: off the point of sale), and the
  allergens declared on the product itself.
- `recipe_products`: recipe lines that are products made by their own recipes.

Existing rows get the defaults: no allergens, no packs, every product sellable.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for table in ("materials", "products"):
        op.add_column(table, sa.Column("allergens", sa.String(200), nullable=False,
                                       server_default=""))
        op.add_column(table, sa.Column("may_contain", sa.String(200), nullable=False,
                                       server_default=""))
    op.add_column("materials", sa.Column("pack_sizes", sa.Text(), nullable=True))
    op.add_column("materials", sa.Column("grams_per_unit", sa.Numeric(17, 6), nullable=True))
    op.add_column("products", sa.Column("sellable", sa.Boolean(), nullable=False,
                                        server_default=sa.true()))
    op.create_table(
        "recipe_products",
        sa.Column("id", ID, nullable=False),
        sa.Column("recipe_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", sa.Numeric(17, 6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_recipe_products_quantity")),
        sa.ForeignKeyConstraint(["recipe_id"], ["recipes.id"], ondelete="CASCADE",
                                name=op.f("fk_recipe_products_recipe_id_recipes")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_recipe_products_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_products")),
        sa.UniqueConstraint("recipe_id", "product_id", name="uq_recipe_products_line"),
    )
    op.create_index("ix_recipe_products_product_id", "recipe_products", ["product_id"])


def downgrade() -> None:
    op.drop_index("ix_recipe_products_product_id", table_name="recipe_products")
    op.drop_table("recipe_products")
    # plain columns: SQLite (3.35 and later) drops them in place, without copying the tables
    # that other tables' foreign keys point at
    for column in ("sellable", "may_contain", "allergens"):
        op.drop_column("products", column)
    for column in ("grams_per_unit", "pack_sizes", "may_contain", "allergens"):
        op.drop_column("materials", column)
