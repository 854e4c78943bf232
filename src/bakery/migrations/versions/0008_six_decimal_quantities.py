"""Quantities and unit costs to 6 decimal places.

Bakers weigh 2.5 g of yeast from a material kept in kg (0.0025 kg) and buy flour at 20.00 per
25 kg sack (0.0008 per g): 3 places for quantities and 2 for a batch's cost per unit cannot hold
either. Every quantity column becomes NUMERIC(17, 6) and the cost per unit of batches and of
what production drew NUMERIC(18, 6). The precisions keep the integer digits the old columns
had, so every stored value converts exactly (2.500 becomes 2.500000); nothing is rounded.

SQLite stores these columns by NUMERIC affinity whatever the declared precision, so its values
are untouched and only PostgreSQL changes types. Downgrading rounds quantities to 3 places and
batch costs to 2, half up, as the older schema stores them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

QUANTITIES = {
    "materials": ("min_quantity",),
    "material_batches": ("quantity", "remaining"),
    "products": ("min_quantity",),
    "product_lots": ("quantity", "remaining"),
    "recipes": ("yield_quantity",),
    "recipe_ingredients": ("quantity",),
    "production_runs": ("produced_quantity",),
    "production_consumptions": ("quantity",),
    "sale_items": ("quantity",),
    "stock_adjustments": ("quantity_delta",),
    "stock_moves": ("delta",),
    "stock_alerts": ("on_hand", "min_quantity"),
}
UNIT_COSTS = {
    "material_batches": ("cost_per_unit",),
    "production_consumptions": ("cost_per_unit",),
}


def _retype(columns: Mapping[str, tuple[str, ...]], old: sa.Numeric, new: sa.Numeric) -> None:
    for table, names in columns.items():
        for name in names:
            op.alter_column(table, name, type_=new, existing_type=old,
                            postgresql_using=f"round({name}, {new.scale})::{new}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _retype(QUANTITIES, sa.Numeric(14, 3), sa.Numeric(17, 6))
    _retype(UNIT_COSTS, sa.Numeric(14, 2), sa.Numeric(18, 6))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _retype(QUANTITIES, sa.Numeric(17, 6), sa.Numeric(14, 3))
    _retype(UNIT_COSTS, sa.Numeric(18, 6), sa.Numeric(14, 2))
