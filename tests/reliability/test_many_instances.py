"""Three app instances on one PostgreSQL database, many clients, scarce stock: nothing is lost,
nothing is invented, nothing goes below zero."""

from __future__ import annotations

from collections import Counter

from .load import Load, audit, scarce_bakery


def test_three_instances_sell_and_bake_scarce_stock_without_losing_or_inventing_any(
        pg_url, start_servers, heavy, report):
    shop = scarce_bakery(pg_url, products=4, loaves=400 if heavy else 24,
                         flour_per_batch="150" if heavy else "25")
    servers = start_servers(pg_url, count=3, workers=1, threads=4)
    load = Load([s.base for s in servers], shop, clients=32,
                requests_per_client=100 if heavy else 12).run()

    statuses = load.statuses()
    figures = audit(pg_url, load, exact=True)
    by_kind = Counter((a.kind, a.status) for a in load.answers)
    report({"instances": 3, "clients": 32, "requests": len(load.answers),
            "statuses": dict(statuses), "by_kind": {f"{k}:{s}": n for (k, s), n in by_kind.items()},
            **figures})

    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] > 0 and statuses[409] > 0, "the stock must run out during the load"
    assert all(a.body["error"]["code"] == "insufficient_stock"
               for a in load.answers if a.status == 409)
    assert figures["problems"] == {}
