"""The schema, as typed SQLAlchemy 2 models. Migrations in bakery/migrations create it."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Context, Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from ..clock import now
from ..domain.numbers import SHOWN_QUANTITY_PLACES
from ..domain.roles import ALL_ROLES

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



_WIDE = Context(prec=60)


class ExactNumeric(TypeDecorator[Decimal]):
    """NUMERIC at a fixed scale that reads back exactly on SQLite too.

    SQLite keeps these values as binary doubles. SQLAlchemy would print a double with the
    column's scale ("%.6f"), which shows binary noise for values of more than 9 integer digits
    (99999999999.999 as 99999999999.998993); the shortest repr of the double is the decimal
    that was stored (a double holds 15 significant digits), rounded here to the scale.
    PostgreSQL hands back exact decimals, which pass through untouched.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int, shown: int | None = None) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self.shown = scale if shown is None else shown  # places an answer shows at least
        self._step = Decimal(1).scaleb(-scale)

    @property
    def python_type(self) -> type:
        return Decimal

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=False))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        # a product of two columns (a stock value) may hold more digits than the context's 28
        return Decimal(repr(value)).quantize(self._step, context=_WIDE)


# Quantities and unit costs at 6 places (revision 0008); the precisions still hold every value
# the earlier Numeric(14, 3) quantities and Numeric(14, 2) batch costs could.
Quantity = ExactNumeric(17, 6, shown=SHOWN_QUANTITY_PLACES)
Money = Numeric(14, 2, asdecimal=True)
UnitCost = ExactNumeric(18, 6)
TaxRate = Numeric(5, 2, asdecimal=True)
# BIGINT ids on PostgreSQL; SQLite only auto-increments a plain INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")

ADJUSTMENT_REASONS = ("waste", "count", "damage", "other")


def utcnow() -> datetime:
    """Now, from the bakery's one clock (tests freeze it): every timestamp column's default."""
    return now()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    __table__: ClassVar[Table]  # every model maps one table (the default type says FromClause)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({','.join(map(repr, ALL_ROLES))})", name="role"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name: Mapped[str | None] = mapped_column(String(120))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Material(Base):
    __tablename__ = "materials"
    __table_args__ = (CheckConstraint("min_quantity >= 0", name="min_quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    unit: Mapped[str] = mapped_column(String(20))
    min_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # revision 0011: EU allergen codes (space-separated), packs as JSON, the weight of one unit
    allergens: Mapped[str] = mapped_column(String(200), default="", server_default="")
    may_contain: Mapped[str] = mapped_column(String(200), default="", server_default="")
    pack_sizes: Mapped[str | None] = mapped_column(Text)
    grams_per_unit: Mapped[Decimal | None] = mapped_column(Quantity)
    # Which batch production draws first: "fifo" (purchase date) or "fefo" (expiry date).
    issue_order: Mapped[str] = mapped_column(String(8), default="fifo", server_default="fifo")


class MaterialBatch(Base):
    """A purchase of a material; `remaining` falls as it is consumed FIFO by purchase date."""

    __tablename__ = "material_batches"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("remaining >= 0", name="remaining"),
        CheckConstraint("remaining <= quantity", name="remaining_le_quantity"),
        CheckConstraint("cost_per_unit >= 0", name="cost_per_unit"),
        Index("ix_material_batches_open", "material_id", "purchase_date", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    remaining: Mapped[Decimal] = mapped_column(Quantity)
    cost_per_unit: Mapped[Decimal] = mapped_column(UnitCost)
    purchase_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    lot: Mapped[str | None] = mapped_column(String(80))
    supplier: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hold_id: Mapped[int | None] = mapped_column(BigInteger)  # a recall's hold: never drawn
    adjustment_id: Mapped[int | None] = mapped_column(BigInteger)  # found in this adjustment


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price"),
        CheckConstraint("min_quantity IS NULL OR min_quantity >= 0", name="min_quantity"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    price: Mapped[Decimal] = mapped_column(Money)
    min_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # revision 0011: doughs and fillings are not sold; allergens declared on the product itself
    sellable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    allergens: Mapped[str] = mapped_column(String(200), default="", server_default="")
    may_contain: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Percent inside the tax-inclusive price; eat-in sales use eat_in_tax_rate when it is set.
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal(0),
                                              server_default=text("0"))
    eat_in_tax_rate: Mapped[Decimal | None] = mapped_column(TaxRate)
    shelf_life_hours: Mapped[int | None] = mapped_column(Integer)  # null: it keeps
    # The product that unsold stock is marked down to (day-old, at its own price); null: never.
    day_old_product_id: Mapped[int | None] = mapped_column(BigInteger)


class ProductLot(Base):
    """Finished goods from one production run (or positive adjustment), sold oldest first."""

    __tablename__ = "product_lots"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("remaining >= 0", name="remaining"),
        CheckConstraint("remaining <= quantity", name="remaining_le_quantity"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        Index("ix_product_lots_open", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    production_run_id: Mapped[int | None] = mapped_column(ForeignKey("production_runs.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    remaining: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    best_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # null: keeps
    hold_id: Mapped[int | None] = mapped_column(BigInteger)  # a recall's hold: never sold
    adjustment_id: Mapped[int | None] = mapped_column(BigInteger)  # found in this adjustment


class Recipe(Base):
    __tablename__ = "recipes"
    __table_args__ = (CheckConstraint("yield_quantity > 0", name="yield_quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    yield_quantity: Mapped[Decimal] = mapped_column(Quantity)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecipeIngredient(Base):
    __tablename__ = "recipe_ingredients"
    __table_args__ = (
        UniqueConstraint("recipe_id", "material_id", name="uq_recipe_ingredients_line"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"))
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class RecipeProduct(Base):
    """A recipe line that is a product made by its own recipe (a dough, a filling)."""

    __tablename__ = "recipe_products"
    __table_args__ = (
        UniqueConstraint("recipe_id", "product_id", name="uq_recipe_products_line"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class ProductionRun(Base):
    __tablename__ = "production_runs"
    __table_args__ = (
        CheckConstraint("batches > 0", name="batches"),
        CheckConstraint("produced_quantity > 0", name="produced_quantity"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    batches: Mapped[int] = mapped_column(Integer)
    produced_quantity: Mapped[Decimal] = mapped_column(Quantity)
    total_cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ProductionConsumption(Base):
    """Which batch a production run drew from, how much, at what cost."""

    __tablename__ = "production_consumptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("production_runs.id"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("material_batches.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    cost_per_unit: Mapped[Decimal] = mapped_column(UnitCost)


class Sale(Base):
    __tablename__ = "sales"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    total: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default=text("0"))
    change: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default=text("0"))
    eat_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"),
                                                        index=True)


class SaleItem(Base):
    __tablename__ = "sale_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_total: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal(0),
                                              server_default=text("0"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default=text("0"))


class StockAdjustment(Base):
    __tablename__ = "stock_adjustments"
    __table_args__ = (
        CheckConstraint("quantity_delta <> 0", name="quantity_delta"),
        CheckConstraint(
            "(material_id IS NULL) <> (product_id IS NULL)", name="one_item"
        ),
        CheckConstraint("reason IN ('waste','count','damage','other')", name="reason"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    quantity_delta: Mapped[Decimal] = mapped_column(Quantity)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StockMove(Base):
    """The append-only ledger: one row per change of any batch or lot."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("(batch_id IS NULL) <> (lot_id IS NULL)", name="one_layer"),
        CheckConstraint("delta <> 0", name="delta"),
        Index("ix_stock_moves_material", "material_id", "id"),
        Index("ix_stock_moves_product", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("material_batches.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("product_lots.id"), index=True)
    delta: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)
    reason: Mapped[str] = mapped_column(String(24))
    ref_type: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IdempotencyKey(Base):
    """A POST already answered: replays return the same resource."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "scope", "key", name="uq_idempotency_keys_key"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who changed what and when (stock changes are in the ledger instead); values as JSON."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    entity: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    old_values: Mapped[str | None] = mapped_column(Text)
    new_values: Mapped[str | None] = mapped_column(Text)


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite hands them back without a zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


# Open layers only (migration 0006): drawing stock never walks used-up batches and lots.
Index("ix_product_lots_in_stock", ProductLot.product_id, ProductLot.id,
      postgresql_where=ProductLot.remaining > 0, sqlite_where=ProductLot.remaining > 0)
Index("ix_material_batches_in_stock", MaterialBatch.material_id, MaterialBatch.purchase_date,
      MaterialBatch.id, postgresql_where=MaterialBatch.remaining > 0,
      sqlite_where=MaterialBatch.remaining > 0)


class StockAlert(Base):
    """One crossing of an item below its minimum: open until stock is back at the minimum.

    At most one open alert per item (partial unique indexes), so each crossing is told once.
    """

    __tablename__ = "stock_alerts"
    __table_args__ = (
        CheckConstraint("(material_id IS NULL) <> (product_id IS NULL)", name="one_item"),
        Index("ux_stock_alerts_open_material", "material_id", unique=True,
              sqlite_where=text("cleared_at IS NULL AND material_id IS NOT NULL"),
              postgresql_where=text("cleared_at IS NULL AND material_id IS NOT NULL")),
        Index("ux_stock_alerts_open_product", "product_id", unique=True,
              sqlite_where=text("cleared_at IS NULL AND product_id IS NOT NULL"),
              postgresql_where=text("cleared_at IS NULL AND product_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    on_hand: Mapped[Decimal] = mapped_column(Quantity)
    min_quantity: Mapped[Decimal] = mapped_column(Quantity)
    crossed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Reports read sales by time and sum their lines from these indexes alone (revision 0003).
Index("ix_sales_created_at_id", Sale.created_at, Sale.id)
Index("ix_sale_items_report", SaleItem.sale_id, SaleItem.product_id, SaleItem.quantity,
      SaleItem.line_total, SaleItem.cost)


class ThrottleWindow(Base):
    """Requests one client made in one fixed window of a rate limit (when Redis is not used)."""

    __tablename__ = "throttle_windows"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    lapses_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginFailure(Base):
    """Wrong passwords in a row for one account (an email, known or not), for the login delay."""

    __tablename__ = "login_failures"

    account: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WebSession(Base):
    """A browser sign-in. The cookie names it; signing out or a change to the user ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Keys past their retention are purged by age (revision 0007).
Index("ix_idempotency_keys_created_at", IdempotencyKey.created_at)


# --- the counter: payments, refunds, till sessions (revision 0009) ----------------------------

PAYMENT_METHODS = ("cash", "card", "other")
_METHOD_CHECK = f"method IN ({','.join(map(repr, PAYMENT_METHODS))})"


class TillSession(Base):
    """A till from its opening float to its count; numbered when closed, unchanged after."""

    __tablename__ = "till_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('open','closed')", name="status"),
        CheckConstraint("opening_float >= 0", name="opening_float"),
        CheckConstraint("(status = 'closed') = (number IS NOT NULL)", name="numbered_when_closed"),
        Index("ux_till_sessions_open_till", "till", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    till: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8), default="open")
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    opening_float: Mapped[Decimal] = mapped_column(Money)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counted_cash: Mapped[Decimal | None] = mapped_column(Money)
    expected_cash: Mapped[Decimal | None] = mapped_column(Money)
    variance: Mapped[Decimal | None] = mapped_column(Money)
    z_report: Mapped[str | None] = mapped_column(Text)  # the figures at closing, as JSON


class TillCashMove(Base):
    """Cash paid into (positive) or out of (negative) a till outside sales and refunds."""

    __tablename__ = "till_cash_moves"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    till_session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- planning: customer orders, standing orders, suppliers (revision 0012) -------------------

ORDER_STATUSES = ("open", "fulfilled", "cancelled")


class StandingOrder(Base):
    """A customer's repeating order (a cafe's baguettes every weekday) until it is ended."""

    __tablename__ = "standing_orders"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer: Mapped[str] = mapped_column(String(120))
    weekdays: Mapped[str] = mapped_column(String(7))  # ISO weekday digits, Monday 1: "12345"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SalePayment(Base):
    """One payment of a sale as tendered. A sale without any was paid in cash, exactly."""

    __tablename__ = "sale_payments"
    __table_args__ = (CheckConstraint(_METHOD_CHECK, name="method"),
                      CheckConstraint("amount > 0", name="amount"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)


class Refund(Base):
    """Money and units given back for (part of) a sale; the sale itself is never edited."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint(_METHOD_CHECK, name="method"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"),
                                                        index=True)
    method: Mapped[str] = mapped_column(String(8))
    restock: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RefundItem(Base):
    __tablename__ = "refund_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate)
    tax: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)


# --- food safety (revision 0010) ---------------------------------------------------------------

class StockHold(Base):
    """A recall's hold on every batch and lot one supplier lot reached, until released."""

    __tablename__ = "stock_holds"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    material_id: Mapped[int] = mapped_column(BigInteger)
    lot: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[int | None] = mapped_column(BigInteger)


class StockWriteOff(Base):
    """One write-off of expired stock; its ledger rows (reason `expired`) name it."""

    __tablename__ = "stock_write_offs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigInteger)


class ExpiryAlert(Base):
    """One batch or lot about to expire, told to the webhook once (revision 0010)."""

    __tablename__ = "expiry_alerts"
    __table_args__ = (UniqueConstraint("batch_id", name="uq_expiry_alerts_batch_id"),
                      UniqueConstraint("lot_id", name="uq_expiry_alerts_lot_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Tracing a supplier lot forward: its batches, the runs that drew them, their lots (0010).
Index("ix_production_consumptions_batch_id", ProductionConsumption.batch_id)
Index("ix_product_lots_production_run_id", ProductLot.production_run_id)
Index("ix_material_batches_supplier_lot", MaterialBatch.material_id, MaterialBatch.lot)


class StandingOrderItem(Base):
    __tablename__ = "standing_order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    standing_order_id: Mapped[int] = mapped_column(
        ForeignKey("standing_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class CustomerOrder(Base):
    """A pre-order due on a day; a standing order's delivery for a day is one too."""

    __tablename__ = "customer_orders"
    __table_args__ = (
        CheckConstraint("status IN ('open','fulfilled','cancelled')", name="status"),
        CheckConstraint("deposit >= 0", name="deposit"),
        UniqueConstraint("standing_order_id", "due_date", name="uq_customer_orders_standing_day"),
        Index("ix_customer_orders_due", "due_date", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer: Mapped[str] = mapped_column(String(120))
    due_date: Mapped[date] = mapped_column(Date)
    deposit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    standing_order_id: Mapped[int | None] = mapped_column(ForeignKey("standing_orders.id"))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CustomerOrderItem(Base):
    __tablename__ = "customer_order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"),
                                          index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class MaterialSupplier(Base):
    """Who a material is bought from and how many days an order takes to arrive."""

    __tablename__ = "material_suppliers"
    __table_args__ = (CheckConstraint("lead_time_days >= 0", name="lead_time_days"),)

    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    supplier: Mapped[str] = mapped_column(String(120))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
