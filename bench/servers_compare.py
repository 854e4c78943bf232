"""Choose the production server by measurement: the same sales through each candidate server.

    make bench-servers        (installs the candidates into .venv/servers, then runs this)
    .venv/servers/bin/python bench/servers_compare.py [--seconds 10] [--rounds 3] [--only NAME]

Every candidate serves bakery.wsgi:app on one PostgreSQL database (created here, dropped at the
end) and takes POST /api/v1/sales from wrk at 16 connections; right after each server's turn,
pgbench runs the same sale in SQL (bench/sale.pgbench) at 16 clients, so each figure has its own
baseline from the same minute. The candidates take turns in rounds, so a slow spell of the
machine falls on all of them. Per candidate it prints the median over the rounds of sales/s,
the ratio to pgbench, p50/p99, the app's CPU per sale (every process of the server, from
/proc), the memory (RSS summed over the server's processes) after the run, the lightest
authenticated GET against pgbench, and how long the server took to stop on SIGTERM with
requests in flight.

The candidates are installed only into the benchmark's own virtual environment (.venv/servers):
the app depends on the one server it ships with. Every candidate writes its access log (to
test-artifacts/bench-servers.log), as it would in production.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from common import (
    BENCH_ENV,
    ROOT,
    PgDatabases,
    cpu_seconds,
    http,
    machine,
    ms,
    open_shop,
    run_wrk,
    run_wrk_get,
    stock_products,
    table,
)
from servers import free_port
from sqlalchemy import create_engine, text

BIN = Path(sys.executable).parent
CONNECTIONS = 16


@dataclass
class Candidate:
    name: str
    argv: list[str]  # {port} is replaced by the port
    processes: int  # worker processes (the API budget is shared between them)
    results: list[dict] = field(default_factory=list)


def candidates() -> list[Candidate]:
    gunicorn = [str(BIN / "gunicorn"), "--config", "python:bakery.gunicorn_conf",
                "--bind", "127.0.0.1:{port}"]
    granian = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", "{port}", "--access-log", "--log-level", "warning"]
    uwsgi = [str(BIN / "uwsgi"), "--http11-socket", "127.0.0.1:{port}", "--module",
             "bakery.wsgi:app", "--master", "--die-on-term",
             "--need-app", "--lazy-apps", "--virtualenv", sys.prefix,
             "--enable-threads", "--single-interpreter", "--harakiri", "30"]
    return [
        Candidate("gunicorn gthread 2x4", [*gunicorn, "--workers", "2", "--threads", "4",
                                           "bakery.wsgi:app"], 2),
        Candidate("gunicorn gthread 2x4, 8 conns/worker",
                  [*gunicorn, "--workers", "2", "--threads", "4", "--worker-connections", "8",
                   "bakery.wsgi:app"], 2),
        # Python hands the GIL over every 5 ms by default; a thread whose database answer has
        # arrived waits for the running one. A shorter interval trades a little CPU for latency.
        Candidate("gunicorn gthread 2x4, GIL switch 1 ms",
                  [sys.executable, "-c", "import sys; sys.setswitchinterval(0.001); "
                   "from gunicorn.app.wsgiapp import run; sys.argv[0] = 'gunicorn'; run()",
                   *gunicorn[1:], "--workers", "2", "--threads", "4", "bakery.wsgi:app"], 2),
        Candidate("gunicorn gthread 4x2", [*gunicorn, "--workers", "4", "--threads", "2",
                                           "bakery.wsgi:app"], 4),
        Candidate("gunicorn sync x4", [*gunicorn, "--workers", "4", "--threads", "1",
                                       "bakery.wsgi:app"], 4),
        Candidate("gunicorn sync x3", [*gunicorn, "--workers", "3", "--threads", "1",
                                       "bakery.wsgi:app"], 3),
        Candidate("gunicorn sync x5", [*gunicorn, "--workers", "5", "--threads", "1",
                                       "bakery.wsgi:app"], 5),
        Candidate("gunicorn sync x8", [*gunicorn, "--workers", "8", "--threads", "1",
                                       "bakery.wsgi:app"], 8),
        Candidate("granian 2x4", [*granian, "--workers", "2", "--blocking-threads", "4",
                                  "bakery.wsgi:app"], 2),
        Candidate("uWSGI 4x2", [*uwsgi, "--processes", "4", "--threads", "2"], 4),
        Candidate("uWSGI 4x1", [*uwsgi, "--processes", "4"], 4),
    ]


def tree(root: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def start(candidate: Candidate, url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "BAKERY_ENV": "production",
           "SECRET_KEY": secrets.token_hex(32), "LOG_LEVEL": "WARNING",
           "WEB_CONCURRENCY": str(candidate.processes), **BENCH_ENV}
    env.pop("CI", None)
    argv = [arg.replace("{port}", str(port)) for arg in candidate.argv]
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{candidate.name} exited: {log.read_text()[-2000:]}")
        if http("GET", base + "/readyz", timeout=2)[0] == 200:
            return process, base
        time.sleep(0.05)
    raise TimeoutError(f"{candidate.name} not ready: {log.read_text()[-2000:]}")


def stop_gracefully(process: subprocess.Popen, base: str, shop, products: list[int]) -> dict:
    """SIGTERM with sales in flight: seconds to exit, and how the in-flight sales ended."""
    statuses: list[int] = []

    def sell() -> None:
        statuses.append(http("POST", base + "/api/v1/sales", {
            "items": [{"product_id": products[0], "quantity": "1"}]}, shop.headers)[0])

    threads = [threading.Thread(target=sell) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.02)  # let the requests reach the server before the signal
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)  # to the main process, as a platform stops it
    try:
        process.wait(40)
        took = time.monotonic() - began
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        took = float("inf")
    for thread in threads:
        thread.join()
    return {"stop_s": took, "in_flight_ok": sum(1 for s in statuses if s == 201),
            "in_flight": len(statuses)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", help="run only candidates with this in the name")
    args = parser.parse_args()
    chosen = [c for c in candidates()
              if not args.only or any(word in c.name for word in args.only)]
    databases = PgDatabases(prefix="bakery_bench")
    log = ROOT / "test-artifacts" / "bench-servers.log"
    log.parent.mkdir(exist_ok=True)
    try:
        url = databases.create()
        shop = open_shop(url)
        products = stock_products(shop, 8, Decimal(5_000_000))
        engine = create_engine(url)
        with engine.connect() as connection:
            lots = dict(connection.execute(text(
                "SELECT product_id, min(id) FROM product_lots GROUP BY product_id")).all())
        engine.dispose()
        from sales_throughput import run_pgbench_spread

        script = ROOT / "bench" / "sale.pgbench"
        for round_ in range(args.rounds):
            for candidate in chosen:
                process, base = start(candidate, url, log)
                try:
                    run_wrk(base, shop, 4, 2, products)  # warm pools and statement caches
                    read = run_wrk_get(f"{base}/api/v1/users/{shop.user_id}", CONNECTIONS,
                                       max(args.seconds // 2, 3), shop.token)
                    pids = tree(process.pid)
                    before = cpu_seconds(pids)
                    sale = run_wrk(base, shop, CONNECTIONS, args.seconds, products)
                    cpu = cpu_seconds(pids) - before
                    memory = rss_mb(tree(process.pid))
                    stopped = stop_gracefully(process, base, shop, products)
                finally:
                    if process.poll() is None:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait(10)
                direct = run_pgbench_spread(url, script, CONNECTIONS, args.seconds, lots,
                                            shop.user_id)
                candidate.results.append({
                    "rate": sale["rate"], "ratio": sale["rate"] / direct["rate"],
                    "p50_us": sale["p50_us"], "p99_us": sale["p99_us"],
                    "cpu_ms": cpu * 1000 / max(sale["created"], 1), "rss_mb": memory,
                    "read_ratio": read["rate"] / direct["rate"], "read_p99_us": read["p99_us"],
                    "failed": sale["other"] + sale["socket_errors"] + read["other"]
                    + read["socket_errors"], **stopped})
                print(f"round {round_ + 1} {candidate.name}: {sale['rate']:.0f}/s "
                      f"ratio {candidate.results[-1]['ratio']:.2f} p99 {ms(sale['p99_us'])} ms "
                      f"cpu {candidate.results[-1]['cpu_ms']:.2f} ms "
                      f"stop {stopped['stop_s']:.1f}s", flush=True)
    finally:
        databases.drop_all()

    def median(c: Candidate, key: str) -> float:
        return statistics.median(r[key] for r in c.results)

    rows = [[c.name, len(c.results), f"{median(c, 'rate'):.0f}", f"{median(c, 'ratio'):.2f}",
             f"{min(r['ratio'] for r in c.results):.2f}-{max(r['ratio'] for r in c.results):.2f}",
             ms(median(c, "p50_us")), ms(median(c, "p99_us")), f"{median(c, 'cpu_ms'):.2f}",
             f"{median(c, 'rss_mb'):.0f}", f"{median(c, 'read_ratio'):.2f}",
             ms(median(c, "read_p99_us")), f"{max(r['stop_s'] for r in c.results):.1f}",
             f"{sum(r['in_flight_ok'] for r in c.results)}/"
             f"{sum(r['in_flight'] for r in c.results)}",
             sum(r["failed"] for r in c.results)] for c in chosen]
    print(f"machine: {machine()}; {CONNECTIONS} connections, {args.seconds}s per turn")
    print(table(["server", "rounds", "sales/s", "sale/pgbench", "range", "p50 ms", "p99 ms",
                 "CPU ms/sale", "RSS MB", "read/pgbench", "read p99 ms", "SIGTERM stop s",
                 "in-flight sales ok", "failed"], rows))


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"took {time.monotonic() - started:.0f}s")
