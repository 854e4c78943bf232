"""Bad input of every kind gets a clear 4xx with the contract's error body and writes nothing."""

import json

import pytest

from .conftest import error_of

# Values no amount may take: NaN and infinities (as strings or literals), overflow, too many
# places, booleans, wrong types, blanks.
BAD_AMOUNTS = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "1E+400",
               "100000000000000", 1e300, "12abc", "", " ", "1,5", "0x10", True, False, None,
               [], {}, [1], {"value": 1}]


def bodies_with_bad(field, good, values=BAD_AMOUNTS):
    for value in values:
        yield value, {**good, field: value}


@pytest.fixture
def stocked(bakery):
    flour = bakery.material("Flour")
    bakery.batch(flour, "10", "1.00")
    bread = bakery.stocked_bread(5)
    recipe = bakery.recipe(bread, {flour: "1"})
    return {"flour": flour, "bread": bread, "recipe": recipe}


def test_bad_amounts_are_refused_field_by_field(api, stocked, unchanged):
    flour, bread = stocked["flour"], stocked["bread"]
    cases = [
        ("POST", f"/materials/{flour}/batches", {"quantity": "1", "cost_per_unit": "1.00"},
         ["quantity", "cost_per_unit"]),
        ("POST", "/materials", {"name": "Rye", "unit": "kg", "min_quantity": "1"},
         ["min_quantity"]),
        ("PATCH", f"/materials/{flour}", {"min_quantity": "1"}, ["min_quantity"]),
        ("POST", "/products", {"name": "Roll", "price": "1.00"}, ["price"]),
        ("PATCH", f"/products/{bread}", {"price": "1.00"}, ["price"]),
        ("POST", "/stock-adjustments",
         {"material_id": flour, "quantity_delta": "-1", "reason": "waste"}, ["quantity_delta"]),
    ]
    with unchanged():
        for method, path, good, fields in cases:
            for field in fields:
                for value, body in bodies_with_bad(field, good):
                    response = api.request(method, path, json=body)
                    details = error_of(response, 422, "validation_error")["details"]
                    assert field in details, (path, field, value, details)
        sale_line = {"product_id": bread, "quantity": "1"}
        for value, line in bodies_with_bad("quantity", sale_line):
            details = error_of(api.post("/sales", json={"items": [line]}), 422)["details"]
            assert "items.0.quantity" in details, (value, details)


QUANTITY_RULES = [
    ("-1", "greater than zero"), ("0", "greater than zero"), ("0.0000", "greater than zero"),
    ("1.0000001", "at most 6 decimal places"), ("1000000000", "at most"),
    ("99999999999999", "at most"),
]


def test_quantities_must_be_positive_and_on_scale(api, stocked, unchanged):
    with unchanged():
        for value, message in QUANTITY_RULES:
            details = error_of(api.post(f"/materials/{stocked['flour']}/batches",
                                        json={"quantity": value, "cost_per_unit": "1"}),
                               422)["details"]
            assert message in details["quantity"], (value, details)


def test_money_takes_at_most_two_places_and_trailing_zeros_are_fine(api, stocked, unchanged):
    with unchanged():
        details = error_of(api.post("/products", json={"name": "X", "price": "1.005"}),
                           422)["details"]
        assert "at most 2 decimal places" in details["price"]
        error_of(api.post("/products", json={"name": "X", "price": "-1"}), 422)
    assert api.ok("POST", "/products", 201, json={"name": "X", "price": "1.5000"})["price"] == "1.50"
    assert api.ok("POST", "/products", 201, json={"name": "Y", "price": 0.1})["price"] == "0.10"


def test_unknown_fields_are_refused(api, stocked, unchanged):
    cases = [
        ("POST", "/materials", {"name": "Rye", "unit": "kg", "colour": "brown"}, "colour"),
        ("PATCH", f"/materials/{stocked['flour']}", {"id": 7}, "id"),
        ("POST", f"/materials/{stocked['flour']}/batches",
         {"quantity": "1", "cost_per_unit": "1", "remaining": "0"}, "remaining"),
        ("POST", "/products", {"name": "Roll", "price": "1", "stock": 5}, "stock"),
        ("POST", "/recipes", {"name": "R", "product_id": stocked["bread"], "yield_quantity": "1",
                              "ingredients": [{"material_id": stocked["flour"], "quantity": "1",
                                               "grams": "5"}]}, "ingredients.0.grams"),
        ("POST", "/production-runs", {"recipe_id": stocked["recipe"], "batches": 1,
                                      "cost": "0"}, "cost"),
        ("POST", "/sales", {"items": [{"product_id": stocked["bread"], "quantity": 1,
                                       "price": "0.01"}]}, "items.0.price"),
        ("POST", "/sales", {"items": [{"product_id": stocked["bread"], "quantity": 1}],
                            "discount": "100%"}, "discount"),
        ("POST", "/stock-adjustments", {"material_id": stocked["flour"], "quantity_delta": "1",
                                        "reason": "count", "user": 1}, "user"),
        ("POST", "/users", {"email": "a@b.c", "role": "baker", "password": "long enough bread",
                            "admin": True}, "admin"),
        ("POST", "/auth/tokens", {"email": "a@b.c", "password": "x", "remember": True},
         "remember"),
    ]
    with unchanged():
        for method, path, body, field in cases:
            details = error_of(api.request(method, path, json=body), 422)["details"]
            assert details.get(field) == "unknown field", (path, details)


def test_wrong_types_and_bad_ids_are_refused(api, stocked, unchanged):
    bread, flour = stocked["bread"], stocked["flour"]
    cases = [
        ("/sales", {"items": [{"product_id": str(bread), "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": [{"product_id": True, "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": [{"product_id": 1.0, "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": [{"product_id": 0, "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": [{"product_id": -5, "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": [{"product_id": 2**64, "quantity": 1}]}, "items.0.product_id"),
        ("/sales", {"items": []}, "items"),
        ("/sales", {"items": {"product_id": bread}}, "items"),
        ("/sales", {"items": [{"product_id": bread, "quantity": 1}] * 201}, "items"),
        ("/sales", {}, "items"),
        ("/materials", {"name": 5, "unit": "kg"}, "name"),
        ("/materials", {"name": "", "unit": "kg"}, "name"),
        ("/materials", {"name": "   ", "unit": "kg"}, "name"),
        ("/materials", {"name": "x" * 121, "unit": "kg"}, "name"),
        ("/materials", {"name": "Tab\tname", "unit": "kg"}, "name"),
        ("/materials", {"name": "Rye"}, "unit"),
        ("/production-runs", {"recipe_id": "1", "batches": 1}, "recipe_id"),
        ("/production-runs", {"recipe_id": 2**63, "batches": 1}, "recipe_id"),
        ("/stock-adjustments", {"material_id": flour, "quantity_delta": "1", "reason": 1},
         "reason"),
        ("/recipes", {"name": "R", "product_id": bread, "yield_quantity": "1",
                      "ingredients": "flour"}, "ingredients"),
    ]
    with unchanged():
        for path, body, field in cases:
            details = error_of(api.post(path, json=body), 422)["details"]
            assert field in details, (path, body if len(str(body)) < 200 else "...", details)
        error_of(api.post("/sales", json={"items": [{"product_id": 999_999, "quantity": 1}]}),
                 422)
        error_of(api.post("/production-runs", json={"recipe_id": 999_999, "batches": 1}), 422)


BODY_POSTS = ["/materials", "/products", "/recipes", "/production-runs", "/sales",
              "/stock-adjustments", "/users", "/auth/tokens", "/materials/{flour}/batches"]


def test_malformed_empty_and_non_object_bodies_are_400(api, stocked, unchanged):
    bad_bodies = [b"{", b'{"items": [}', b"", b"[]", b'"sale"', b"42", b"null", b"true",
                  b'{"quantity": NaN}', b'{"quantity": Infinity}', b"\xff\xfe",
                  b'{"a": 1} trailing']
    with unchanged():
        for template in BODY_POSTS:
            path = template.format(flour=stocked["flour"])
            for raw in bad_bodies:
                response = api.post(path, data=raw, content_type="application/json")
                error_of(response, 400, "bad_request")
        error_of(api.patch(f"/materials/{stocked['flour']}", data=b"[1]",
                           content_type="application/json"), 400)


def test_json_sent_as_another_content_type_is_still_read(api, stocked):
    response = api.post("/materials", data=json.dumps({"name": "Oats", "unit": "kg"}),
                        content_type="text/plain")
    assert response.status_code == 201


def test_a_body_over_one_mebibyte_is_413(api, stocked, unchanged):
    padding = "x" * (1024 * 1024)
    with unchanged():
        for path in ("/sales", "/materials", f"/materials/{stocked['flour']}/batches"):
            response = api.post(path, data=json.dumps({"note": padding}),
                                content_type="application/json")
            error_of(response, 413, "payload_too_large")


def test_unknown_paths_and_methods_answer_json_errors(api):
    error_of(api.get("/no-such-thing"), 404, "not_found")
    error_of(api.get("/materials/99999999999999999999"), 404, "not_found")
    error_of(api.request("DELETE", "/sales"), 405)
    error_of(api.request("PUT", "/materials/1", json={}), 405)


def test_results_too_large_to_store_are_refused_not_crashed(api, bakery, unchanged):
    flour = bakery.material("Flour")
    bakery.batch(flour, "1", "1.00")
    giant = bakery.product("Giant", "999999999999.99")
    recipe = bakery.recipe(giant, {flour: "0.001"}, yield_quantity="999999999")
    gold = bakery.material("Gold")
    for _ in range(2):  # each batch is worth as much as money can hold, together more
        bakery.batch(gold, "1000", "999999999.99")
    costly = bakery.recipe(bakery.product("Costly"), {gold: "2000"}, yield_quantity="1")
    api.ok("POST", "/stock-adjustments", 201,
           json={"product_id": giant, "quantity_delta": "1000", "reason": "count"})
    with unchanged():
        details = error_of(api.post("/production-runs", json={"recipe_id": recipe, "batches": 2}),
                           422)["details"]
        assert "batches" in details
        details = error_of(api.post("/production-runs", json={"recipe_id": costly, "batches": 1}),
                           422)["details"]
        assert "batches" in details
        details = error_of(api.post("/sales", json={"items": [{"product_id": giant,
                                                               "quantity": "1000"}]}),
                           422)["details"]
        assert "items" in details
