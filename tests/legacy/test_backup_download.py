"""Admins download a backup from the API and from the backup page; nobody else does."""

from __future__ import annotations

import json

import pytest

from bakery.web.backup import backup_download, backup_page
from tests.legacy.test_backup import busy_bakery
from tests.web.conftest import Browser, make_user


def web_client(app, role):
    """A browser signed in, through the login form, as a new user with `role`."""
    browser = Browser(app)
    browser.login(make_user(app, role))
    return browser.client


def test_the_api_hands_an_admin_the_whole_bakery(app, api):
    busy_bakery(app)
    response = api.get("/backup")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bakery-backup-')
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.data)
    assert document["format"] == "bakery-export"
    assert {r[1] for r in document["tables"]["materials"]["rows"]} == {"Flour", "Butter"}
    assert "api_tokens" not in document["tables"]


@pytest.mark.parametrize("role", ["manager", "baker", "cashier"])
def test_the_api_refuses_other_roles(as_role, role):
    response = as_role(role).get("/backup")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_the_api_refuses_without_a_token(app):
    response = app.test_client().get("/api/v1/backup")
    assert response.status_code == 401


def test_the_backup_is_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    entry = document["paths"]["/backup"]["get"]
    assert entry["description"] == "Roles: admin"


def test_the_backup_page_offers_an_admin_the_download(app):
    busy_bakery(app)
    client = web_client(app, "admin")
    page = client.get("/admin/backup/")
    assert page.status_code == 200
    assert b"Download backup" in page.data and b"/admin/backup/download" in page.data
    download = client.get("/admin/backup/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.data)["tables"]["sales"]["rows"]


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_the_backup_page_is_for_admins_only(app, role):
    client = web_client(app, role)
    assert client.get("/admin/backup/").status_code == 403
    assert client.get("/admin/backup/download").status_code == 403


def test_the_backup_page_needs_a_signed_in_user(app):
    assert app.test_client().get("/admin/backup/download").status_code in (401, 302)


def test_backup_views_declare_the_admin_role():
    assert backup_page.required_roles == ("admin",)
    assert backup_download.required_roles == ("admin",)
