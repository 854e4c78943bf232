"""A full backup for admins, in the bakery's export format, read from one consistent snapshot."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from flask import Response, current_app
from sqlalchemy import Engine

from ..services.backup import json_default, snapshot_export
from .registry import ADMINS, operation


def download_response(engine: Engine) -> Response:
    """A fresh snapshot export as a JSON file to save, named after the moment it was taken."""
    document = snapshot_export(engine)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(document, default=json_default, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="bakery-backup-{stamp}.json"',
        "Cache-Control": "no-store",
    })


@operation("GET", "/backup", summary="Download a backup of all data", tag="backup",
           roles=ADMINS)
def download_backup() -> Any:
    return download_response(current_app.extensions["bakery.engine"])
