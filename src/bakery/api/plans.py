"""Planning: what stock allows now, forecasts and their backtest, the bake plan, what to buy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from ..clock import bakery_zone, today
from ..contract.answers import serialised
from ..contract.downloads import csv_response, shopping_csv, wants_csv
from ..contract.schemas import (
    DayQuery,
    Id,
    In,
    Money,
    Out,
    ProductionOut,
    Quantity,
    ShoppingList,
    SupplierIn,
)
from ..contract.types import IsoDate
from ..queries import forecast as forecasting
from ..queries import history, plans
from ..runtime import sessions
from ..services import orders as ordering
from ..services import planning
from ..services.unit_of_work import Idempotency
from .registry import BAKEHOUSE, MANAGERS, current_principal, operation
from .reports import FormatQuery


class CanBakeRow(Out):
    recipe_id: int
    name: str
    product_id: int
    max_batches: int
    max_units: Quantity
    cost_per_batch: Money
    # recipes with doughs or fillings: batches allowed when those are made first
    max_batches_making_intermediates: int | None = None


class CanBakeList(Out):
    items: list[CanBakeRow]


@operation("GET", "/plans/what-can-i-bake", summary="List how many batches stock allows",
           tag="plans", roles=BAKEHOUSE, query=FormatQuery, response=CanBakeList)
def what_can_i_bake(query: FormatQuery) -> dict | object:
    with sessions()() as session:
        result = {"items": plans.what_can_i_bake(session)}
    if not wants_csv(query.format):
        return result
    data = serialised(CanBakeList, result)
    return csv_response(data["items"], ("recipe_id", "name", "product_id", "max_batches",
                                        "max_units", "cost_per_batch"), "what-can-i-bake.csv")


class PlannedBatch(In):
    recipe_id: Id
    batches: int = Field(strict=True, gt=0, le=100_000)


class ShoppingListIn(In):
    items: list[PlannedBatch] = Field(min_length=1, max_length=200)


@operation("POST", "/plans/shopping-list", summary="Make a shopping list for planned batches",
           tag="plans", roles=BAKEHOUSE, body=ShoppingListIn, query=FormatQuery,
           response=ShoppingList, errors=(422,))
def shopping_list(body: ShoppingListIn, query: FormatQuery) -> dict | object:
    with sessions()() as session:
        result = plans.shopping_list(session, [(i.recipe_id, i.batches) for i in body.items])
    if not wants_csv(query.format):
        return result
    return shopping_csv(result, "shopping-list.csv")


# --- forecast, backtest, the bake plan -------------------------------------------------------

class ForecastItem(Out):
    product_id: int
    name: str
    forecast: Quantity


class ForecastOut(Out):
    date: date
    items: list[ForecastItem]


@operation("GET", "/plans/forecast", summary="Forecast each product's sales for a day",
           tag="plans", roles=BAKEHOUSE, query=DayQuery, response=ForecastOut, errors=(422,))
def forecast(query: DayQuery) -> dict:
    with sessions()() as session:
        return forecasting.forecast_report(session, query.date, bakery_zone(), today())


class BacktestQuery(In):
    from_: IsoDate = Field(alias="from")
    to: IsoDate


class BacktestItem(Out):
    product_id: int
    name: str
    actual: Quantity
    wape: Decimal | None
    naive_wape: Decimal | None


class BacktestOut(Out):
    from_: date = Field(alias="from")
    to: date
    days: int
    wape: Decimal | None
    naive_wape: Decimal | None
    items: list[BacktestItem]


@operation("GET", "/plans/forecast/backtest",
           summary="Score the forecast against last week's sales over past days", tag="plans",
           roles=MANAGERS, query=BacktestQuery, response=BacktestOut, errors=(422,))
def backtest(query: BacktestQuery) -> dict:
    with sessions()() as session:
        return forecasting.backtest_report(session, query.from_, query.to, bakery_zone(),
                                           today())


class BakeItem(Out):
    recipe_id: int
    product_id: int
    name: str
    forecast: Quantity
    ordered: Quantity
    for_recipes: Quantity
    on_hand: Quantity
    sold_before: Quantity
    in_stock: Quantity
    to_make: Quantity
    batches: int
    units: Quantity


class BakeMaterial(Out):
    material_id: int
    name: str
    unit: str
    required: Quantity
    on_hand: Quantity
    shortfall: Quantity


class BakePlan(Out):
    date: date
    items: list[BakeItem]
    materials: list[BakeMaterial]
    cost: Money
    shopping: ShoppingList


@operation("GET", "/plans/bake", summary="Plan a day's bake", tag="plans", roles=BAKEHOUSE,
           query=DayQuery, response=BakePlan, errors=(422,))
def bake_plan(query: DayQuery) -> dict:
    with sessions()() as session:
        return plans.bake_plan(session, query.date, bakery_zone(), today())


class DayFormatQuery(DayQuery):
    format: Literal["json", "csv"] | None = None


@operation("GET", "/plans/bake/shopping-list", summary="List what to buy for a day's bake",
           tag="plans", roles=BAKEHOUSE, query=DayFormatQuery, response=ShoppingList,
           errors=(422,))
def bake_shopping_list(query: DayFormatQuery) -> dict | object:
    with sessions()() as session:
        result = plans.bake_plan(session, query.date, bakery_zone(), today())["shopping"]
    if not wants_csv(query.format):
        return result
    return shopping_csv(result, f"shopping-list-{query.date.isoformat()}.csv")


class BakeRunsOut(Out):
    date: date
    runs: list[ProductionOut]


@operation("POST", "/plans/bake/runs", summary="Record the production runs of a day's plan",
           tag="plans", roles=BAKEHOUSE, body=ShoppingListIn, response=BakeRunsOut, status=201,
           idempotent=True, errors=(409, 422))
def record_bake(body: ShoppingListIn, idem: Idempotency | None) -> dict:
    run_ids = planning.record_bake(sessions(), [(i.recipe_id, i.batches) for i in body.items],
                                   user_id=current_principal().id, idem=idem)
    with sessions()() as session:
        return {"date": today(), "runs": [history.get_run(session, rid) for rid in run_ids]}


class SupplierOut(Out):
    material_id: int
    supplier: str
    lead_time_days: int


@operation("PUT", "/materials/{material_id}/supplier",
           summary="Set who a material is bought from", tag="plans", roles=MANAGERS,
           body=SupplierIn, response=SupplierOut, errors=(404, 422))
def set_supplier(material_id: int, body: SupplierIn) -> dict:
    ordering.set_supplier(sessions(), material_id, supplier=body.supplier,
                          lead_time_days=body.lead_time_days)
    return {"material_id": material_id, **body.model_dump()}
