"""What the benchmarks share: the machine, wrk and pgbench runs, result tables.

Every benchmark talks only to 127.0.0.1, creates its own uniquely named PostgreSQL database
(dropped at the end) or SQLite file, and runs for a bounded time.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import (  # re-exported for the scripts
    AppServer,
    PgDatabases,
    Shop,
    http,
    open_shop,
    stock_products,
)

__all__ = [
    "BENCH_ENV",
    "ROOT",
    "AppServer",
    "PgDatabases",
    "Shop",
    "bench_database",
    "cpu_seconds",
    "http",
    "machine",
    "open_shop",
    "percentile",
    "pgbench_binary",
    "psql_url",
    "run_pgbench",
    "run_wrk",
    "run_wrk_get",
    "sell_exactly",
    "stock_products",
    "table",
]

ROOT = Path(__file__).resolve().parent.parent
SALE_LUA = ROOT / "bench" / "sale.lua"
# The API's per-client limit (API_RATE_LIMIT, 6000 per minute) would refuse a load generator
# on one address within seconds. The limiter still runs on every request, with a budget the
# benchmarks never reach, so its cost stays in the figures.
BENCH_ENV = {"API_RATE_LIMIT": "1000000000 per minute"}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if not found:
        sys.exit(f"{tool} is missing: {hint}")
    return found


def pgbench_binary() -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return need("pgbench", "install postgresql-contrib (make bench-deps)")


def psql_url(sqlalchemy_url: str) -> str:
    """A libpq URL from a SQLAlchemy one."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", sqlalchemy_url)


def sell_exactly(base: str, shop: Shop, count: int, products: list[int],
                 connections: int = 8) -> dict[str, int]:
    """Record exactly `count` one-unit sales over keep-alive connections (wrk runs by time)."""
    import http.client
    import threading
    from collections import Counter
    from urllib.parse import urlsplit

    host = urlsplit(base)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        headers = {**shop.headers, "Content-Type": "application/json"}
        for index in range(number, count, connections):
            body = json.dumps({"items": [{"product_id": products[index % len(products)],
                                          "quantity": "1"}]})
            try:
                connection.request("POST", "/api/v1/sales", body, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
                status = 0
            with lock:
                statuses[status] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(statuses)


def run_wrk(base: str, shop: Shop, connections: int, seconds: int, products: list[int],
            quantity: str = "1", extra: str = "") -> dict[str, Any]:
    """Drive POST /api/v1/sales with wrk; returns the figures its Lua script prints.

    `extra` is JSON appended to each sale's body (payments, a till session)."""
    env = {"BAKERY_TOKEN": shop.token, "BAKERY_PRODUCTS": ",".join(map(str, products)),
           "BAKERY_QUANTITY": quantity, "BAKERY_EXTRA": extra}
    return _wrk(base, SALE_LUA, connections, seconds, env)


def run_wrk_get(url: str, connections: int, seconds: int,
                token: str | None = None) -> dict[str, Any]:
    """GET one URL with wrk (bench/sale.lua with BAKERY_GET), as a bearer of `token` if given:
    the same figures as run_wrk, 2xx counted as created."""
    headers = (f"Authorization: Bearer {token}",) if token else ()
    return _wrk(url, SALE_LUA, connections, seconds, {"BAKERY_GET": "1"}, headers)


def _wrk(url: str, script: Path, connections: int, seconds: int,
         env: dict[str, str], headers: tuple[str, ...] = ()) -> dict[str, Any]:
    wrk = need("wrk", "apt-get install wrk (make bench-deps)")
    threads = min(connections, 2)
    out = subprocess.run(
        [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         *(arg for header in headers for arg in ("-H", header)), "-s", str(script), url],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=seconds + 120,
        check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("BAKERY_RESULT "))
    result = json.loads(line.split(" ", 1)[1])
    result["rate"] = result["created"] / (result["duration_us"] / 1e6)
    return result


def run_pgbench(url: str, scripts: Path | list[Path], clients: int, seconds: int,
                variables: dict[str, Any]) -> dict[str, Any]:
    """Run a pgbench script; returns transactions/s, p50/p99 latency (from the per-transaction log)."""
    with tempfile.TemporaryDirectory(prefix="bakery-pgbench-") as folder:
        args = [pgbench_binary(), "-n", "-M", "prepared", "-c", str(clients),
                "-j", str(min(clients, 2)), "-T", str(seconds), "-l", "--log-prefix", f"{folder}/tx"]
        for script in scripts if isinstance(scripts, list) else [scripts]:
            args += ["-f", str(script)]
        for name, value in variables.items():
            args += ["-D", f"{name}={value}"]
        done = subprocess.run(args + [psql_url(url)], capture_output=True, text=True,
                              timeout=seconds + 120)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
        latencies = []
        failed = 0
        for log in Path(folder).glob("tx*"):
            for row in log.read_text().split("\n"):
                parts = row.split()
                if len(parts) >= 3:
                    if parts[2] in ("failed", "skipped"):
                        failed += 1
                    else:
                        latencies.append(int(parts[2]))
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", done.stdout).group(1))
    latencies.sort()
    return {"rate": tps, "transactions": len(latencies), "failed": failed,
            "p50_us": percentile(latencies, 50), "p99_us": percentile(latencies, 99)}


@contextmanager
def bench_database(sqlite: bool = False) -> Iterator[str]:
    """A fresh, migrated database: a uniquely named one on the local PostgreSQL server (dropped
    afterwards), or a SQLite file in a temporary folder."""
    if not sqlite:
        databases = PgDatabases(prefix="bakery_bench")
        try:
            yield databases.create()
        finally:
            databases.drop_all()
        return
    from bakery.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bakery-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bakery.db'}"
        upgrade(url)
        yield url


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return float(sorted_values[index])


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (what docs/benchmarks.md shows)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, cells)])


def ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f}"
