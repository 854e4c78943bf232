"""Baking, selling, adjusting, the ledger and reports through the API."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

from bakery.services import stock

from .conftest import error_of


def test_production_run_consumes_fifo_and_is_listed(api, bakery):
    flour = bakery.material()
    late = bakery.batch(flour, "10", "0.90", "2026-03-02")
    early = bakery.batch(flour, "3", "0.50", "2026-03-01")
    bread = bakery.product()
    recipe = bakery.recipe(bread, {flour: "2"}, yield_quantity="4")
    run = api.ok("POST", "/production-runs", 201, json={"recipe_id": recipe, "batches": 2})
    assert (run["recipe_id"], run["product_id"], run["batches"], run["produced_quantity"],
            run["total_cost"]) == (recipe, bread, 2, "8.000", "2.40")
    assert [(c["batch_id"], c["quantity"], c["cost_per_unit"]) for c in run["consumed"]] == [
        (early["id"], "3.000", "0.50"), (late["id"], "1.000", "0.90")]
    assert api.ok("GET", f"/production-runs/{run['id']}") == run
    assert [r["id"] for r in api.ok("GET", "/production-runs")["items"]] == [run["id"]]
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "8.000"
    error_of(api.get("/production-runs/999"), 404, "not_found")


def test_production_shortfall_lists_every_material_and_writes_nothing(api, bakery, unchanged):
    flour, butter, salt = bakery.material("Flour"), bakery.material("Butter"), bakery.material("Salt")
    bakery.batch(flour, "10", "1.00")
    bakery.batch(butter, "1", "5.00")
    recipe = bakery.recipe(bakery.product(), {flour: "2", butter: "1", salt: "0.02"})
    with unchanged():
        error = error_of(api.post("/production-runs", json={"recipe_id": recipe, "batches": 3},
                                  headers={"Idempotency-Key": "bake-1"}), 409, "insufficient_stock")
        shortfalls = error["details"]["shortfalls"]
        assert [(s["material_id"], s["name"], D(s["required"]), D(s["available"]))
                for s in shortfalls] == [(butter, "Butter", D(3), D(1)),
                                         (salt, "Salt", D("0.06"), D(0))]
        assert all(isinstance(s["required"], str) for s in shortfalls)
        error_of(api.post("/production-runs", json={"recipe_id": 999, "batches": 1}), 422)
        for batches in (0, -1, 1.5, "2", True, None, 100_001):
            details = error_of(api.post("/production-runs",
                                        json={"recipe_id": recipe, "batches": batches}),
                               422)["details"]
            assert "batches" in details, batches


def test_sale_uses_current_price_and_fifo_cost(api, bakery):
    bread = bakery.stocked_bread(10, price="3.50")
    sale = api.ok("POST", "/sales", 201, json={"items": [{"product_id": bread, "quantity": 2},
                                                         {"product_id": bread, "quantity": "0.5"}]})
    assert sale["items"] == [{"product_id": bread, "quantity": "2.500", "unit_price": "3.50",
                              "line_total": "8.75", "cost": "2.50", "tax_rate": "0.00",
                              "tax": "0.00"}]
    assert (sale["total"], sale["cost"]) == ("8.75", "2.50")
    assert api.ok("GET", f"/sales/{sale['id']}") == sale
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "7.500"
    error_of(api.get("/sales/999"), 404, "not_found")


def test_sale_shortfall_lists_every_product_and_writes_nothing(api, bakery, unchanged):
    bread = bakery.stocked_bread(2)
    bun = bakery.stocked_bread(1)
    plenty = bakery.stocked_bread(50)
    with unchanged():
        error = error_of(api.post("/sales", json={"items": [
            {"product_id": plenty, "quantity": 5}, {"product_id": bread, "quantity": 3},
            {"product_id": bun, "quantity": "1.5"}]}), 409, "insufficient_stock")
        shortfalls = error["details"]["shortfalls"]
        assert [(s["product_id"], D(s["required"]), D(s["available"])) for s in shortfalls] == [
            (bread, D(3), D(2)), (bun, D("1.5"), D(1))]
        details = error_of(api.post("/sales", json={"items": [
            {"product_id": bread, "quantity": 1}, {"product_id": 424242, "quantity": 1}]}),
            422)["details"]
        assert details == {"items.1.product_id": "no product with id 424242"}


def test_sales_are_filtered_by_date_and_paged(api, bakery, sessions):
    bread = bakery.stocked_bread(20)
    for day in (1, 2, 2, 3):
        stock.record_sale(sessions, [(bread, D(1))],
                          at=datetime(2026, 5, day, 12, tzinfo=timezone.utc))
    stock.record_sale(sessions, [(bread, D(1))],
                      at=datetime(2026, 5, 3, 23, 59, 59, tzinfo=timezone.utc))
    days = lambda body: [s["created_at"][:10] for s in body["items"]]  # noqa: E731
    assert days(api.ok("GET", "/sales?from=2026-05-02&to=2026-05-02")) == ["2026-05-02"] * 2
    assert days(api.ok("GET", "/sales?from=2026-05-03")) == ["2026-05-03"] * 2
    assert days(api.ok("GET", "/sales?to=2026-05-01")) == ["2026-05-01"]
    assert api.ok("GET", "/sales?from=2026-06-01")["items"] == []
    first = api.ok("GET", "/sales?limit=3")
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = api.ok("GET", f"/sales?limit=3&cursor={first['next_cursor']}")
    assert second["next_cursor"] is None and len(second["items"]) == 2
    ids = [s["id"] for s in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    for query in ("from=2026-13-01", "to=tomorrow", "from=", "limit=0", "cursor=%%%"):
        error_of(api.get(f"/sales?{query}"), 422, "validation_error")


def test_lists_page_through_every_item_once(api, bakery):
    ids = [bakery.material(f"M{i}") for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        body = api.ok("GET", "/materials?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += [m["id"] for m in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 3
    assert len(api.ok("GET", "/materials?limit=500")["items"]) == 7
    assert len(api.ok("GET", "/materials")["items"]) == 7
    for bad in ("0", "501", "-1", "abc", "2.5", "", "%D9%A3", "+5", "99999999999999999999999"):
        assert "limit" in error_of(api.get(f"/materials?limit={bad}"), 422)["details"], bad
    import base64

    forged = [base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
              for text in ("id:99999999999999999999", "id:-5", "id: 7", "id:\u0663", "id:0")]
    for bad in ("nonsense", "aWQ6YWJj", "Zm9vOjE", *forged):  # garbage, "id:abc", "foo:1"
        assert "cursor" in error_of(api.get(f"/materials?cursor={bad}"), 422)["details"], bad
    for path in ("/products", "/recipes", "/production-runs", "/sales", "/stock-moves", "/users"):
        error_of(api.get(f"{path}?limit=501"), 422)
        error_of(api.get(f"{path}?cursor=%21"), 422)
        assert api.ok("GET", f"{path}?limit=1")["items"] is not None


def test_idempotent_sale_replays_the_first_response(api, bakery, unchanged):
    bread = bakery.stocked_bread(5)
    body = {"items": [{"product_id": bread, "quantity": 2}]}
    key = {"Idempotency-Key": "till-3-0042"}
    first = api.ok("POST", "/sales", 201, json=body, headers=key)
    with unchanged():
        assert api.ok("POST", "/sales", 201, json=body, headers=key) == first
        error_of(api.post("/sales", json={"items": [{"product_id": bread, "quantity": 1}]},
                          headers=key), 409, "conflict")
        error_of(api.post("/sales", json=body, headers={"Idempotency-Key": ""}), 422)
        error_of(api.post("/sales", json=body, headers={"Idempotency-Key": "k" * 256}), 422)
    assert api.ok("POST", "/sales", 201, json=body, headers={"Idempotency-Key": "other"})["id"] != \
        first["id"]


def test_idempotent_production_and_batches_replay(api, bakery, unchanged):
    flour = bakery.material()
    key = {"Idempotency-Key": "delivery-2026-11-28"}
    delivery = {"quantity": "10", "cost_per_unit": "1.00", "purchase_date": "2026-11-28"}
    batch = api.ok("POST", f"/materials/{flour}/batches", 201, json=delivery, headers=key)
    recipe = bakery.recipe(bakery.product(), {flour: "1"})
    run = api.ok("POST", "/production-runs", 201, json={"recipe_id": recipe, "batches": 2},
                 headers={"Idempotency-Key": "bake-7"})
    other = bakery.material("Other")
    with unchanged():
        assert api.ok("POST", f"/materials/{flour}/batches", 201, json=delivery,
                      headers=key)["id"] == batch["id"]
        assert api.ok("POST", "/production-runs", 201, json={"recipe_id": recipe, "batches": 2},
                      headers={"Idempotency-Key": "bake-7"}) == run
        error_of(api.post("/production-runs", json={"recipe_id": recipe, "batches": 3},
                          headers={"Idempotency-Key": "bake-7"}), 409, "conflict")
        error_of(api.post(f"/materials/{other}/batches", json=delivery, headers=key), 409)


def test_adjustments_write_the_ledger(api, bakery, unchanged):
    flour = bakery.material()
    bakery.batch(flour, "5", "1.20")
    bread = bakery.stocked_bread(3)
    waste = api.ok("POST", "/stock-adjustments", 201, json={
        "material_id": flour, "quantity_delta": "-1.25", "reason": "waste", "note": "wet sack"})
    assert (waste["material_id"], waste["product_id"], waste["quantity_delta"], waste["reason"],
            waste["note"]) == (flour, None, "-1.250", "waste", "wet sack")
    api.ok("POST", "/stock-adjustments", 201,
           json={"product_id": bread, "quantity_delta": 2, "reason": "count"})
    assert api.ok("GET", f"/materials/{flour}")["on_hand"] == "3.750"
    assert api.ok("GET", f"/products/{bread}")["on_hand"] == "5.000"
    moves = api.ok("GET", f"/stock-moves?material_id={flour}")["items"]
    assert [(m["delta"], m["reason"], m["ref"]) for m in moves] == [
        ("-1.250", "waste", f"adjustment:{waste['id']}"), ("5.000", "purchase", moves[1]["ref"])]
    assert all(m["material_id"] == flour for m in moves)
    product_moves = api.ok("GET", f"/stock-moves?product_id={bread}")["items"]
    assert sum(D(m["delta"]) for m in product_moves) == D(5)
    assert len(api.ok("GET", "/stock-moves")["items"]) >= len(moves) + len(product_moves)
    with unchanged():
        error_of(api.post("/stock-adjustments", json={
            "material_id": flour, "quantity_delta": "-3.751", "reason": "waste"}),
            409, "insufficient_stock")
        for body in ({"material_id": flour, "quantity_delta": "0", "reason": "waste"},
                     {"material_id": flour, "quantity_delta": "-1", "reason": "theft"},
                     {"quantity_delta": "-1", "reason": "waste"},
                     {"material_id": flour, "product_id": bread, "quantity_delta": "1",
                      "reason": "count"},
                     {"material_id": 999, "quantity_delta": "-1", "reason": "waste"},
                     {"product_id": 999, "quantity_delta": "1", "reason": "count"},
                     {"material_id": flour, "quantity_delta": "1", "reason": "count",
                      "note": "n" * 1001}):
            error_of(api.post("/stock-adjustments", json=body), 422, "validation_error")
        error_of(api.get(f"/stock-moves?material_id={flour}&product_id={bread}"), 422)
        error_of(api.get("/stock-moves?material_id=abc"), 422)
        error_of(api.get("/stock-moves?material_id=0"), 422)
        assert api.ok("GET", "/stock-moves?material_id=999")["items"] == []


def test_sales_report_by_day_and_by_product(api, bakery, sessions):
    bread = bakery.stocked_bread(20, price="3.00")  # cost 1.00 each
    bun = bakery.stocked_bread(20, price="0.50")
    stock.record_sale(sessions, [(bread, D(2)), (bun, D(4))],
                      at=datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    stock.record_sale(sessions, [(bread, D(1))], at=datetime(2026, 4, 2, 23, tzinfo=timezone.utc))
    stock.record_sale(sessions, [(bread, D(5))], at=datetime(2026, 4, 3, 0, tzinfo=timezone.utc))
    by_day = api.ok("GET", "/reports/sales?from=2026-04-01&to=2026-04-02")
    assert [(r["key"], r["quantity"], r["revenue"], r["cost"], r["margin"])
            for r in by_day["rows"]] == [("2026-04-01", "6.000", "8.00", "6.00", "2.00"),
                                         ("2026-04-02", "1.000", "3.00", "1.00", "2.00")]
    assert by_day["totals"] == {"quantity": "7.000", "revenue": "11.00", "cost": "7.00",
                                "margin": "4.00", "margin_percent": "36.36", "refunds": "0.00", "tax": "0.00"}
    by_product = api.ok("GET", "/reports/sales?from=2026-04-01&to=2026-04-30&group_by=product")
    assert [(r["product_id"], r["quantity"], r["revenue"]) for r in by_product["rows"]] == [
        (bread, "8.000", "24.00"), (bun, "4.000", "2.00")]
    for query in ("", "from=2026-04-01", "from=2026-04-02&to=2026-04-01",
                  "from=2026-04-01&to=2026-04-02&group_by=week", "from=x&to=y",
                  "from=2000-01-01&to=2026-01-01", "from=2026-04-01&to=2026-04-02&extra=1"):
        error_of(api.get(f"/reports/sales?{query}"), 422, "validation_error")
    today = date.today()  # noqa: DTZ011 - any day far enough ahead
    empty = api.ok("GET", f"/reports/sales?from={today + timedelta(days=400)}"
                          f"&to={today + timedelta(days=401)}")
    assert empty == {"rows": [], "totals": {"quantity": "0.000", "revenue": "0.00",
                                            "cost": "0.00", "margin": "0.00",
                                            "margin_percent": None, "refunds": "0.00", "tax": "0.00"}}


def test_a_new_batch_run_and_sale_answer_as_they_read_back(api, bakery):
    flour = bakery.material()
    batch = bakery.batch(flour, "10", "1.25", "2026-11-28")
    assert api.ok("GET", f"/materials/{flour}")["batches"] == [batch]
    bread = bakery.product(price="2.50")
    run = bakery.bake(bakery.recipe(bread, {flour: "1.5"}, yield_quantity="4"), 2)
    assert api.ok("GET", f"/production-runs/{run['id']}") == run
    sale = bakery.sell({bread: "3"})
    assert api.ok("GET", f"/sales/{sale['id']}") == sale
