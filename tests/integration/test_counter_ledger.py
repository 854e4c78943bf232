"""`bakery check-ledger` stays clean after any mix of sales, refunds, voids and adjustments."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import func, select

from bakery.db.models import ProductLot, StockMove
from bakery.services import refunds, stock

from .test_cli import run

MANAGER = refunds.Refunder(None, "manager", 10)


def test_check_ledger_is_clean_after_sales_refunds_waste_and_adjustments(
        database_url, tmp_path, sessions, bakery):
    stocked = bakery.stocked(6, price="2.50")
    first = bakery.sell({stocked.bread: "4"}).result
    refunds.refund_sale(sessions, first.id, MANAGER, items=[(stocked.bread, D("1"))])
    stock.adjust_stock(sessions, quantity_delta=D("-2"), reason="damage",
                       product_id=stocked.bread)
    refunds.refund_sale(sessions, first.id, MANAGER, items=[(stocked.bread, D("2"))],
                        restock=False)
    stock.adjust_stock(sessions, quantity_delta=D("3"), reason="count", product_id=stocked.bread)
    second = bakery.sell({stocked.bread: "3"}).result
    refunds.refund_sale(sessions, second.id, MANAGER)  # the rest of it
    result = run(["check-ledger"], {"DATABASE_URL": database_url}, tmp_path)
    assert result.returncode == 0, result.stderr
    with sessions() as session:
        on_hand = session.scalar(select(func.sum(ProductLot.remaining))
                                 .where(ProductLot.product_id == stocked.bread))
        moved = session.scalar(select(func.sum(StockMove.delta))
                               .where(StockMove.product_id == stocked.bread))
    # 6 baked - 4 sold + 1 back - 2 damaged + 0 (2 back and wasted) + 3 found - 3 sold + 3 back
    assert on_hand == moved == D(4)
