"""Operations endpoints, and a till retrying one sale many times at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Api


def test_health_and_readiness_need_no_token(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readiness_fails_when_the_database_is_gone(app):
    from bakery.db.engine import make_engine

    app.extensions["bakery.engine"].dispose()
    app.extensions["bakery.engine"] = make_engine("postgresql://nobody@127.0.0.1:1/none")
    assert app.test_client().get("/readyz").status_code == 503


def test_concurrent_requests_with_one_idempotency_key_make_one_sale(app, api, bakery):
    bread = bakery.stocked_bread(3)
    body = {"items": [{"product_id": bread, "quantity": 3}]}
    barrier = threading.Barrier(8)

    def attempt():
        client = Api(app.test_client(), api.token)
        barrier.wait()
        response = client.post("/sales", json=body, headers={"Idempotency-Key": "till-9-1"})
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(8) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(attempt) for _ in range(8)]]
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert len(api.ok("GET", "/sales")["items"]) == 1
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "0.000"
