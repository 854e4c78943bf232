"""kill -9 every app process in the middle of the load, start them again: every acknowledged
sale and production run is there, and nothing half-written exists."""

from __future__ import annotations

import time

from .load import Load, audit, scarce_bakery


def _acknowledged(load: Load) -> int:
    return len(load.acknowledged("sale")) + len(load.acknowledged("run"))


def _wait_for_progress(load: Load, more: int = 40, timeout: float = 60.0) -> None:
    """Block until `more` further sales or runs were acknowledged."""
    target = _acknowledged(load) + more
    deadline = time.monotonic() + timeout
    while _acknowledged(load) < target:
        assert time.monotonic() < deadline, f"no progress: {load.statuses()}"
        time.sleep(0.02)


def test_killing_every_app_process_mid_load_loses_no_acknowledged_sale(
        pg_url, start_servers, heavy, report):
    shop = scarce_bakery(pg_url, products=4, loaves=400, flour_per_batch="400")
    servers = start_servers(pg_url, count=3, workers=1, threads=4)
    rounds = 3 if heavy else 1
    load = Load([s.base for s in servers], shop, clients=16,
                requests_per_client=10_000, timeout=20)
    threads = load.start()
    killed = 0
    try:
        for _ in range(rounds):
            _wait_for_progress(load)
            for server in servers:
                killed += len(server.worker_pids()) + 1
                server.kill()
            for server in servers:
                server.start()
        _wait_for_progress(load)  # the restarted servers take sales again
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)

    statuses = load.statuses()
    figures = audit(pg_url, load, exact=False)
    report({"instances": 3, "clients": 16, "kill_rounds": rounds, "processes_killed": killed,
            "requests": len(load.answers), "statuses": dict(statuses), **figures})

    assert statuses[0] > 0, "the kill must cut requests in flight"
    assert not [s for s in statuses if s >= 500], statuses
    assert figures["problems"] == {}
