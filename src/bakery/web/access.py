"""Minimal placeholder for page access control (replaced by the web interface's own module).

`requires(*roles)` lets a view through only for a signed-in user (session "user_id") whose
session "role" is one of `roles`, and records them on the view as `required_roles`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, session


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if session.get("user_id") is None:
                abort(401)
            if session.get("role") not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate
