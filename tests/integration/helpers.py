"""Shared by the service tests: row counts and ledger checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bakery.db.models import Base, MaterialBatch, ProductLot, StockMove
from bakery.queries.inventory import ledger_mismatches

# Bookkeeping of the security controls, written by any request however it ends: rate-limit
# windows, wrong passwords in a row, browser sign-ins. Not the bakery's data.
SECURITY_BOOKKEEPING = {"throttle_windows", "login_failures", "web_sessions"}


def snapshot(factory: Any) -> dict[str, Any]:
    """Row counts of every table and the stock held, to prove a failure wrote nothing."""
    with factory() as session:
        counts: dict[str, Any] = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables if table.name not in SECURITY_BOOKKEEPING
        }
        counts["batches.remaining"] = session.scalar(select(func.sum(MaterialBatch.remaining)))
        counts["lots.remaining"] = session.scalar(select(func.sum(ProductLot.remaining)))
        counts["moves.delta"] = session.scalar(select(func.sum(StockMove.delta)))
    return counts


def mismatches(factory: Any) -> list[dict]:
    with factory() as session:
        return ledger_mismatches(session)
