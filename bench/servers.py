"""Real app servers and databases for the reliability suite and the benchmarks.

Plain Python (no pytest): the benchmarks use it, and so does tests/reliability. Everything listens on
127.0.0.1 on a port the OS picks: the parent binds the socket and hands it to gunicorn
(`--bind fd://N`), so there is no window in which another process could take the port, and a
restarted server gets the very same address.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.client import HTTPException
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("BAKERY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent


def listening_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, already listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def free_port() -> int:
    """A port nothing listens on right now (for servers that must bind it themselves)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: Any = None, headers: dict | None = None,
         timeout: float = 10.0) -> tuple[int, Any]:
    """One request; returns (status, parsed JSON or None). Network errors give status 0."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 - our own servers
        "Content-Type": "application/json", **(headers or {})})
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
    # A server killed mid-answer cuts the body short (IncompleteRead): not acknowledged either.
    except (OSError, urllib.error.URLError, HTTPException):
        return 0, None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class AppServer:
    """A gunicorn serving bakery.wsgi:app on a socket the parent owns."""

    database_url: str
    workers: int | None = 2
    threads: int | None = None
    env: dict = field(default_factory=dict)
    log_path: Path | None = None
    sock: socket.socket = field(default_factory=listening_socket)
    process: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 60.0) -> AppServer:
        env = {**os.environ, "DATABASE_URL": self.database_url, "BAKERY_ENV": "production",
               "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", secrets.token_hex(32)),
               "LOG_LEVEL": "WARNING"}
        if self.workers:
            env["WEB_CONCURRENCY"] = str(self.workers)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        env.update(self.env)
        env.pop("CI", None)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
        fd = self.sock.fileno()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "python:bakery.gunicorn_conf",
             "--bind", f"fd://{fd}", "--access-logfile", "/dev/null",
             "bakery.wsgi:app"],
            env=env, pass_fds=(fd,), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
        if out is not subprocess.DEVNULL:
            out.close()
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll /readyz until it answers 200 (or fail with the log tail)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            status, _ = http("GET", self.base + "/readyz", timeout=2)
            if status == 200:
                return
            time.sleep(0.05)
        raise TimeoutError(f"server not ready after {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-3000:]
        return "(no log)"

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def close(self) -> None:
        self.stop()
        self.sock.close()


class PgDatabases:
    """Uniquely named databases on the shared PostgreSQL server, dropped when done."""

    def __init__(self, admin_url: str = PG_ADMIN_URL, prefix: str = "bakery_rel") -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = prefix
        self.created: list[str] = []

    def create(self) -> str:
        from bakery.db.migrate import upgrade

        name = f"{self.prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        url = self.admin.url.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        return url

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self.admin.dispose()


@dataclass
class Shop:
    """Ids and credentials of a bakery set up directly through the services."""

    database_url: str
    token: str
    user_id: int
    products: list[int] = field(default_factory=list)
    recipes: list[int] = field(default_factory=list)
    materials: list[int] = field(default_factory=list)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def open_shop(database_url: str, role: str = "admin") -> Shop:
    """A user with a token, on a migrated database."""
    from datetime import timedelta

    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services.users import create_user, issue_token

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    email = f"{role}-{uuid.uuid4().hex[:8]}@bakery.test"
    user_id = create_user(factory, email=email, role=role, password="correct horse battery")
    token = issue_token(factory, email, "correct horse battery", timedelta(hours=6)).token
    engine.dispose()
    return Shop(database_url, token, user_id)


def stock_products(shop: Shop, count: int, units: Decimal, price: Decimal = Decimal("3.00"),
                   lots: int = 1) -> list[int]:
    """`count` products, each with `units` in stock spread over `lots` lots (adjustments)."""
    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services.catalog import create_product
    from bakery.services.stock import adjust_stock

    engine = make_engine(shop.database_url)
    factory = make_session_factory(engine)
    made = []
    for _ in range(count):
        product_id = create_product(factory, name=f"Bread {uuid.uuid4().hex[:8]}", price=price)
        for _ in range(lots):
            adjust_stock(factory, quantity_delta=units / lots, reason="count",
                         product_id=product_id, user_id=shop.user_id)
        made.append(product_id)
    engine.dispose()
    shop.products += made
    return made


class PrivatePostgres:
    """A PostgreSQL instance of our own (initdb into a temporary folder, its own port), run as
    the `postgres` OS user, so a test can stop and start it while the shared server stays up."""

    def __init__(self, bin_dir: str | None = None) -> None:
        import tempfile

        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
        self.bin = Path(bin_dir) if bin_dir else (found[0].parent if found else None)
        self.folder = Path(tempfile.mkdtemp(prefix="bakery-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()

    def available(self) -> str | None:
        """Why this cannot run here, or None."""
        if self.bin is None or not (self.bin / "initdb").exists():
            return "PostgreSQL server binaries (initdb) not found under /usr/lib/postgresql"
        if os.geteuid() != 0:
            return "needs root to run PostgreSQL as the postgres user"
        return None

    def _as_postgres(self, *args: str, timeout: float = 60) -> None:
        runner = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") \
            else ["su", "postgres", "-s", "/bin/sh", "-c"]
        command = list(args) if runner[0] == "runuser" else [shlex.join(args)]
        subprocess.run(runner + command, check=True, timeout=timeout, capture_output=True)

    def init(self) -> PrivatePostgres:
        os.chown(self.folder, *_ids("postgres"))
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync", "-E", "UTF8")
        return self

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
            "-t", "60", "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c max_connections=60",
            "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                          "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid
