"""Till sessions: open with a float, pay cash in and out, close with the count (the Z report)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.engine import Executor
from ..db.locks import lock_rows
from ..db.models import TillCashMove, TillSession, utcnow
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..queries.till import closing_figures, frozen_report
from .unit_of_work import Idempotency, Outcome, SessionFactory, run_once

T = TillSession.__table__
_CLOSE_NUMBERING_LOCK = 7_140_001  # one advisory lock: closed sessions get numbers in sequence


def lock_open_session(connection: Executor, session_id: int, field: str = "till_session_id") -> Any:
    """Lock a till session that takes sales and refunds: unknown is 422, closed is 409."""
    row = lock_rows(connection, TillSession, [session_id], TillSession.status,
                    TillSession.till, TillSession.opening_float).get(session_id)
    if row is None:
        raise ValidationFailed("unknown till session",
                               {field: f"no till session with id {session_id}"})
    refuse_closed(row.status, session_id, field)
    return row


def refuse_closed(status: str, session_id: int, field: str = "till_session_id") -> None:
    """A closed till session takes no more sales or refunds (409)."""
    if status != "open":
        raise Conflict(f"till session {session_id} is closed", {field: session_id})


def open_session(factory: SessionFactory, *, till: str, opening_float: Decimal,
                 user_id: int | None = None,
                 idem: Idempotency | None = None) -> Outcome[int]:
    """Open a till with its float; a till has at most one open session."""

    def work(session: Session) -> int:
        busy = session.scalar(select(T.c.id).where(T.c.till == till, T.c.status == "open"))
        if busy is not None:
            raise Conflict(f"till {till!r} already has an open session",
                           {"till": till, "till_session_id": busy})
        try:
            return int(session.execute(insert(T).returning(T.c.id), {
                "till": till, "status": "open", "opening_float": opening_float,
                "opened_by": user_id, "opened_at": utcnow()}).scalar_one())
        except IntegrityError as exc:  # opened by someone else at the same moment
            raise Conflict(f"till {till!r} already has an open session", {"till": till}) from exc

    return run_once(factory, idem, work, lambda made: made)


def move_cash(factory: SessionFactory, session_id: int, *, amount: Decimal,
              note: str | None = None, user_id: int | None = None,
              idem: Idempotency | None = None) -> Outcome[int]:
    """Cash put into (positive) or taken out of (negative) an open till."""

    def work(session: Session) -> int:
        _open_or_404(session.connection(), session_id)
        return int(session.execute(insert(TillCashMove).returning(TillCashMove.id), {
            "till_session_id": session_id, "amount": amount, "note": note,
            "created_at": utcnow(), "created_by": user_id}).scalar_one())

    return run_once(factory, idem, work, lambda made: made)


def _open_or_404(connection: Connection, session_id: int) -> Any:
    row = lock_rows(connection, TillSession, [session_id], TillSession.status,
                    TillSession.opening_float).get(session_id)
    if row is None:
        raise NotFound(f"no till session with id {session_id}")
    if row.status != "open":
        raise Conflict(f"till session {session_id} is closed and never changes",
                       {"till_session_id": session_id})
    return row


def close_session(factory: SessionFactory, session_id: int, *, counted_cash: Decimal,
                  user_id: int | None = None, idem: Idempotency | None = None) -> Outcome[int]:
    """Close a till with the cash counted: number it, freeze its Z report."""

    def work(session: Session) -> int:
        connection = session.connection()
        row = _open_or_404(connection, session_id)
        report = closing_figures(connection, row, counted_cash)
        if connection.dialect.name == "postgresql":  # SQLite is serialised by BEGIN IMMEDIATE
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _CLOSE_NUMBERING_LOCK})
        number = int(connection.scalar(select(func.coalesce(func.max(T.c.number), 0))) or 0) + 1
        connection.execute(update(T).where(T.c.id == session_id).values(
            status="closed", number=number, closed_by=user_id, closed_at=utcnow(),
            counted_cash=counted_cash, expected_cash=report["expected_cash"],
            variance=report["variance"], z_report=frozen_report(report)))
        return session_id

    return run_once(factory, idem, work, lambda made: made)
