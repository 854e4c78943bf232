"""Files the API and the pages hand out: report CSVs (`?format=csv` or `Accept: text/csv`) and
the backup, so a download is the same file whichever door it leaves by."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from flask import Response, request
from pydantic import BaseModel
from sqlalchemy import Engine

from ..clock import now
from ..services.backup import json_default, snapshot_export
from .answers import serialised
from .schemas import ShoppingList, Valuation

REPORT_COLUMNS = ("key", "quantity", "revenue", "cost", "margin", "margin_percent", "refunds",
                  "tax")
PAYMENT_COLUMNS = ("key", "cash", "card", "other", "refunds", "total")
VALUATION_COLUMNS = ("kind", "material_id", "product_id", "name", "unit", "on_hand", "value")


def wants_csv(fmt: str | None) -> bool:
    """True for ?format=csv, or an Accept header that prefers text/csv to JSON."""
    if fmt is not None:
        return fmt == "csv"
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/csv"]) == "text/csv" \
        and accept["text/csv"] > accept["application/json"]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell that starts like a formula: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def csv_response(rows: Iterable[dict], columns: Sequence[str], filename: str,
                 totals: dict | None = None) -> Response:
    """Rows (already serialised, decimals as strings) as a CSV attachment, totals last."""
    out = io.StringIO()
    # Every field quoted: a spreadsheet set to split on ";" (as in much of Europe) would
    # otherwise cut "Spelt;=cmd|..." into a cell that starts with "=" and runs as a formula.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    if totals:
        writer.writerow([_cell(totals.get(c, "total" if i == 0 else None))
                         for i, c in enumerate(columns)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def report_csv(model: type[BaseModel], result: dict, filename: str,
               columns: Sequence[str] = REPORT_COLUMNS) -> Response:
    """A report with `rows` and `totals`, serialised by its schema, as a CSV attachment."""
    data = serialised(model, result)
    return csv_response(data["rows"], columns, filename, data["totals"])


def valuation_csv(result: dict) -> Response:
    """Stock at cost, one row per material or product, the grand total last."""
    data = serialised(Valuation, result)
    return csv_response(data["rows"], VALUATION_COLUMNS, "inventory-value.csv",
                        {"kind": "total", "value": data["totals"]["total"]})


def backup_file(engine: Engine) -> Response:
    """A fresh snapshot export as a JSON file to save, named after the moment it was taken."""
    document = snapshot_export(engine)
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(document, default=json_default, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="bakery-backup-{stamp}.json"',
        "Cache-Control": "no-store",
    })


SHOPPING_COLUMNS = ("supplier", "material_id", "name", "unit", "needed", "on_hand", "to_buy",
                    "latest_cost_per_unit", "estimated_cost", "lead_time_days", "order_by")


def shopping_csv(result: dict, filename: str) -> Response:
    """A shopping list as CSV, supplier by supplier (what to order from each), the total last."""
    data = serialised(ShoppingList, result)
    rows = [item for group in data["suppliers"] for item in group["items"]]
    return csv_response(rows, SHOPPING_COLUMNS, filename,
                        {"supplier": "total", "estimated_cost": data["estimated_total"]})
