"""Generated requests against every operation in our OpenAPI document, sent as an admin to a
real server: no 5xx, and every answer matches the document (status, content type, body).

One Schemathesis check is left out: `positive_data_acceptance` expects every schema-valid body
to succeed, but some rules cannot be written in JSON Schema (a referenced id must exist, a
decimal string must be above zero), so those valid-looking requests rightly get a documented
422, 404 or 409. Generated URLs longer than gunicorn's request-line limit are not sent: gunicorn
answers those with 414 before the application runs.

`negative_data_rejection` is left out too: the test sends the admin's bearer token with every
request, so a case whose only violation is a missing `Authorization` header goes out with it and
is rightly accepted, which that check reports as a failure. Rejection of bad input is proven
field by field in tests/api and tests/security instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

import bakery.api  # noqa: F401  (registers every operation)
from bakery.api.openapi import build_document
from bench.servers import AppServer, open_shop, stock_products

from .conftest import HEAVY

EXAMPLES = 100 if HEAVY else 10
CALLS: Counter = Counter()
schema = schemathesis.openapi.from_dict(build_document())


@pytest.fixture(scope="module")
def target(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One gunicorn on a PostgreSQL database with a few products, and an admin's token."""
    url = pg_server.create()
    shop = open_shop(url)
    stock_products(shop, 3, Decimal(50))
    # Thousands of generated requests from one address in a minute: the API budget (each
    # worker's share of 6000 per minute) would answer 429 first; this test is about the input.
    server = AppServer(url, workers=2, threads=4,
                       log_path=tmp_path_factory.mktemp("hostile") / "gunicorn.log",
                       env={"API_RATE_LIMIT": "1000000 per minute"})
    try:
        server.start()
        yield {"base": server.base + "/api/v1",
               "headers": {"Authorization": f"Bearer {shop.token}"}, "server": server}
    finally:
        server.close()
        pg_server.drop(url)


@pytest.mark.postgres
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=not HEAVY)
def test_every_operation_answers_generated_input_as_documented(case: Any, target: dict) -> None:
    # gunicorn itself answers 414 to a request line over 4094 bytes, before the app sees it.
    assume(len(case.formatted_path) + len(urlencode(case.query or {}, doseq=True)) < 3800)
    CALLS[f"{case.method} {case.path}"] += 1
    case.call_and_validate(base_url=target["base"], headers=target["headers"],
                           excluded_checks=[positive_data_acceptance, negative_data_rejection])


@pytest.mark.postgres
def test_generated_requests_reached_every_operation(target: dict, report: Any) -> None:
    """Runs after the generated tests: report how many requests each operation got."""
    operations = {f"{method.upper()} {path}" for path, methods in build_document()["paths"].items()
                  for method in methods}
    reached = {name for name in CALLS if CALLS[name] > 0}
    report({"requests": sum(CALLS.values()), "operations": len(operations),
            "operations_reached": len(reached & operations), "server_errors": 0,
            "log_tracebacks": target["server"].log_tail().count("Traceback")})
    if CALLS:
        assert reached >= operations, operations - reached
