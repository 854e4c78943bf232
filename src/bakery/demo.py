"""`bakery seed-demo`: a small, realistic bakery to try the pages and the API on.

Everything goes through the same services as the pages and the API (receive_batch,
run_production, record_sale), so the demo's stock, costs and ledger obey every rule. Sales are
backdated over the last nine weeks of the bakery's clock (a weekly pattern, a slow growth, two
holidays closed), and today has sales at any hour, none
of them in the future; the random choices are seeded, so two runs give the same shop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext

from .clock import Clock, current
from .domain.errors import InsufficientStock
from .queries.lookups import holds_data
from .services import catalog, orders, stock
from .services.unit_of_work import SessionFactory

D = Decimal

# name, unit, minimum, [(days ago, quantity, cost per unit)] - prices creep up, as they do
MATERIALS = [
    ("Flour T55", "kg", "60", [(34, "200", "0.78"), (24, "150", "0.80"), (14, "150", "0.82"),
                                 (6, "100", "0.86"), (1, "50", "0.88")]),
    ("Wholemeal flour", "kg", "15", [(30, "50", "0.95"), (9, "25", "1.02")]),
    ("Rye flour", "kg", "10", [(28, "25", "1.10"), (15, "25", "1.12"), (8, "25", "1.15")]),
    ("Butter", "kg", "15", [(33, "40", "6.90"), (22, "30", "7.20"), (12, "30", "7.40"),
                             (4, "8", "7.60")]),
    ("Sugar", "kg", "8", [(31, "25", "1.05"), (12, "10", "1.10")]),
    ("Eggs", "piece", "60", [(20, "360", "0.24"), (5, "240", "0.27")]),
    ("Milk", "l", "30", [(13, "40", "0.98"), (3, "20", "1.02")]),
    ("Fresh yeast", "kg", "1", [(29, "5", "3.80"), (15, "4", "3.95"), (7, "3", "4.10")]),
    ("Salt", "kg", "5", [(35, "10", "0.45")]),
    ("Dark chocolate", "kg", "3", [(26, "10", "11.50"), (10, "8", "12.20"), (3, "4", "12.40")]),
    ("Sourdough starter", "kg", "4", [(30, "20", "0.60"), (14, "15", "0.60"), (2, "4", "0.60")]),
]

# product, price, recipe yield, ingredients per batch, mean sales per day
PRODUCTS = [
    ("Baguette", "1.30", "24", {"Flour T55": "6", "Fresh yeast": "0.12", "Salt": "0.12"}, 34),
    ("Sourdough loaf", "4.80", "12", {"Flour T55": "4", "Wholemeal flour": "1.5",
                                      "Sourdough starter": "1.2", "Salt": "0.1"}, 11),
    ("Rye bread", "4.20", "10", {"Rye flour": "3", "Flour T55": "1", "Sourdough starter": "0.8",
                                 "Salt": "0.08"}, 5),
    ("Croissant", "1.50", "30", {"Flour T55": "2.5", "Butter": "1.4", "Sugar": "0.3",
                                 "Milk": "0.8", "Fresh yeast": "0.08", "Eggs": "3"}, 30),
    ("Pain au chocolat", "1.70", "30", {"Flour T55": "2.5", "Butter": "1.4", "Sugar": "0.3",
                                        "Milk": "0.8", "Fresh yeast": "0.08",
                                        "Dark chocolate": "0.6"}, 22),
    ("Brioche", "5.50", "8", {"Flour T55": "2", "Butter": "1", "Eggs": "16", "Sugar": "0.3",
                              "Milk": "0.3", "Fresh yeast": "0.06"}, 4),
    ("Chocolate cookie", "1.60", "40", {"Flour T55": "1.5", "Butter": "1", "Sugar": "0.9",
                                        "Eggs": "6", "Dark chocolate": "0.8"}, 15),
]

DAYS_OF_SALES = 63  # nine weeks: enough for the forecast to learn a weekly pattern and a trend
OPENING, CLOSING = time(7, 0), time(18, 30)  # the bakery's local hours
# Monday .. Sunday: a quiet start of the week, a busy Saturday
WEEKDAY_DEMAND = (D("0.8"), D("0.9"), D("0.9"), D("1.0"), D("1.1"), D("1.45"), D("0.85"))
GROWTH_PER_DAY = D("0.003")  # the shop is slowly getting better known
CLOSED_DAYS_AGO = (46, 25)  # closed for a holiday: no baking, no sales
# Older deliveries, so the weeks before the ones listed above have stock too: each material
# receives its first listed delivery again this many days ago.
EARLY_DELIVERIES = (63, 48)
# supplier, lead time in days
SUPPLIERS = {"Moulin & Co": 2, "Farm Fresh": 1}


@dataclass
class DemoSummary:
    materials: int
    batches: int
    products: int
    runs: int
    sales: int
    revenue: Decimal
    orders: int = 0


def seed_demo(factory: SessionFactory, seed: int = 2026) -> DemoSummary:
    """Fill an EMPTY database with the demo bakery up to the clock's now; refuse (ValueError)
    when it holds data."""
    with factory() as session:
        existing = {k: v for k, v in holds_data(session).items() if v}
    if existing:
        found = ", ".join(f"{n} {k}" for k, v in existing.items() for n in [v])
        raise ValueError(f"the database already holds data ({found}); seed-demo only fills an "
                         "empty database")
    rng = random.Random(seed)
    clock = current()
    today = clock.today()
    material_ids, batches = {}, 0
    for name, unit, minimum, deliveries in MATERIALS:
        material_ids[name] = catalog.create_material(factory, name=name, unit=unit,
                                                     min_quantity=D(minimum))
        early = [(days_ago, deliveries[0][1], deliveries[0][2]) for days_ago in EARLY_DELIVERIES]
        for days_ago, amount, cost in early + deliveries:
            stock.receive_batch(factory, material_ids[name], quantity=D(amount),
                                cost_per_unit=D(cost), purchase_date=today - timedelta(days=days_ago),
                                supplier="Moulin & Co" if "flour" in name.lower() else "Farm Fresh")
            batches += 1
    recipes: dict[str, tuple[int, int, Decimal, int]] = {}
    for name, price, batch_yield, ingredients, per_day in PRODUCTS:
        product_id = catalog.create_product(factory, name=name, price=D(price),
                                            min_quantity=D(per_day // 2))
        recipe_id = catalog.save_recipe(factory, None, {
            "name": name, "product_id": product_id, "yield_quantity": D(batch_yield),
            "ingredients": [{"material_id": material_ids[m], "quantity": D(q)}
                            for m, q in ingredients.items()]})
        recipes[name] = (product_id, recipe_id, D(batch_yield), per_day)
    runs = sales = 0
    shelf: dict[str, int] = {}
    revenue = D(0)
    for day_index in range(DAYS_OF_SALES, -1, -1):  # oldest day first; today last
        day = today - timedelta(days=day_index)
        if day_index in CLOSED_DAYS_AGO:
            continue
        scale = WEEKDAY_DEMAND[day.weekday()] * (1 - GROWTH_PER_DAY * day_index)
        demand = {name: max(0, int(rng.gauss(float(per_day * scale), per_day / 5)))
                  for name, (_, _, _, per_day) in recipes.items()}
        if day_index == 0:
            demand = {name: qty // 3 for name, qty in demand.items()}  # the day has only begun
        # bake what the day needs beyond what is left from before (stock allowing), then sell
        for name, qty in demand.items():
            product_id, recipe_id, yield_qty, _ = recipes[name]
            wanted = -(-max(0, qty - shelf.get(name, 0)) // int(yield_qty))  # rounded up
            for batches_now in range(wanted + (1 if day_index == 0 else 0), 0, -1):
                try:
                    stock.run_production(factory, recipe_id=recipe_id, batches=batches_now)
                except InsufficientStock:
                    continue
                runs += 1
                shelf[name] = shelf.get(name, 0) + batches_now * int(yield_qty)
                break
            demand[name] = min(qty, shelf.get(name, 0))
            shelf[name] = shelf.get(name, 0) - demand[name]
        sales_today, revenue_today = _sell_day(factory, rng, _opening_hours(clock, day), recipes,
                                               demand)
        sales += sales_today
        revenue += revenue_today
    orders = _take_orders(factory, today, material_ids, recipes)
    return DemoSummary(len(material_ids), batches, len(recipes), runs, sales, revenue, orders)


def _take_orders(factory: SessionFactory, today: date, material_ids: dict[str, int],
                 recipes: dict[str, tuple[int, int, Decimal, int]]) -> int:
    """Suppliers with lead times, two pre-orders and a cafe's standing order from today."""
    for name, material_id in material_ids.items():
        supplier = "Moulin & Co" if "flour" in name.lower() else "Farm Fresh"
        orders.set_supplier(factory, material_id, supplier=supplier,
                            lead_time_days=SUPPLIERS[supplier])
    product = {name: product_id for name, (product_id, _, _, _) in recipes.items()}
    orders.create_order(factory, customer="Mme Laurent (birthday)",
                        due_date=today + timedelta(days=1), deposit=D("10.00"),
                        note="collect at 10:00", items=[(product["Brioche"], D(4)),
                                                        (product["Croissant"], D(24))])
    orders.create_order(factory, customer="Lycee Voltaire", due_date=today + timedelta(days=2),
                        items=[(product["Pain au chocolat"], D(60))], note="deliver by 9:30")
    orders.create_standing_order(factory, customer="Cafe Central", weekdays=[1, 2, 3, 4, 5],
                                 starts_on=today, items=[(product["Baguette"], D(10)),
                                                         (product["Sourdough loaf"], D(2))])
    return 3


def _opening_hours(clock: Clock, day: date) -> tuple[datetime, datetime]:
    """When `day`'s sales happen: opening to closing, local time; today only up to now, and
    from midnight when the shop has not opened yet, so today always has sales, none to come."""
    opening, closing = clock.at(day, OPENING), clock.at(day, CLOSING)
    if day < clock.today():
        return opening, closing
    now = clock.now()
    if now < opening:
        return clock.at(day, time.min), now
    return opening, min(closing, now)


def _sell_day(factory: SessionFactory, rng: random.Random, hours: tuple[datetime, datetime],
              recipes: dict[str, tuple[int, int, Decimal, int]], demand: dict[str, int]
              ) -> tuple[int, Decimal]:
    """Split a day's demand into baskets of one to four items, sold at times within `hours`."""
    left = {name: qty for name, qty in demand.items() if qty}
    opening, closing = hours
    count, revenue = 0, D(0)
    baskets = []
    while left:
        basket: dict[int, Decimal] = {}
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            if not left:
                break
            name = rng.choice(sorted(left))
            take = min(left[name], rng.choice((1, 1, 1, 2, 2, 3, 6)))
            left[name] -= take
            if not left[name]:
                del left[name]
            basket[recipes[name][0]] = basket.get(recipes[name][0], D(0)) + take
        baskets.append(basket)
    rng.shuffle(baskets)  # each product sells all day long, not only until its share is gone
    span = (closing - opening).total_seconds()
    moments = sorted(opening + timedelta(seconds=rng.uniform(0, span)) for _ in baskets)
    for basket, moment in zip(baskets, moments, strict=True):
        try:
            outcome = stock.record_sale(factory, list(basket.items()), at=moment)
        except InsufficientStock:
            continue  # sold out: the customer leaves without it
        count += 1
        assert outcome.result is not None
        revenue += outcome.result.total
    return count, revenue


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill an empty database with a demo bakery: stock, recipes, production, weeks of sales."""
    from .db.migrate import upgrade
    from .runtime import sessions, settings

    upgrade(settings().database_url)
    try:
        summary = seed_demo(sessions())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        current_app.extensions["bakery.engine"].dispose()
    click.echo(f"demo bakery ready: {summary.materials} materials in {summary.batches} batches, "
               f"{summary.products} products and recipes, {summary.runs} production runs, "
               f"{summary.sales} sales over {DAYS_OF_SALES + 1} days ({summary.revenue:.2f}), "
               f"{summary.orders} customer and standing orders")
