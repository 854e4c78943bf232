"""Many threads baking croissants from the same dough lots while others sell the dough's
last grams and bake more dough: the dough never goes below zero, every run is whole or
nothing, and the ledger still adds up, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from typing import Any

from sqlalchemy import func, select

from bakery.db.models import ProductionRun, ProductLot
from bakery.domain.errors import InsufficientStock
from bakery.services import catalog, stock
from tests.builders import Bakery, ThroughServices

from .helpers import mismatches

THREADS = 12
STEPS = 4


def test_threads_baking_from_the_same_dough_never_overdraw_it(app: Any, sessions: Any) -> None:
    bakery = Bakery(ThroughServices(sessions))
    flour, butter = bakery.material("Flour"), bakery.material("Butter")
    bakery.batch(flour, "100", "0.80")
    bakery.batch(butter, "100", "6.50")
    dough = bakery.product("Dough")
    croissant = bakery.product("Croissant")
    dough_recipe = bakery.recipe(dough, {flour: "0.6", butter: "0.4"}, yield_quantity="1000")
    croissant_recipe = catalog.save_recipe(sessions, None, {
        "name": "Croissant", "product_id": croissant, "yield_quantity": D(10),
        "ingredients": [{"product_id": dough, "quantity": D(600)}]})
    bakery.bake(dough_recipe, 3)  # 3000 g of dough: five croissant batches at most

    def work(worker: int) -> list[str]:
        outcomes = []
        for step in range(STEPS):
            try:
                if worker % 4 == 0 and step == 1:
                    stock.run_production(sessions, recipe_id=dough_recipe, batches=1)
                    outcomes.append("dough")
                else:
                    stock.run_production(sessions, recipe_id=croissant_recipe, batches=1)
                    outcomes.append("croissant")
            except InsufficientStock:
                outcomes.append("short")
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = [o for result in pool.map(work, range(THREADS)) for o in result]
    doughs_made = 3 + outcomes.count("dough")
    croissant_runs = outcomes.count("croissant")
    assert croissant_runs > 0 and outcomes.count("short") > 0
    with sessions() as session:
        left = session.scalar(select(func.sum(ProductLot.remaining))
                              .where(ProductLot.product_id == dough))
        negative = session.scalar(select(func.count()).select_from(ProductLot)
                                  .where(ProductLot.remaining < 0))
        runs = session.scalar(select(func.count()).select_from(ProductionRun)
                              .where(ProductionRun.recipe_id == croissant_recipe))
    assert negative == 0 and runs == croissant_runs
    assert D(left) == D(1000) * doughs_made - D(600) * croissant_runs >= 0
    assert mismatches(sessions) == []
