"""CSV downloads of report responses: `?format=csv` or `Accept: text/csv`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from flask import Response, request


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
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    if totals:
        writer.writerow([_cell(totals.get(c, "total" if i == 0 else None))
                         for i, c in enumerate(columns)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
