"""The unit of work: one transaction per use case, run at most once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..db.engine import Executor, transaction, write_transaction
from ..db.models import IdempotencyKey, utcnow
from ..domain.errors import Conflict

T = TypeVar("T")
SessionFactory = sessionmaker[Session]
# Statements used on every keyed request are built once: building one costs about as much
# Python as executing it, and a reused statement also skips computing its cache key.
_KEYS = IdempotencyKey.__table__


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and a fingerprint of the request it came with."""

    user_id: int
    scope: str
    key: str
    request_hash: str

    @staticmethod
    def fingerprint(body: Any) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a use case made, or, for a replayed Idempotency-Key, the id it made before."""

    result: T | None
    resource_id: int
    replayed: bool = False


_PREVIOUS = select(_KEYS.c.request_hash, _KEYS.c.resource_id).where(
    _KEYS.c.user_id == bindparam("user_id"), _KEYS.c.scope == bindparam("scope"),
    _KEYS.c.key == bindparam("key"))
# The claim of a key: a new row and its id, or no row when the key is taken. A key being
# claimed by a request still in flight makes this wait for that request's end.
_CLAIM = {
    "postgresql": postgresql.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.id),
    "sqlite": sqlite.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.id),
}
_SET_RESOURCE = (update(_KEYS).where(_KEYS.c.id == bindparam("claim_id"))
                 .values(resource_id=bindparam("made_id")))


def _previous(executor: Executor, idem: Idempotency) -> int | None:
    row = executor.execute(_PREVIOUS, {"user_id": idem.user_id, "scope": idem.scope,
                                       "key": idem.key}).first()
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        raise Conflict(
            "this Idempotency-Key was already used with a different request",
            {"idempotency_key": idem.key},
        )
    return int(row.resource_id)


def recorded(factory: SessionFactory, idem: Idempotency) -> int | None:
    """The id a request with this key already made (409 for another body), or None."""
    with factory() as session:
        return _previous(session, idem)


@dataclass(frozen=True)
class Unit:
    """The open transaction of a use case run by `run_once_on_connection`."""

    connection: Connection  # every statement goes here
    session: Session  # sends no statement: keeps the unit's notes (ledger.note_created)
    claim_id: int | None  # the Idempotency-Key row claimed: the work sets its resource_id


def run_once(
    factory: SessionFactory,
    idem: Idempotency | None,
    work: Callable[[Session], T],
    resource_id: Callable[[T], int],
) -> Outcome[T]:
    """Run `work` in one transaction; with a key, at most once per key.

    The key is claimed (inserted) before the work, in the same transaction, so a concurrent
    repeat waits on the unique index until the first request ends, then finds its resource
    and replays it, instead of doing the work again against the stock the first one left.
    """
    with transaction(factory) as session:
        return _at_most_once(session.connection(), idem, lambda _claim: work(session),
                             resource_id, work_sets_resource=False)


def run_once_on_connection(
    factory: SessionFactory,
    idem: Idempotency | None,
    work: Callable[[Unit], T],
    resource_id: Callable[[T], int],
) -> Outcome[T]:
    """`run_once` for a hot path: `work` runs on a Core connection, without a Session's
    transaction and execute layer, and writes the resource id on the claimed key itself
    (`Unit.claim_id`), in a statement it makes anyway."""
    with write_transaction(factory) as (connection, session):
        return _at_most_once(connection, idem,
                             lambda claim: work(Unit(connection, session, claim)),
                             resource_id, work_sets_resource=True)


def _at_most_once(
    connection: Connection,
    idem: Idempotency | None,
    work: Callable[[int | None], T],
    resource_id: Callable[[T], int],
    *,
    work_sets_resource: bool,
) -> Outcome[T]:
    """Claim the key, do the work (given the claim's id), record what it made on the claim."""
    if idem is None:
        result = work(None)
        return Outcome(result, resource_id(result))
    claim = connection.execute(_CLAIM[connection.dialect.name], {
        "user_id": idem.user_id, "scope": idem.scope, "key": idem.key,
        "request_hash": idem.request_hash,
        "resource_id": 0,  # set with the work's writes, before anyone else can see the row
        "created_at": utcnow(),
    }).scalar()
    if claim is None:  # taken, by a request that has committed: replay what it made
        earlier = _previous(connection, idem)
        if earlier is None:  # pragma: no cover - keys are never deleted
            raise Conflict("a request with this Idempotency-Key is in progress; retry")
        return Outcome(None, earlier, replayed=True)
    result = work(claim)
    if not work_sets_resource:
        set_resource(connection, claim, resource_id(result))
    return Outcome(result, resource_id(result))


def set_resource(connection: Connection, claim_id: int | None, made_id: int) -> None:
    """Record on a claimed key the id of what its request made (nothing without a key)."""
    if claim_id is not None:
        connection.execute(_SET_RESOURCE, {"claim_id": claim_id, "made_id": made_id})
