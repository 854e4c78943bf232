"""How long the bakery keeps what it only needs for a while: Idempotency-Keys.

A key lets a till repeat a sale after a lost answer without selling twice. It matters only as
long as a till may still retry, so it is kept `IDEMPOTENCY_KEY_DAYS` (7 by default, longer than
any till stays offline) and then purged: the table stops growing with every sale. A key reused
after its purge is a new request.

Purging deletes old rows in small batches, each its own short transaction, so a sale never waits
long behind it (new keys are other rows; on SQLite each batch holds the write lock briefly).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from ..db.engine import transaction
from ..db.models import IdempotencyKey, utcnow
from .unit_of_work import SessionFactory

PURGE_BATCH = 500
_KEYS = IdempotencyKey.__table__


def purge_idempotency_keys(factory: SessionFactory, keep: timedelta,
                           now: datetime | None = None, batch: int = PURGE_BATCH,
                           max_batches: int | None = None) -> int:
    """Delete keys older than `keep`, `batch` rows per transaction; how many went."""
    cutoff = (now or utcnow()) - keep
    purged = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction(factory) as session:
            ids = select(_KEYS.c.id).where(_KEYS.c.created_at < cutoff).limit(batch)
            gone = cast(CursorResult[Any], session.execute(
                delete(_KEYS).where(_KEYS.c.id.in_(ids.scalar_subquery()))))
            count = gone.rowcount or 0
        purged += count
        batches += 1
        if count < batch:
            break
    return purged
