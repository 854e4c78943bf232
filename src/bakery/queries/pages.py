"""Keyset pagination: opaque cursors over ids, stable while rows are added."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from ..domain.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_ID = 2**63 - 1  # a BIGINT
_DIGITS = re.compile(r"[0-9]{1,19}")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after_id: int | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id" or not _DIGITS.fullmatch(value) or not 0 < int(value) <= MAX_ID:
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("bad cursor", {"cursor": "not a cursor this API gave out"}) from exc


def page_request(limit: str | None, cursor: str | None) -> PageRequest:
    """Parse ?limit= and ?cursor= with the contract's bounds."""
    size = DEFAULT_LIMIT
    if limit is not None:
        if not _DIGITS.fullmatch(limit) or not 1 <= int(limit) <= MAX_LIMIT:
            raise ValidationFailed("bad limit", {"limit": f"a whole number from 1 to {MAX_LIMIT}"})
        size = int(limit)
    return PageRequest(size, decode_cursor(cursor) if cursor else None)


def paged(query: Select, id_column: Any, page: PageRequest, newest_first: bool = False) -> Select:
    """Restrict `query` to one page (fetching one row more, to know if another page follows)."""
    if page.after_id is not None:
        query = query.where(id_column < page.after_id if newest_first else id_column > page.after_id)
    return query.order_by(id_column.desc() if newest_first else id_column).limit(page.limit + 1)


def split_page(rows: Sequence[Any], page: PageRequest) -> tuple[list[Any], str | None]:
    """Rows fetched with limit+1: the page and the cursor to the next one."""
    if len(rows) > page.limit:
        shown = list(rows[: page.limit])
        return shown, encode_cursor(shown[-1].id)
    return list(rows), None
