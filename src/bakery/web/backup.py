"""The backup page: an admin downloads everything as one file, taken from a consistent snapshot."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import Engine

from ..services.backup import json_default, snapshot_export
from .access import requires

backup_pages = Blueprint("backup", __name__, url_prefix="/admin/backup")


def download_response(engine: Engine) -> Response:
    """A fresh snapshot export as a JSON file to save, named after the moment it was taken."""
    document = snapshot_export(engine)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(document, default=json_default, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="bakery-backup-{stamp}.json"',
        "Cache-Control": "no-store",
    })


@backup_pages.get("/")
@requires("admin")
def backup_page() -> Any:
    return render_template("backup/index.html")


@backup_pages.get("/download")
@requires("admin")
def backup_download() -> Any:
    return download_response(current_app.extensions["bakery.engine"])
