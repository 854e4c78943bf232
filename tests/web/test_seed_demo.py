"""`bakery seed-demo`: a realistic demo bakery in an empty database, and only there."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bakery.cli import cli
from bakery.clock import UTC, Clock, install
from bakery.db.models import Sale, as_utc
from bakery.demo import seed_demo
from bakery.queries.dashboard import sales_today
from bakery.queries.inventory import ledger_mismatches, low_stock


def test_demo_bakery_has_weeks_of_sales_and_a_consistent_ledger(app, sessions):
    install(app, Clock(frozen_at=datetime(2026, 11, 28, 15, 0, tzinfo=UTC)))
    with app.app_context():
        summary = seed_demo(sessions)
    assert summary.materials >= 10 and summary.products >= 5 and summary.runs > 20
    with sessions() as db:
        moments = list(db.scalars(select(Sale.created_at)))
        assert ledger_mismatches(db) == []
        assert low_stock(db)  # a few materials run low, for the dashboard
    days = {moment.date() for moment in moments}
    assert summary.sales == len(moments) > 200
    assert len(days) >= 15 and (max(days) - min(days)).days >= 14


@pytest.mark.parametrize(("zone", "moment"), [
    ("UTC", "2026-11-28T00:30:00"),  # before the shop opens
    ("UTC", "2026-11-28T23:59:00"),  # after it closes
    ("Europe/Berlin", "2026-11-28T23:30:00"),  # 00:30 on the 29th in Berlin
])
def test_demo_sells_today_at_any_hour_and_never_in_the_future(app, sessions, zone, moment):
    now = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    install(app, Clock(ZoneInfo(zone), frozen_at=now))
    with app.app_context():
        summary = seed_demo(sessions)
        with sessions() as db:
            today = sales_today(db)
            latest = max(as_utc(moment) for moment in db.scalars(select(Sale.created_at)))
    assert today["day"] == now.astimezone(ZoneInfo(zone)).date()
    assert today["count"] > 0
    assert latest <= now
    assert summary.sales > 200


def test_seed_demo_refuses_a_database_with_data(sessions, bakery):
    bakery.material("Flour")
    with pytest.raises(ValueError, match=r"already holds data \(1 materials\)"):
        seed_demo(sessions)


def test_seed_demo_command_migrates_fills_and_then_refuses(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("BAKERY_ENV", "testing")
    monkeypatch.setenv("BAKERY_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    first = runner.invoke(cli, ["seed-demo"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "demo bakery ready" in first.output
    again = runner.invoke(cli, ["seed-demo"])
    assert again.exit_code == 1
    assert "already holds data" in again.output
