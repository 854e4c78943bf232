"""The backup page: an admin downloads everything as one file, taken from a consistent snapshot."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from ..contract.downloads import backup_file
from .access import ADMINS, requires

backup_pages = Blueprint("backup", __name__, url_prefix="/admin/backup")


@backup_pages.get("/")
@requires(*ADMINS)
def backup_page() -> Any:
    return render_template("backup/index.html")


@backup_pages.get("/download")
@requires(*ADMINS)
def backup_download() -> Any:
    return backup_file(current_app.extensions["bakery.engine"])
