"""The OpenAPI document: valid OpenAPI 3.1, served without a token, covering every route."""

from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

from bakery.api.registry import OPERATIONS

from .contract import document


def test_openapi_document_is_valid_openapi_3_1(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_openapi_document_lists_every_operation_with_its_roles():
    paths = document()["paths"]
    for op in OPERATIONS:
        entry = paths[op.path][op.method.lower()]
        assert str(op.status) in entry["responses"]
        if op.roles is not None:
            assert entry["security"] == [{"bearer": []}]
            assert {"401", "403"} <= set(entry["responses"])


def test_openapi_document_covers_the_contract():
    paths = document()["paths"]
    expected = {
        ("post", "/auth/tokens"), ("post", "/materials"), ("get", "/materials"),
        ("get", "/materials/{material_id}"), ("patch", "/materials/{material_id}"),
        ("post", "/materials/{material_id}/batches"), ("post", "/products"), ("get", "/products"),
        ("get", "/products/{product_id}"), ("patch", "/products/{product_id}"),
        ("post", "/recipes"), ("get", "/recipes"), ("get", "/recipes/{recipe_id}"),
        ("patch", "/recipes/{recipe_id}"), ("post", "/production-runs"),
        ("get", "/production-runs"), ("get", "/production-runs/{run_id}"), ("post", "/sales"),
        ("get", "/sales"), ("get", "/sales/{sale_id}"), ("post", "/stock-adjustments"),
        ("get", "/stock-moves"), ("get", "/alerts/low-stock"), ("get", "/reports/sales"),
        ("post", "/stock/expire"), ("get", "/alerts/expiring"), ("get", "/reports/waste"),
        ("get", "/trace/batches/{batch_id}"), ("get", "/trace/sales/{sale_id}"),
        ("get", "/trace/recall"), ("post", "/trace/recall/hold"),
    }
    assert expected <= {(method, path) for path, ops in paths.items() for method in ops}


def test_idempotent_posts_document_the_header():
    paths = document()["paths"]
    for path in ("/sales", "/production-runs", "/materials/{material_id}/batches"):
        names = [p["name"] for p in paths[path]["post"]["parameters"]]
        assert "Idempotency-Key" in names
