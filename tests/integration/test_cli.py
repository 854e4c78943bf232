"""The `bakery` command, run as a user runs it: a real process, exit status and stderr."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select, update

from bakery.db.engine import normalize_url
from bakery.db.models import MaterialBatch, User

BAKERY = str(Path(sys.executable).with_name("bakery"))
STRONG = "7e1a9c3f5b2d8e4a6c0f9b1d3e5a7c2f4b6d8e0a"


def run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
        ) -> subprocess.CompletedProcess:
    full_env = {"PATH": os.environ.get("PATH", ""), "BAKERY_ENV": "testing",
                "SECRET_KEY": STRONG, **env}
    return subprocess.run([BAKERY, *args], env=full_env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def users(url: str) -> list[tuple[str, str]]:
    engine = create_engine(normalize_url(url))
    with engine.connect() as connection:
        rows = connection.execute(select(User.email, User.role).order_by(User.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path):
    env = {"BAKERY_INSTANCE_PATH": str(tmp_path / "instance")}
    first = run(["db", "upgrade"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "instance" / "bakery.db").exists()
    again = run(["db", "upgrade"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    from bakery.db.migrate import current
    assert current(f"sqlite:///{tmp_path / 'instance' / 'bakery.db'}") is not None


def test_production_without_a_secret_key_refuses_with_one_line(tmp_path):
    for args in (["db", "upgrade"], ["check-ledger"], ["serve"],
                 ["users", "create", "--email", "a@b.c", "--role", "admin",
                  "--password", "long enough bread"]):
        result = run(args, {"BAKERY_ENV": "production", "SECRET_KEY": ""}, tmp_path)
        one_line_error(result, "SECRET_KEY", "production")
    weak = run(["db", "upgrade"], {"BAKERY_ENV": "production",
                                   "SECRET_KEY": "bakery_secret_key_change_in_production"}, tmp_path)
    one_line_error(weak, "SECRET_KEY", "weak")
    legacy = run(["db", "upgrade"], {"FLASK_ENV": "production", "BAKERY_ENV": "",
                                     "SECRET_KEY": ""}, tmp_path)
    one_line_error(legacy, "SECRET_KEY")
    assert not (tmp_path / "instance").exists()


def test_a_bad_setting_refuses_with_one_line(tmp_path):
    one_line_error(run(["db", "upgrade"], {"PORT": "eighty"}, tmp_path), "PORT")


def test_users_create_checks_its_input(database_url, tmp_path):
    env = {"DATABASE_URL": database_url}
    made = run(["users", "create", "--email", "Owner@Example.com", "--role", "admin",
                "--password", "long enough bread"], env, tmp_path)
    assert made.returncode == 0, made.stderr
    assert "owner@example.com" in made.stdout
    prompted = run(["users", "create", "--email", "till@example.com", "--role", "cashier"], env,
                   tmp_path, stdin="till password\ntill password\n")
    assert prompted.returncode == 0, prompted.stderr
    one_line_error(run(["users", "create", "--email", "x@example.com", "--role", "owner",
                        "--password", "long enough bread"], env, tmp_path), "role")
    one_line_error(run(["users", "create", "--email", "owner@example.com", "--role", "baker",
                        "--password", "long enough bread"], env, tmp_path), "already exists")
    one_line_error(run(["users", "create", "--email", "y@example.com", "--role", "baker",
                        "--password", "short"], env, tmp_path), "password")
    one_line_error(run(["users", "create", "--email", "not-an-email", "--role", "baker",
                        "--password", "long enough bread"], env, tmp_path), "email")
    assert users(database_url) == [("owner@example.com", "admin"), ("till@example.com", "cashier")]


def test_check_ledger_passes_on_a_true_ledger_and_fails_on_a_tampered_one(
        database_url, tmp_path, sessions, bakery):
    env = {"DATABASE_URL": database_url}
    bread = bakery.stocked_bread(5)
    bakery.sell({bread: "2"})
    passed = run(["check-ledger"], env, tmp_path)
    assert passed.returncode == 0, passed.stderr
    assert "matches" in passed.stdout
    with sessions() as session, session.begin():  # the flour went into the bread: "find" 1 kg
        first = session.scalar(select(func.min(MaterialBatch.id)))
        session.execute(update(MaterialBatch).where(MaterialBatch.id == first).values(remaining=1))
    failed = run(["check-ledger"], env, tmp_path)
    assert failed.returncode != 0
    assert "1 ledger mismatches" in failed.stderr.strip().splitlines()[-1]
    assert "mismatch:" in failed.stderr


def test_serve_creates_the_first_admin_from_the_environment(pg_url, tmp_path):
    """`bakery serve` migrates, bootstraps the admin, then hands over to the server."""
    from bakery.db.migrate import upgrade

    upgrade(pg_url)  # already migrated: serve's own upgrade must be a no-op
    env = {"PATH": os.environ.get("PATH", ""), "BAKERY_ENV": "production", "SECRET_KEY": STRONG,
           "DATABASE_URL": pg_url, "BAKERY_ADMIN_EMAIL": "Boss@Example.com",
           "BAKERY_ADMIN_PASSWORD": "first admin password", "HOST": "127.0.0.1",
           "PORT": str(free_port()),
           "WEB_CONCURRENCY": "1"}
    process = subprocess.Popen([BAKERY, "serve"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen = []
    try:
        for line in process.stdout:  # read until the bootstrap is reported; no sleeping
            seen.append(line)
            if "first admin" in line or "serving on" in line:
                break
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()
    assert any("created the first admin" in line for line in seen), seen
    assert users(pg_url) == [("boss@example.com", "admin")]


def test_first_admin_is_created_only_into_an_empty_database(sessions):
    from bakery.services.users import ensure_first_admin

    assert ensure_first_admin(sessions, "a@example.com", "long enough bread") is True
    assert ensure_first_admin(sessions, "b@example.com", "long enough bread") is False
    with sessions() as session:
        assert session.scalars(select(User.email)).all() == ["a@example.com"]


def test_first_admin_needs_both_variables(sessions):
    from bakery.services.users import count_users, ensure_first_admin

    for email, password in (("a@example.com", None), ("a@example.com", ""), ("", "long enough bread")):
        assert ensure_first_admin(sessions, email, password) is False
    assert count_users(sessions) == 0


def test_expire_writes_off_expired_stock_once_for_a_scheduler(tmp_path, database_url):
    from datetime import date
    from decimal import Decimal

    from bakery.db.engine import make_engine, make_session_factory
    from bakery.services import catalog, stock

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    flour = catalog.create_material(factory, name="Flour", unit="kg")
    stock.receive_batch(factory, flour, quantity=Decimal(3), cost_per_unit=Decimal("1.25"),
                        purchase_date=date(1999, 12, 1), expiry_date=date(2000, 1, 1))
    env = {"DATABASE_URL": database_url, "BAKERY_INSTANCE_PATH": str(tmp_path / "instance")}
    first = run(["expire"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "wrote off 3.000 from batch" in first.stdout and "cost 3.75" in first.stdout
    again = run(["expire"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "written off: 0 layers, cost 0" in again.stdout
    with engine.connect() as connection:
        assert connection.scalar(select(func.sum(MaterialBatch.remaining))) == 0
    engine.dispose()
