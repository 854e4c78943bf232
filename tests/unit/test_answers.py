"""An API answer is serialised once, straight to bytes, and those bytes are exactly what the
schema's JSON-ready data dumped by the app's JSON provider gave before."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from flask import Flask, jsonify

from bakery.contract.answers import answer_json, serialised
from bakery.contract.schemas import ProductDetail, SaleOut
from bakery.jsonio import ExactJSONProvider

AWKWARD_TEXT = [
    "plain", "Körnerbrot — süß", "日本のパン", "emoji 🥐", 'quote " and back\\slash',
    "tab\tnew\nline\rreturn", "controls \x00\x01\x1f\x7f", "\u2028\u2029 separators", "/slash/",
    "",
]


@pytest.fixture
def flask_app() -> Flask:
    app = Flask(__name__)
    app.json = ExactJSONProvider(app)
    return app


def _product(name: str) -> dict:
    return {
        "id": 7, "name": name, "price": D("3.5"), "on_hand": D("12.3456"), "min_quantity": None,
        "low_stock": False, "sellable": True, "allergens": ["gluten"], "may_contain": [],
        "ingredients": [{"material_id": 1, "name": name, "share": D("99.999")},
                        {"material_id": 2, "name": "Water", "share": None}],
        "tax_rate": D("7"), "eat_in_tax_rate": D("19.00"), "shelf_life_hours": 30,
        "expired": D("0"), "day_old_product_id": None, "declared": {"allergens": []},
        "lots": [{"id": 3, "quantity": D("10"), "remaining": D("0.0005"),
                  "unit_cost": D("123456789012.25"), "production_run_id": None,
                  "created_at": datetime(2026, 11, 20, 6, 0, 0, 123456),
                  "best_before": datetime(2026, 11, 21, 7, 0, tzinfo=timezone(timedelta(hours=1))),
                  "on_hold": True}],
    }


@pytest.mark.parametrize("name", AWKWARD_TEXT)
def test_an_answer_is_the_bytes_the_two_pass_serialiser_gave(flask_app, name):
    with flask_app.app_context():
        before = jsonify(serialised(ProductDetail, _product(name))).get_data()
    assert answer_json(ProductDetail, _product(name)) == before


def test_an_indented_answer_matches_the_indented_two_pass_answer(flask_app):
    flask_app.json.compact = False  # type: ignore[attr-defined]
    with flask_app.app_context():
        before = jsonify(serialised(ProductDetail, _product("Rye"))).get_data()
    assert answer_json(ProductDetail, _product("Rye"), indent=2) == before


def test_figures_beyond_the_input_limits_are_answered_as_stored():
    body = answer_json(ProductDetail, _product("Rye"))
    assert b'"unit_cost":"123456789012.25"' in body
    assert body.endswith(b"}\n")


def test_a_result_the_schema_cannot_hold_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        answer_json(SaleOut, {"id": "not a number"})
