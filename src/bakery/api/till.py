"""Till sessions: open with a float, cash in and out, the X report, close with the Z report."""

from __future__ import annotations

from ..contract.schemas import (
    CashMoveIn,
    CashMoveOut,
    TillCloseIn,
    TillQuery,
    TillReport,
    TillReportList,
    TillSessionIn,
)
from ..queries import till as till_reports
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import till
from ..services.unit_of_work import Idempotency
from .registry import TILL, current_principal, operation


def _report(session_id: int) -> dict:
    with sessions()() as session:
        return till_reports.get_session(session, session_id)


@operation("POST", "/till-sessions", summary="Open a till session", tag="till", roles=TILL,
           body=TillSessionIn, response=TillReport, status=201, idempotent=True,
           errors=(409, 422))
def open_session(body: TillSessionIn, idem: Idempotency | None) -> dict:
    outcome = till.open_session(sessions(), till=body.till, opening_float=body.opening_float,
                                user_id=current_principal().id, idem=idem)
    return _report(outcome.resource_id)


@operation("GET", "/till-sessions", summary="List till sessions", tag="till", roles=TILL,
           query=TillQuery, response=TillReportList)
def list_sessions(query: TillQuery) -> dict:
    with sessions()() as session:
        items, cursor = till_reports.list_sessions(
            session, page_request(query.limit, query.cursor), query.status, query.till)
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/till-sessions/{session_id}", summary="Show a till session (X report)",
           tag="till", roles=TILL, response=TillReport, errors=(404,))
def get_session(session_id: int) -> dict:
    return _report(session_id)


@operation("POST", "/till-sessions/{session_id}/cash-moves",
           summary="Pay cash into or out of a till", tag="till", roles=TILL, body=CashMoveIn,
           response=CashMoveOut, status=201, idempotent=True, errors=(404, 409, 422))
def move_cash(session_id: int, body: CashMoveIn, idem: Idempotency | None) -> dict:
    outcome = till.move_cash(sessions(), session_id, amount=body.amount, note=body.note,
                             user_id=current_principal().id, idem=idem)
    with sessions()() as session:
        return till_reports.get_cash_move(session, outcome.resource_id)


@operation("POST", "/till-sessions/{session_id}/close",
           summary="Close a till session (Z report)", tag="till", roles=TILL,
           body=TillCloseIn, response=TillReport, idempotent=True, errors=(404, 409, 422))
def close_session(session_id: int, body: TillCloseIn, idem: Idempotency | None) -> dict:
    till.close_session(sessions(), session_id, counted_cash=body.counted_cash,
                       user_id=current_principal().id, idem=idem)
    return _report(session_id)
