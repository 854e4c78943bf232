"""Reports for owners: sales by day/product/hour/weekday, best sellers, stock value. CSV too."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..clock import bakery_zone
from ..contract.downloads import (
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    report_csv,
    valuation_csv,
    wants_csv,
)
from ..contract.schemas import (
    AllergenMatrix,
    In,
    Out,
    PaymentsReport,
    RangeQuery,
    ReportQuery,
    ReportRow,
    ReportTotals,
    SalesReport,
    Valuation,
)
from ..domain.roles import ALL_ROLES
from ..queries import composition, reports
from ..runtime import sessions
from .registry import MANAGERS, operation


def _answer(result: dict, model: type[BaseModel], fmt: str | None, filename: str,
            columns: tuple[str, ...] = REPORT_COLUMNS) -> dict | object:
    return report_csv(model, result, filename, columns) if wants_csv(fmt) else result


@operation("GET", "/reports/sales", summary="Report sales by day, product, hour or weekday",
           tag="reports", roles=MANAGERS, query=ReportQuery, response=SalesReport)
def sales_report(query: ReportQuery) -> dict | object:
    with sessions()() as session:
        result = reports.sales_report(session, query.from_, query.to, query.group_by,
                                      bakery_zone())
    columns = REPORT_COLUMNS + (("product_id",) if query.group_by == "product" else ())
    return _answer(result, SalesReport, query.format,
                   f"sales-by-{query.group_by}-{query.from_}-{query.to}.csv", columns)


@operation("GET", "/reports/payments", summary="Report payments by method per day",
           tag="reports", roles=MANAGERS, query=RangeQuery, response=PaymentsReport)
def payments_report(query: RangeQuery) -> dict | object:
    with sessions()() as session:
        result = reports.payments_report(session, query.from_, query.to, bakery_zone())
    return _answer(result, PaymentsReport, query.format,
                   f"payments-{query.from_}-{query.to}.csv", PAYMENT_COLUMNS)


@operation("GET", "/reports/sales-by-hour", summary="Report revenue by hour of day",
           tag="reports", roles=MANAGERS, query=RangeQuery, response=SalesReport)
def sales_by_hour(query: RangeQuery) -> dict | object:
    with sessions()() as session:
        result = reports.sales_report(session, query.from_, query.to, "hour", bakery_zone())
    return _answer(result, SalesReport, query.format, f"sales-by-hour-{query.from_}-{query.to}.csv")


@operation("GET", "/reports/sales-by-weekday", summary="Report revenue by day of week",
           tag="reports", roles=MANAGERS, query=RangeQuery, response=SalesReport)
def sales_by_weekday(query: RangeQuery) -> dict | object:
    with sessions()() as session:
        result = reports.sales_report(session, query.from_, query.to, "weekday", bakery_zone())
    return _answer(result, SalesReport, query.format,
                   f"sales-by-weekday-{query.from_}-{query.to}.csv")


class BestSellersQuery(RangeQuery):
    limit: int = Field(default=10, ge=1, le=500)
    rank_by: Literal["quantity", "revenue"] = "quantity"


class BestSellerRow(ReportRow):
    rank: int


class BestSellers(Out):
    rows: list[BestSellerRow]
    totals: ReportTotals


@operation("GET", "/reports/best-sellers", summary="List best-selling products",
           tag="reports", roles=MANAGERS, query=BestSellersQuery, response=BestSellers)
def best_sellers(query: BestSellersQuery) -> dict | object:
    with sessions()() as session:
        result = reports.best_sellers(session, query.from_, query.to, query.limit,
                                      query.rank_by, bakery_zone())
    return _answer(result, BestSellers, query.format,
                   f"best-sellers-{query.from_}-{query.to}.csv",
                   ("rank", "product_id") + REPORT_COLUMNS)


class FormatQuery(In):
    format: Literal["json", "csv"] | None = None


@operation("GET", "/reports/inventory-value",
           summary="Value stock at cost (materials by batch, products by lot)",
           tag="reports", roles=MANAGERS, query=FormatQuery, response=Valuation)
def inventory_value(query: FormatQuery) -> dict | object:
    with sessions()() as session:
        result = reports.inventory_valuation(session)
    return valuation_csv(result) if wants_csv(query.format) else result


@operation("GET", "/reports/allergens", summary="The allergen matrix: products by the 14 EU "
           "allergens", tag="reports", roles=ALL_ROLES, response=AllergenMatrix)
def allergen_matrix() -> dict:
    with sessions()() as session:
        return composition.allergen_matrix(session)
