"""The per-account sign-in delay: wrong passwords in a row make the next attempt wait.

Counted in the database, so every worker and instance sees the same count. Unknown emails are
counted like known ones, so the delay tells an attacker nothing about who has an account.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..db.engine import transaction
from ..db.models import LoginFailure, as_utc, utcnow
from ..domain.credentials import login_delay
from ..domain.errors import TooSoon
from .unit_of_work import SessionFactory

# Rows of accounts that have not failed for this long are dropped when the next failure is kept.
FORGET_AFTER = timedelta(days=1)
_FAILURES = LoginFailure.__table__


def _count_failure_statement(dialect: Any) -> Any:
    statement = dialect.insert(_FAILURES)
    return statement.on_conflict_do_update(
        index_elements=[_FAILURES.c.account],
        set_={"failures": _FAILURES.c.failures + 1,
              "last_failed_at": statement.excluded.last_failed_at})


_COUNT_FAILURE = {name: _count_failure_statement(dialect)
                  for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


class TooManyFailures(TooSoon):
    """The account must wait before the next sign-in attempt."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong passwords for this account; try again in "
                         f"{retry_after} seconds", retry_after)


def account_key(email: str) -> str:
    return email.strip().lower()[:254]


def refuse_while_waiting(factory: SessionFactory, email: str, *, free: int, cap: int,
                         now: datetime | None = None) -> None:
    """Raise TooManyFailures while the account's delay has not passed; the password is then
    not even checked, so waiting attempts do not count as failures."""
    with factory() as session:
        row = session.execute(select(_FAILURES.c.failures, _FAILURES.c.last_failed_at)
                              .where(_FAILURES.c.account == account_key(email))).first()
    if row is None:
        return
    ready = as_utc(row.last_failed_at) + timedelta(seconds=login_delay(row.failures, free=free,
                                                                        cap=cap))
    left = ready - (now or utcnow())
    if left > timedelta(0):
        raise TooManyFailures(max(1, math.ceil(left / timedelta(seconds=1))))


def count_failure(factory: SessionFactory, email: str, now: datetime | None = None) -> None:
    """One more wrong password in a row for this account."""
    moment = now or utcnow()
    with transaction(factory) as session:
        session.execute(delete(_FAILURES).where(_FAILURES.c.last_failed_at < moment - FORGET_AFTER))
        session.execute(_COUNT_FAILURE[session.connection().dialect.name],
                        {"account": account_key(email), "failures": 1, "last_failed_at": moment})


def forget_failures(factory: SessionFactory, email: str) -> None:
    """A right password: the count starts again."""
    with transaction(factory) as session:
        session.execute(delete(_FAILURES).where(_FAILURES.c.account == account_key(email)))
