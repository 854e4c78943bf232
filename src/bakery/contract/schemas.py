"""Request and response bodies of /api/v1. Validation and the OpenAPI document both come from here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..domain.freshness import MAX_SHELF_LIFE_HOURS
from ..domain.roles import Role
from .types import (
    AllergenList,
    Id,
    Instant,
    IsoDate,
    Money,
    Name,
    NonNegativeMoney,
    NonNegativeQuantity,
    NonNegativeUnitCost,
    NonZeroMoney,
    NonZeroQuantity,
    Note,
    PositiveMoney,
    PositiveQuantity,
    Quantity,
    QueryId,
    ShortText,
    TaxRate,
    TillName,
    Timestamp,
    Unit,
    UnitCost,
)


class In(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Patch(In):
    """A partial update: absent fields stay as they are; null only where a field may be empty."""

    nullable: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null", "may not be null")
        return value

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- auth and users --------------------------------------------------------------------------

class TokenIn(In):
    email: str = Field(min_length=3, max_length=254, strict=True)
    password: str = Field(min_length=1, max_length=1024, strict=True)
    name: ShortText | None = None


class TokenOut(Out):
    token: str
    expires_at: Timestamp
    id: int | None = None
    name: str | None = None


class UserIn(In):
    email: str = Field(min_length=3, max_length=254, strict=True)
    role: Role
    password: str = Field(min_length=8, max_length=1024, strict=True)


class UserOut(Out):
    id: int
    email: str
    role: str
    active: bool
    created_at: Timestamp


# --- materials and batches -------------------------------------------------------------------

class PackSize(In):
    """A pack the material is bought in, in the material's own unit: a sack of 25 (kg)."""

    unit: Unit
    quantity: PositiveQuantity


def _distinct_packs(packs: list[PackSize] | None) -> list[PackSize] | None:
    from ..domain.units import known

    if packs is None:
        return None
    names = [p.unit.lower() for p in packs]
    if len(set(names)) != len(names):
        raise ValueError("each pack unit once")
    if any(known(name) for name in names):
        raise ValueError("a pack is named by its own word (sack, tray), not a unit such as kg")
    return packs


IssueOrder = Literal["fifo", "fefo"]


def _whole_hours(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PydanticCustomError("int_type", "must be a whole number of hours")
    return value


# How long a product keeps, in whole hours: at most ten years (null: it keeps). A number or a
# string of digits, as the other numbers of the API.
ShelfLifeHours = Annotated[int, BeforeValidator(_whole_hours),
                          Field(gt=0, le=MAX_SHELF_LIFE_HOURS)]


class MaterialIn(In):
    name: Name
    unit: Unit
    min_quantity: NonNegativeQuantity = Field(default=Decimal(0))
    allergens: AllergenList = Field(default_factory=list)
    may_contain: AllergenList = Field(default_factory=list)
    pack_sizes: list[PackSize] = Field(default_factory=list, max_length=20)
    grams_per_unit: PositiveQuantity | None = None

    _packs = field_validator("pack_sizes")(_distinct_packs)
    issue_order: IssueOrder = "fifo"


class MaterialPatch(Patch):
    nullable = ("grams_per_unit",)

    name: Name | None = None
    unit: Unit | None = None
    min_quantity: NonNegativeQuantity | None = None
    allergens: AllergenList | None = None
    may_contain: AllergenList | None = None
    pack_sizes: list[PackSize] | None = Field(default=None, max_length=20)
    grams_per_unit: PositiveQuantity | None = None

    _packs = field_validator("pack_sizes")(_distinct_packs)
    issue_order: IssueOrder | None = None


class BatchIn(In):
    quantity: PositiveQuantity
    cost_per_unit: NonNegativeUnitCost
    unit: Unit | None = None  # quantity and cost_per_unit are in this unit (default: the material's)
    purchase_date: IsoDate | None = None
    expiry_date: IsoDate | None = None
    lot: ShortText | None = None
    supplier: ShortText | None = None

    @model_validator(mode="after")
    def _expiry_after_purchase(self) -> BatchIn:
        if self.expiry_date and self.purchase_date and self.expiry_date < self.purchase_date:
            raise ValueError("expiry_date is before purchase_date")
        return self


class BatchOut(Out):
    id: int
    material_id: int
    quantity: Quantity
    remaining: Quantity
    cost_per_unit: UnitCost
    purchase_date: date
    expiry_date: date | None
    lot: str | None
    supplier: str | None
    created_at: Timestamp
    on_hold: bool = False
    adjustment_id: int | None = None


class PackSizeOut(Out):
    unit: str
    quantity: Quantity


class MaterialOut(Out):
    id: int
    name: str
    unit: str
    min_quantity: Quantity
    on_hand: Quantity
    stock_value: Money
    low_stock: bool
    allergens: list[str] = Field(default_factory=list)
    may_contain: list[str] = Field(default_factory=list)
    pack_sizes: list[PackSizeOut] = Field(default_factory=list)
    grams_per_unit: Quantity | None = None
    issue_order: str = "fifo"


class MaterialDetail(MaterialOut):
    batches: list[BatchOut]


class MaterialList(Out):
    items: list[MaterialOut]
    next_cursor: str | None


# --- products --------------------------------------------------------------------------------

class ProductIn(In):
    name: Name
    price: NonNegativeMoney
    min_quantity: NonNegativeQuantity | None = None
    sellable: bool = Field(default=True, strict=True)
    allergens: AllergenList = Field(default_factory=list)  # declared on the product itself
    may_contain: AllergenList = Field(default_factory=list)
    tax_rate: TaxRate = Decimal(0)
    eat_in_tax_rate: TaxRate | None = None

    shelf_life_hours: ShelfLifeHours | None = None
    day_old_product_id: Id | None = None



class ProductPatch(Patch):
    nullable = ("min_quantity", "eat_in_tax_rate", "shelf_life_hours", "day_old_product_id")

    name: Name | None = None
    price: NonNegativeMoney | None = None
    min_quantity: NonNegativeQuantity | None = None
    sellable: bool | None = Field(default=None, strict=True)
    allergens: AllergenList | None = None
    may_contain: AllergenList | None = None
    tax_rate: TaxRate | None = None
    eat_in_tax_rate: TaxRate | None = None
    shelf_life_hours: ShelfLifeHours | None = None
    day_old_product_id: Id | None = None


class LotOut(Out):
    id: int
    quantity: Quantity
    remaining: Quantity
    unit_cost: Money
    production_run_id: int | None
    created_at: Timestamp
    best_before: Timestamp | None = None
    on_hold: bool = False


class IngredientShare(Out):
    material_id: int
    name: str
    share: Money | None  # percent of the finished recipe's weight; null when not weighed


class ProductOut(Out):
    id: int
    name: str
    price: Money
    on_hand: Quantity
    min_quantity: Quantity | None
    low_stock: bool
    sellable: bool = True
    allergens: list[str] = Field(default_factory=list)  # through every level of its recipes
    may_contain: list[str] = Field(default_factory=list)
    ingredients: list[IngredientShare] = Field(default_factory=list)
    tax_rate: Money = Decimal(0)
    eat_in_tax_rate: Money | None = None
    shelf_life_hours: int | None = None
    expired: Quantity = Decimal(0)
    day_old_product_id: int | None = None


class ProductDetail(ProductOut):
    lots: list[LotOut]


class ProductList(Out):
    items: list[ProductOut]
    next_cursor: str | None


# --- recipes ---------------------------------------------------------------------------------

class IngredientIn(In):
    """A material (in its unit, or any unit that converts to it) or a product made by its own
    recipe (in units of that product)."""

    material_id: Id | None = None
    product_id: Id | None = None
    quantity: PositiveQuantity
    unit: Unit | None = None

    @model_validator(mode="after")
    def _one_item(self) -> IngredientIn:
        if (self.material_id is None) == (self.product_id is None):
            raise ValueError("give material_id or product_id, not both")
        if self.product_id is not None and self.unit is not None:
            raise ValueError("a product line is in units of the product; unit is for materials")
        return self


class RecipeIn(In):
    name: Name
    product_id: Id
    yield_quantity: PositiveQuantity
    ingredients: list[IngredientIn] = Field(min_length=1, max_length=200)


class RecipePatch(Patch):
    name: Name | None = None
    product_id: Id | None = None
    yield_quantity: PositiveQuantity | None = None
    ingredients: list[IngredientIn] | None = Field(default=None, min_length=1, max_length=200)


class IngredientOut(Out):
    material_id: int
    quantity: Quantity


class ProductLineOut(Out):
    product_id: int
    quantity: Quantity


class RecipeOut(Out):
    id: int
    name: str
    product_id: int
    yield_quantity: Quantity
    ingredients: list[IngredientOut | ProductLineOut]
    cost_per_batch: Money
    cost_per_unit: Money
    price: Money | None = None
    margin_per_unit: Money | None = None
    margin_percent: Money | None = None
    max_batches: int
    created_at: Timestamp


class RecipeList(Out):
    items: list[RecipeOut]
    next_cursor: str | None


# --- production ------------------------------------------------------------------------------

class ProductionIn(In):
    recipe_id: Id
    batches: int = Field(strict=True, gt=0, le=100_000)
    best_before: Instant | None = None  # default: made now plus the product's shelf life


class ConsumedOut(Out):
    material_id: int
    batch_id: int
    quantity: Quantity
    cost_per_unit: UnitCost


class ConsumedLotOut(Out):
    """A lot of an intermediate product (a dough, a filling) a run drew."""

    product_id: int
    lot_id: int
    quantity: Quantity
    unit_cost: UnitCost


class ProductionOut(Out):
    id: int
    recipe_id: int
    batches: int
    product_id: int
    produced_quantity: Quantity
    total_cost: Money
    consumed: list[ConsumedOut]
    consumed_products: list[ConsumedLotOut] = Field(default_factory=list)
    created_by: int | None
    created_at: Timestamp
    best_before: Timestamp | None = None


class ProductionList(Out):
    items: list[ProductionOut]
    next_cursor: str | None


# --- sales -----------------------------------------------------------------------------------

class SaleItemIn(In):
    product_id: Id
    quantity: PositiveQuantity


PaymentMethod = Literal["cash", "card", "other"]


class PaymentIn(In):
    method: PaymentMethod
    amount: PositiveMoney


class SaleIn(In):
    items: list[SaleItemIn] = Field(min_length=1, max_length=200)
    payments: list[PaymentIn] | None = Field(default=None, min_length=1, max_length=20)
    eat_in: bool = Field(default=False, strict=True)
    till_session_id: Id | None = None


class SaleItemOut(Out):
    product_id: int
    quantity: Quantity
    unit_price: Money
    line_total: Money
    cost: Money
    tax_rate: Money = Decimal(0)
    tax: Money = Decimal(0)


class PaymentOut(Out):
    method: PaymentMethod
    amount: Money


class SaleOut(Out):
    id: int
    items: list[SaleItemOut]
    total: Money
    cost: Money
    tax: Money = Decimal(0)
    payments: list[PaymentOut] = []
    change: Money = Decimal(0)
    eat_in: bool = False
    till_session_id: int | None = None
    refunded: Money = Decimal(0)
    created_by: int | None
    created_at: Timestamp


class SaleList(Out):
    items: list[SaleOut]
    next_cursor: str | None


class SalesQuery(In):
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    limit: str | None = None
    cursor: str | None = None


# --- refunds and till sessions --------------------------------------------------------------

class RefundIn(In):
    items: list[SaleItemIn] | None = Field(default=None, min_length=1, max_length=200)
    restock: bool = Field(default=True, strict=True)
    reason: ShortText | None = None
    method: PaymentMethod | None = None
    till_session_id: Id | None = None


class RefundItemOut(Out):
    product_id: int
    quantity: Quantity
    amount: Money
    tax_rate: Money
    tax: Money
    cost: Money


class RefundOut(Out):
    id: int
    sale_id: int
    items: list[RefundItemOut]
    amount: Money
    tax: Money
    cost: Money
    restock: bool
    method: PaymentMethod
    reason: str | None
    till_session_id: int | None
    created_by: int | None
    created_at: Timestamp


class RefundList(Out):
    items: list[RefundOut]


class TillSessionIn(In):
    till: TillName
    opening_float: NonNegativeMoney


class CashMoveIn(In):
    amount: NonZeroMoney
    note: ShortText | None = None


class CashMoveOut(Out):
    id: int
    till_session_id: int
    amount: Money
    note: str | None


class TillCloseIn(In):
    counted_cash: NonNegativeMoney


class ByMethod(Out):
    cash: Money
    card: Money
    other: Money


class TaxAtRate(Out):
    rate: Money
    tax: Money


class TillReport(Out):
    """A till session: the running X report while open, the Z report once closed."""

    id: int
    till: str
    status: Literal["open", "closed"]
    number: int | None
    opening_float: Money
    opened_by: int | None
    opened_at: Timestamp
    closed_by: int | None
    closed_at: Timestamp | None
    sales_count: int
    gross_sales: Money
    revenue: Money
    tax: Money
    tax_by_rate: list[TaxAtRate]
    refunds: Money
    refunds_count: int
    refunds_by_method: ByMethod
    payments: ByMethod
    change: Money
    cash_moves: Money
    expected_cash: Money
    counted_cash: Money | None
    variance: Money | None


class TillReportList(Out):
    items: list[TillReport]
    next_cursor: str | None


class TillQuery(In):
    status: Literal["open", "closed"] | None = None
    till: TillName | None = None
    limit: str | None = None
    cursor: str | None = None


# --- adjustments and the ledger --------------------------------------------------------------

class AdjustmentIn(In):
    material_id: Id | None = None
    product_id: Id | None = None
    quantity_delta: NonZeroQuantity
    reason: Literal["waste", "count", "damage", "other"]
    note: Note | None = None

    @model_validator(mode="after")
    def _exactly_one_item(self) -> AdjustmentIn:
        if (self.material_id is None) == (self.product_id is None):
            raise ValueError("give exactly one of material_id and product_id")
        return self


class AdjustmentOut(Out):
    id: int
    material_id: int | None
    product_id: int | None
    quantity_delta: Quantity
    reason: str
    note: str | None
    created_by: int | None
    created_at: Timestamp


class MoveOut(Out):
    id: int
    material_id: int | None
    batch_id: int | None
    product_id: int | None
    lot_id: int | None
    delta: Quantity
    unit_cost: Money
    reason: str
    ref: str
    created_by: int | None
    created_at: Timestamp


class MoveList(Out):
    items: list[MoveOut]
    next_cursor: str | None


class MovesQuery(In):
    material_id: QueryId | None = None
    product_id: QueryId | None = None

    @model_validator(mode="after")
    def _at_most_one(self) -> MovesQuery:
        if self.material_id is not None and self.product_id is not None:
            raise ValueError("give material_id or product_id, not both")
        return self
    limit: str | None = None
    cursor: str | None = None


# --- alerts and reports ----------------------------------------------------------------------

class LowStockOut(Out):
    kind: Literal["material", "product"] = "material"
    material_id: int | None = None
    product_id: int | None = None
    name: str
    unit: str
    on_hand: Quantity
    min_quantity: Quantity
    shortfall: Quantity


class LowStockList(Out):
    items: list[LowStockOut]


class RangeQuery(In):
    """An inclusive range of local dates (BAKERY_TIMEZONE); `format=csv` downloads CSV."""

    from_: IsoDate = Field(alias="from")
    to: IsoDate
    format: Literal["json", "csv"] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangeQuery:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        if (self.to - self.from_).days > 3660:
            raise ValueError("a report covers at most ten years")
        return self


class ReportQuery(RangeQuery):
    group_by: Literal["day", "product", "hour", "weekday"] = "day"


class ReportRow(Out):
    key: str
    product_id: int | None = None
    quantity: Quantity
    revenue: Money
    cost: Money
    margin: Money
    margin_percent: Money | None = None
    refunds: Money = Decimal(0)
    tax: Money = Decimal(0)


class ReportTotals(Out):
    quantity: Quantity
    revenue: Money
    cost: Money
    margin: Money
    margin_percent: Money | None = None
    refunds: Money = Decimal(0)
    tax: Money = Decimal(0)


class PaymentsRow(Out):
    key: str
    cash: Money
    card: Money
    other: Money
    refunds: Money
    total: Money


class PaymentsReport(Out):
    rows: list[PaymentsRow]
    totals: PaymentsRow


class SalesReport(Out):
    rows: list[ReportRow]
    totals: ReportTotals


class ValuationRow(Out):
    kind: Literal["material", "product"]
    material_id: int | None
    product_id: int | None
    name: str
    unit: str
    on_hand: Quantity
    value: Money


class ValuationTotals(Out):
    materials: Money
    products: Money
    total: Money


class Valuation(Out):
    rows: list[ValuationRow]
    totals: ValuationTotals


class PageQuery(In):
    limit: str | None = None
    cursor: str | None = None


# --- allergens -------------------------------------------------------------------------------

class AllergenRow(Out):
    product_id: int
    name: str
    sellable: bool
    allergens: list[str]
    may_contain: list[str]


class AllergenMatrix(Out):
    allergens: list[str]  # the 14 codes, in the regulation's order: the matrix's columns
    items: list[AllergenRow]


# --- planning: forecasts, orders, the bake plan ----------------------------------------------

class DayQuery(In):
    date: IsoDate


class OrderItemIn(In):
    product_id: Id
    quantity: PositiveQuantity


class OrderIn(In):
    customer: Name
    due_date: IsoDate
    items: list[OrderItemIn] = Field(min_length=1, max_length=200)
    note: Note | None = None
    deposit: NonNegativeMoney = Field(default=Decimal(0))


class OrderItemOut(Out):
    product_id: int
    name: str
    quantity: Quantity
    unit_price: Money
    line_total: Money


class OrderOut(Out):
    id: int
    customer: str
    due_date: date
    status: Literal["open", "fulfilled", "cancelled"]
    deposit: Money
    note: str | None
    items: list[OrderItemOut]
    total: Money
    balance: Money
    standing_order_id: int | None
    sale_id: int | None
    created_at: Timestamp
    closed_at: Timestamp | None


class OrderList(Out):
    items: list[OrderOut]
    next_cursor: str | None


class OrdersQuery(In):
    due: IsoDate | None = None
    status: Literal["open", "fulfilled", "cancelled"] | None = None
    limit: str | None = None
    cursor: str | None = None


class StandingOrderIn(In):
    customer: Name
    weekdays: list[Annotated[int, Field(strict=True, ge=1, le=7)]] = Field(min_length=1,
                                                                           max_length=7)
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    items: list[OrderItemIn] = Field(min_length=1, max_length=200)
    note: Note | None = None


class StandingOrderOut(Out):
    id: int
    customer: str
    weekdays: list[int]
    starts_on: date
    ends_on: date | None
    note: str | None
    items: list[OrderItemOut]
    created_at: Timestamp


class StandingOrderList(Out):
    items: list[StandingOrderOut]
    next_cursor: str | None


class StandingEndIn(In):
    ends_on: IsoDate


class StandingDayIn(In):
    date: IsoDate


class SupplierIn(In):
    supplier: Name
    lead_time_days: int = Field(strict=True, ge=0, le=365)


class ShoppingItem(Out):
    material_id: int
    name: str
    unit: str
    needed: Quantity
    on_hand: Quantity
    to_buy: Quantity
    latest_cost_per_unit: UnitCost | None  # per the material's unit, up to 6 places
    estimated_cost: Money | None
    supplier: str | None = None
    lead_time_days: int | None = None
    order_by: date | None = None


class SupplierGroup(Out):
    supplier: str | None
    items: list[ShoppingItem]
    estimated_total: Money


class ShoppingList(Out):
    items: list[ShoppingItem]
    estimated_total: Money
    unpriced: list[int]
    suppliers: list[SupplierGroup] = Field(default_factory=list)
