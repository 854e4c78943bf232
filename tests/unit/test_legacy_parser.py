"""Reading the earlier app's bakery_data.json: both formats, float noise, dates, refusals."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bakery.domain.legacy import LegacyFileRejected, load_legacy_json, parse_legacy

STAND_IN = date(2026, 3, 1)

WEB = {
    "materials": {"Flour": {"unit": "kg", "min_quantity": 10.0, "batches": [
        {"quantity": 28.100000000000037, "cost_per_unit": 0.8, "purchase_date": "2024-01-15"},
        {"quantity": 5.0, "cost_per_unit": 0.9, "purchase_date": ""}]}},
    "recipes": {"Bread": {"batch_size": 10, "ingredients": [{"material": "Flour", "quantity": 5.0}]}},
    "products": {"Bread": {"quantity": 12, "price": 3.5}},
    "sales": [{"product": "Bread", "quantity": 3, "price": 2.2, "total": 6.6000000000000005,
               "date": "2024-01-15 10:30:00"}],
}
CLI = {
    "materials": {"Flour": {"unit": "kg", "min_threshold": 10.0, "batches": [
        {"quantity": 28.100000000000037, "cost_per_unit": 0.8, "purchase_date": "2024-01-15"}]}},
    "recipes": {"Bread": {"batch_size": 10, "ingredients": {"Flour": 5.0}}},
    "products": {"Bread": {"quantity": 12, "price": 3.5}},
    "sales": [{"product": "Bread", "quantity": 3, "price_per_unit": 2.2,
               "total": 6.6000000000000005, "date": "2024-01-15"}],
}


def parse(document, **kwargs):
    return parse_legacy(document, missing_date=STAND_IN, **kwargs)


def refusal(document) -> dict[str, str]:
    with pytest.raises(LegacyFileRejected) as caught:
        parse(document)
    return dict(caught.value.problems)


def test_web_format_reads_with_float_noise_rounded_to_the_stored_scale():
    data = parse(WEB)
    assert data.format == "web"
    flour = data.materials[0]
    assert flour.min_quantity == Decimal("10.000")
    assert [b.quantity for b in flour.batches] == [Decimal("28.100"), Decimal("5.000")]
    assert data.recipes[0].ingredients == (("Flour", Decimal("5.000")),)
    assert data.recipes[0].yield_quantity == Decimal("10")
    sale = data.sales[0]
    assert (sale.quantity, sale.unit_price, sale.total) == (Decimal("3"), Decimal("2.20"),
                                                            Decimal("6.60"))
    assert sale.at == datetime(2024, 1, 15, 10, 30, tzinfo=timezone.utc)


def test_cli_format_reads_the_same_bakery():
    web, cli = parse(WEB), parse(CLI)
    assert cli.format == "cli"
    assert cli.recipes == web.recipes
    assert cli.products == web.products
    assert cli.materials[0].batches[0] == web.materials[0].batches[0]


def test_a_date_without_a_time_is_noon_so_it_stays_on_its_day():
    assert parse(CLI).sales[0].at == datetime(2024, 1, 15, 12, 0, tzinfo=timezone.utc)


def test_sale_times_are_read_in_the_shops_time_zone_and_stored_in_utc():
    data = parse(WEB, zone=ZoneInfo("Europe/Berlin"))
    assert data.sales[0].at == datetime(2024, 1, 15, 9, 30, tzinfo=timezone.utc)


def test_an_empty_purchase_date_takes_the_stand_in_date_and_says_so():
    data = parse(WEB)
    second = data.materials[0].batches[1]
    assert (second.purchase_date, second.date_supplied) == (STAND_IN, False)
    assert any("without a purchase date" in note for note in data.notes)


def test_cli_file_without_sales_and_a_recipe_never_baked():
    document = json.loads(json.dumps(CLI))
    del document["sales"]
    del document["products"]
    data = parse(document)
    assert data.sales == []
    assert [(p.name, p.price, p.quantity) for p in data.products] == [("Bread", 0, 0)]


def test_emptied_batches_are_left_out():
    document = json.loads(json.dumps(WEB))
    document["materials"]["Flour"]["batches"][1]["quantity"] = 0.0
    assert len(parse(document).materials[0].batches) == 1


def test_a_product_known_only_from_sales_is_created_at_its_latest_price():
    document = json.loads(json.dumps(WEB))
    document["sales"] += [
        {"product": "Old cake", "quantity": 1, "price": 4.0, "total": 4.0, "date": "2023-01-01 09:00:00"},
        {"product": "Old cake", "quantity": 1, "price": 4.5, "total": 4.5, "date": "2023-06-01 09:00:00"}]
    data = parse(document)
    cake = next(p for p in data.products if p.name == "Old cake")
    assert (cake.price, cake.quantity) == (Decimal("4.50"), 0)
    assert any("Old cake" in note for note in data.notes)


def test_a_missing_total_is_quantity_times_price():
    document = json.loads(json.dumps(WEB))
    del document["sales"][0]["total"]
    assert parse(document).sales[0].total == Decimal("6.60")


@pytest.mark.parametrize("change, entry, reason", [
    (lambda d: d["recipes"]["Bread"]["ingredients"].append({"material": "Rye", "quantity": 1}),
     'recipes["Bread"].ingredients[1]', "unknown material 'Rye'"),
    (lambda d: d["materials"]["Flour"]["batches"][0].update(quantity=-2.5),
     'materials["Flour"].batches[0].quantity', "must not be negative"),
    (lambda d: d["products"]["Bread"].update(price="cheap"),
     'products["Bread"].price', "must be a number"),
    (lambda d: d["sales"][0].update(quantity=True),
     "sales[0].quantity", "must be a number, got true/false"),
    (lambda d: d["sales"][0].update(quantity=0),
     "sales[0].quantity", "greater than zero"),
    (lambda d: d["sales"][0].update(date="15/01/2024"),
     "sales[0].date", "is not a date"),
    (lambda d: d["materials"]["Flour"].update(batches={"quantity": 1}),
     'materials["Flour"].batches', "must be a list"),
    (lambda d: d["recipes"]["Bread"].update(batch_size=0),
     'recipes["Bread"].batch_size', "greater than zero"),
    (lambda d: d["materials"].update(flour=d["materials"]["Flour"]),
     'materials["flour"]', "only in letter case"),
    (lambda d: d["materials"]["Flour"].update(unit=None),
     'materials["Flour"].unit', "must be text"),
    (lambda d: d["materials"]["Flour"]["batches"][0].update(quantity=1e20),
     'materials["Flour"].batches[0].quantity', "too large"),
    (lambda d: d["sales"][0].update(product="Bre\ud800ad"),
     "sales[0].product", "not valid Unicode"),
    (lambda d: d.update(sales={"0": {}}), "sales", "must be a list"),
])
def test_a_wrong_entry_is_named_with_its_reason(change, entry, reason):
    document = json.loads(json.dumps(WEB))
    change(document)
    problems = refusal(document)
    assert entry in problems, problems
    assert reason in problems[entry]


def test_every_problem_is_reported_not_only_the_first():
    document = json.loads(json.dumps(WEB))
    document["materials"]["Flour"]["batches"][0]["quantity"] = -1
    document["sales"][0]["quantity"] = -3
    assert len(refusal(document)) == 2


@pytest.mark.parametrize("raw, reason", [
    (b'{"materials": ', "not valid JSON"),
    (b'{"materials": {"Flour": NaN}}', "NaN"),
    (b'{"materials": {}, "materials": {}}', "appears twice"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000, "not valid JSON"),
])
def test_broken_json_is_refused_with_where(raw, reason):
    with pytest.raises(LegacyFileRejected) as caught:
        load_legacy_json(raw)
    assert reason in caught.value.message


def test_a_file_that_is_not_an_object_is_refused():
    assert "must hold a JSON object" in refusal([1, 2])["file"]


def test_unknown_top_level_sections_are_noted_not_silently_dropped():
    document = dict(WEB, production_log=[])
    assert any("production_log" in note for note in parse(document).notes)
