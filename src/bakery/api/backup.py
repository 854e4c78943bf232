"""A full backup for admins, in the bakery's export format, read from one consistent snapshot."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..contract.downloads import backup_file
from .registry import ADMINS, operation


@operation("GET", "/backup", summary="Download a backup of all data", tag="backup",
           roles=ADMINS)
def download_backup() -> Any:
    return backup_file(current_app.extensions["bakery.engine"])
