"""Reports for owners."""

from __future__ import annotations

from ..queries import reports
from ..runtime import sessions
from .registry import MANAGERS, operation
from .schemas import ReportQuery, SalesReport


@operation("GET", "/reports/sales", summary="Report sales by day or product", tag="reports",
           roles=MANAGERS, query=ReportQuery, response=SalesReport)
def sales_report(query: ReportQuery) -> dict:
    with sessions()() as session:
        return reports.sales_report(session, query.from_, query.to, query.group_by)
