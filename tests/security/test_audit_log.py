"""Every change other than a stock move leaves an audit row: who, when, what, old and new values."""

from __future__ import annotations

import pytest

from bakery.domain.errors import Conflict
from bakery.services import catalog


def _log(api, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return api.ok("GET", f"/audit-log?{query}")["items"]


def _admin_id(api) -> int:
    return api.ok("GET", "/users")["items"][0]["id"]


def test_a_price_change_records_who_and_the_old_and_new_price(api, bakery):
    bread = bakery.product("Bread", "3.00")
    api.ok("PATCH", f"/products/{bread}", json={"price": "3.20"})
    entries = _log(api, entity="product", entity_id=bread)
    assert [e["action"] for e in entries] == ["update", "create"]  # newest first
    update = entries[0]
    assert update["old_values"] == {"price": "3.00"} and update["new_values"] == {"price": "3.20"}
    assert update["actor_id"] == _admin_id(api) and update["created_at"]


def test_materials_and_recipes_are_audited_with_their_ingredients(api, bakery):
    flour = bakery.material("Flour")
    salt = bakery.material("Salt")
    bread = bakery.product("Bread")
    recipe = bakery.recipe(bread, {flour: "1"}, name="Loaf")
    api.ok("PATCH", f"/recipes/{recipe}", json={"ingredients": [
        {"material_id": flour, "quantity": "1"}, {"material_id": salt, "quantity": "0.02"}]})
    api.ok("PATCH", f"/materials/{flour}", json={"min_quantity": "5"})
    change = _log(api, entity="recipe", entity_id=recipe)[0]
    assert change["old_values"]["ingredients"] == [{"material_id": flour, "quantity": "1.000"}]
    assert len(change["new_values"]["ingredients"]) == 2
    assert _log(api, entity="material", entity_id=flour)[0]["new_values"] == {"min_quantity": "5.000"}


def test_users_and_tokens_are_audited(app, api):
    user = api.ok("POST", "/users", 201, json={"email": "b@b.test", "role": "baker",
                                               "password": "correct horse"})
    api.ok("PATCH", f"/users/{user['id']}", json={"active": False})
    entries = _log(api, entity="user", entity_id=user["id"])
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["old_values"] == {"active": True} and entries[0]["new_values"] == {"active": False}
    assert "password" not in str(entries) and "hash" not in str(entries)
    assert {e["action"] for e in _log(api, entity="token")} == {"issue"}


def test_a_refused_change_leaves_no_audit_row(api, bakery, sessions):
    bakery.product("Bread")
    rye = bakery.product("Rye")
    before = _log(api, entity="product")
    assert api.patch(f"/products/{rye}", json={"name": "bread"}).status_code == 409
    with pytest.raises(Conflict):
        catalog.create_product(sessions, name="Rye", price=1)
    assert _log(api, entity="product") == before


def test_stock_moves_stay_in_the_ledger_not_the_audit_log(api, bakery):
    bread = bakery.stocked_bread(3)
    count = len(_log(api, limit=500))
    bakery.sell({bread: "1"})
    assert len(_log(api, limit=500)) == count


def test_the_audit_log_pages_and_filters(api, bakery):
    for index in range(5):
        bakery.material(f"M{index}")
    first = api.ok("GET", "/audit-log?entity=material&limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.ok("GET", f"/audit-log?entity=material&limit=2&cursor={first['next_cursor']}")
    assert first["items"][-1]["id"] > second["items"][0]["id"]
    assert api.get("/audit-log?entity=sale").status_code == 422
    assert api.get("/audit-log?actor_id=abc").status_code == 422


def test_only_admins_read_the_audit_log(as_role):
    for role in ("manager", "baker", "cashier"):
        assert as_role(role).get("/audit-log").status_code == 403


def test_services_called_without_an_actor_still_work(sessions, api):
    material = catalog.create_material(sessions, name="Sugar", unit="kg")
    entry = _log(api, entity="material", entity_id=material)[0]
    assert entry["actor_id"] is None and entry["new_values"]["name"] == "Sugar"
