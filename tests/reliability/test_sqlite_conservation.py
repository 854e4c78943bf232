"""The embedded default: several gunicorn workers on one SQLite file, clients selling and baking
against scarce stock; the same audit as on PostgreSQL."""

from __future__ import annotations

from tests.conftest import sqlite_copy

from .load import Load, audit, scarce_bakery


def test_sqlite_with_several_workers_neither_loses_nor_invents_stock(
        sqlite_template, tmp_path, start_servers, heavy, report):
    url = sqlite_copy(sqlite_template, tmp_path)
    shop = scarce_bakery(url, products=4, loaves=200 if heavy else 24,
                         flour_per_batch="80" if heavy else "25")
    [server] = start_servers(url, count=1, workers=3, threads=2)
    load = Load([server.base], shop, clients=16, requests_per_client=100 if heavy else 15).run()

    statuses = load.statuses()
    figures = audit(url, load, exact=True)
    report({"workers": 3, "clients": 16, "requests": len(load.answers),
            "statuses": dict(statuses), **figures})

    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] > 0 and statuses[409] > 0, "the stock must run out during the load"
    assert figures["problems"] == {}
