"""gunicorn settings used by `bakery serve`; every value can be overridden from the environment.

WEB_CONCURRENCY worker processes (`bakery serve` passes its default, two per CPU), GUNICORN_THREADS
threads each (default 1: gunicorn's sync worker; more than one selects the threaded gthread
worker), GUNICORN_TIMEOUT for a stuck worker, GUNICORN_GRACEFUL_TIMEOUT for requests in flight when
SIGTERM arrives: gunicorn stops accepting, lets every worker finish what it is serving, then exits.

Why sync workers by default (measured, docs/benchmarks.md "Choosing the server"): a sync worker
takes one connection at a time from the socket all workers share, so requests queue in the kernel
in arrival order and every free worker takes the next one. A threaded worker keeps the
connections it accepted: with several kept-alive connections (a proxy, tills, a load generator)
one worker often held most of them while the other idled, and requests waited behind one GIL.
At 16 connections on 2 cores, 4 sync workers gave the same throughput as 2 x 4 threads with
about half the p99 (35 against 62 ms), and a stuck request is ended by GUNICORN_TIMEOUT, which
the threaded worker cannot do. Sync workers answer without keep-alive: put a proxy in front
(nginx, a platform's router), as for any production setup.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _log_format() -> str:
    env = (os.environ.get("BAKERY_ENV") or os.environ.get("FLASK_ENV") or "development").lower()
    return os.environ.get("LOG_FORMAT") or ("json" if env == "production" else "text")


workers = _env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))
# One request at a time per worker process (the sync worker). Threads (GUNICORN_THREADS > 1)
# overlap waits on the database within a process, for platforms that send many concurrent
# requests to a small instance; each worker's pool (DB_POOL_SIZE + DB_MAX_OVERFLOW) covers them.
threads = _env_int("GUNICORN_THREADS", 1)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (jittered so they do not all restart together); 0 turns it off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0, minimum=0)
max_requests_jitter = max(max_requests // 10, 0)
# The heartbeat file lives in memory: no disk writes, and it works on a read-only root filesystem.
_SHM = "/dev/shm"  # nosec B108 - a tmpfs for gunicorn's heartbeat files, not shared data
worker_tmp_dir = _SHM if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK) else None
# Trust X-Forwarded-* only from the proxy in front (the load balancer or nginx).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = ('%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s '
                     '"%(a)s"')
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()
capture_output = False
# No control socket: several instances on one machine (and read-only root filesystems) must not
# contend for one socket path in the home directory.
control_socket_disable = True
proc_name = "bakery"

from bakery.logs import gunicorn_logconfig  # noqa: E402  (after the plain settings above)

logconfig_dict = gunicorn_logconfig(_log_format(), loglevel.upper())


def on_starting(server: Any) -> None:
    """Empty the metrics folder: figures of a previous run must not be added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for entry in path.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def on_exit(server: Any) -> None:
    """Remove the metrics folder `bakery serve` made for this run (never one given to us)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.environ.get("BAKERY_METRICS_DIR_IS_TEMPORARY") == "1":
        shutil.rmtree(folder, ignore_errors=True)


def post_fork(server: Any, worker: Any) -> None:
    """A worker must never reuse connections opened before the fork (with preload_app)."""
    wsgi = sys.modules.get("bakery.wsgi")
    if wsgi is not None:
        wsgi.app.extensions["bakery.engine"].dispose(close=False)


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: drop its live gauges (pool connections) from the metrics."""
    from bakery.observability import mark_worker_dead

    mark_worker_dead(worker.pid)


def worker_int(worker: Any) -> None:
    worker.log.info("worker %s interrupted", worker.pid)
