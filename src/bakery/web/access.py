"""Who may open a page: the signed-in user's role must be one the view names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, session

from ..db.models import User
from ..runtime import sessions


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only signed-in users with one of `roles` in (401 when signed out, 403 otherwise)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user_id = session.get("user_id")
            if user_id is None:
                abort(401)
            with sessions()() as db:
                user = db.get(User, user_id)
            if user is None or not user.active:
                abort(401)
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate
