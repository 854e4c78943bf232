"""Work done by the threads and processes of the concurrency tests (importable by spawn)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bakery.db.engine import make_engine, make_session_factory
from bakery.domain.errors import InsufficientStock
from bakery.services import catalog, stock
from bakery.services.unit_of_work import Idempotency
from bakery.services.users import create_user


@dataclass(frozen=True)
class Scene:
    """The scarce stock every worker fights over."""

    user_id: int
    flour: int
    bread: int
    bun: int
    bread_recipe: int  # 1 kg flour -> 2 bread
    bun_recipe: int  # 0.5 kg flour -> 3 buns


def set_scene(factory: Any) -> Scene:
    user = create_user(factory, email="hammer@bakery.test", role="admin", password="long enough bread")
    flour = catalog.create_material(factory, name="Flour", unit="kg")
    for day, quantity in ((3, "6"), (1, "4.5"), (2, "5")):
        stock.receive_batch(factory, flour, quantity=Decimal(quantity),
                            cost_per_unit=Decimal(f"0.{day}0"), purchase_date=date(2026, 1, day))
    bread = catalog.create_product(factory, name="Bread", price=Decimal("3.10"))
    bun = catalog.create_product(factory, name="Bun", price=Decimal("0.55"))
    bread_recipe = catalog.save_recipe(factory, None, {
        "name": "Bread", "product_id": bread, "yield_quantity": Decimal("2"),
        "ingredients": [{"material_id": flour, "quantity": Decimal("1")}]})
    bun_recipe = catalog.save_recipe(factory, None, {
        "name": "Bun", "product_id": bun, "yield_quantity": Decimal("3"),
        "ingredients": [{"material_id": flour, "quantity": Decimal("0.5")}]})
    stock.run_production(factory, recipe_id=bread_recipe, batches=3)  # 6 bread, 3 kg flour
    stock.run_production(factory, recipe_id=bun_recipe, batches=2)  # 6 buns, 1 kg flour
    return Scene(user, flour, bread, bun, bread_recipe, bun_recipe)


def one_step(factory: Any, scene: Scene, worker: int, step: int) -> tuple:
    """One use case, chosen by worker and step; returns what happened."""
    choice = (worker + step) % 5
    try:
        if choice in (0, 1):
            items = [(scene.bread, Decimal("1.5")), (scene.bun, Decimal("1"))]
            if choice == 1:
                items.reverse()  # the other lock order: must not deadlock
            sale = stock.record_sale(factory, items, user_id=scene.user_id).result
            return ("sale", sale.id, {line.product_id: line.quantity for line in sale.items})
        if choice == 2:
            sale = stock.record_sale(factory, [(scene.bread, Decimal("2"))]).result
            return ("sale", sale.id, {scene.bread: Decimal("2")})
        recipe, batches = ((scene.bread_recipe, 2) if choice == 3 else (scene.bun_recipe, 1))
        run = stock.run_production(factory, recipe_id=recipe, batches=batches).result
        return ("run", run.run.id, run.run.product_id, run.run.produced_quantity,
                sum((d.quantity for d in run.consumed), Decimal(0)))
    except InsufficientStock:
        return ("refused",)
    except Exception:  # noqa: BLE001 - anything else is what the test is looking for
        return ("error", traceback.format_exc(limit=3))


def hammer(factory: Any, scene: Scene, worker: int, steps: int, barrier: Any) -> list[tuple]:
    barrier.wait()
    return [one_step(factory, scene, worker, step) for step in range(steps)]


def hammer_in_process(url: str, scene: Scene, worker: int, steps: int, barrier: Any,
                      results: Any) -> None:
    """A separate process with its own engine and connection pool."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        results.put((worker, hammer(make_session_factory(engine), scene, worker, steps, barrier)))
    except Exception:  # noqa: BLE001
        results.put((worker, [("error", traceback.format_exc(limit=3))]))
    finally:
        engine.dispose()


def same_sale(factory: Any, scene: Scene, key: str, barrier: Any) -> tuple:
    """A till retrying one sale with the same Idempotency-Key."""
    idem = Idempotency(scene.user_id, "POST /sales", key, Idempotency.fingerprint({"sale": key}))
    barrier.wait()
    try:
        outcome = stock.record_sale(factory, [(scene.bread, Decimal("6"))],
                                    user_id=scene.user_id, idem=idem)
        return ("sale", outcome.resource_id, outcome.replayed)
    except Exception:  # noqa: BLE001
        return ("error", traceback.format_exc(limit=3))
