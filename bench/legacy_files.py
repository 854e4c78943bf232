"""Legacy `bakery_data.json` files as the earlier app wrote them, for tests and benchmarks.

The earlier app did its arithmetic in floats, so stock figures carry binary noise
(28.100000000000037): this generator produces it the same way, by simulating purchases,
production runs that draw batches down, and sales.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

MATERIALS = [("Flour", "kg"), ("Butter", "kg"), ("Sugar", "kg"), ("Eggs", "pcs"), ("Milk", "l"),
             ("Yeast", "kg"), ("Salt", "kg"), ("Chocolate", "kg"), ("Almonds", "kg"),
             ("Cream", "l"), ("Rye flour", "kg"), ("Honey", "kg"), ("Vanilla", "g"),
             ("Raisins", "kg"), ("Cinnamon", "g"), ("Sesame", "kg")]
RECIPES = ["Bread", "Baguette", "Croissant", "Pain au chocolat", "Rye loaf", "Brioche",
           "Cinnamon roll", "Almond cake", "Honey cake", "Scone", "Muffin", "Pretzel"]


def legacy_bakery(fmt: str = "web", *, sales: int = 200, seed: int = 1, materials: int = 10,
                  recipes: int = 8, start: datetime = datetime(2024, 1, 1, 7, 0)) -> dict[str, Any]:
    """A whole legacy file in the web or CLI format."""
    rng = random.Random(seed)
    chosen = _names(MATERIALS, materials)
    data: dict[str, Any] = {"materials": {}, "recipes": {}, "products": {}}
    for name, unit in chosen:
        batches = []
        for _ in range(rng.randint(1, 4)):
            day = start + timedelta(days=rng.randint(0, 300))
            batches.append({"quantity": round(rng.uniform(2, 60), rng.choice([0, 1, 2])),
                            "cost_per_unit": round(rng.uniform(0.05, 12), 2),
                            "purchase_date": "" if rng.random() < 0.1 else f"{day:%Y-%m-%d}"})
        bought = sum(b["quantity"] for b in batches)
        minimum = float(round(bought * rng.choice([0, 0.2, 0.5, 1.0, 1.5])))
        entry = {"unit": unit, ("min_quantity" if fmt == "web" else "min_threshold"): minimum,
                 "batches": batches}
        data["materials"][name] = entry
    names = [n for n, _ in chosen]
    for recipe in [n for n, _ in _names([(r, "") for r in RECIPES], recipes)]:
        lines = {m: round(rng.uniform(0.05, 3), rng.choice([1, 2, 3]))
                 for m in rng.sample(names, rng.randint(1, min(4, len(names))))}
        data["recipes"][recipe] = {
            "batch_size": rng.choice([6, 10, 12, 24, 40]),
            "ingredients": ([{"material": m, "quantity": q} for m, q in lines.items()]
                            if fmt == "web" else lines)}
        data["products"][recipe] = {"quantity": 0, "price": round(rng.uniform(0.8, 6.5), 2)}
        _bake(rng, data, recipe, lines, rng.randint(1, 5))
    data["sales"] = [_sale(rng, data, fmt, start) for _ in range(sales)]
    if fmt == "cli" and not sales:
        del data["sales"]
    return data


def _names(pool: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    result = list(pool[:count])
    for number in range(len(result), count):
        base, unit = pool[number % len(pool)]
        result.append((f"{base} {number}", unit))
    return result


def _bake(rng: random.Random, data: dict, recipe: str, lines: dict[str, float], runs: int) -> None:
    """Production as the earlier app did it: draw batches down in float arithmetic."""
    for _ in range(runs):
        stocks = data["materials"]
        if any(sum(b["quantity"] for b in stocks[m]["batches"]) < q for m, q in lines.items()):
            return
        for material, needed in lines.items():
            left = needed
            for batch in stocks[material]["batches"]:
                take = min(batch["quantity"], left)
                batch["quantity"] -= take
                left -= take
            stocks[material]["batches"] = [b for b in stocks[material]["batches"]
                                           if b["quantity"] > 0 or rng.random() < 0.2]
        data["products"][recipe]["quantity"] += data["recipes"][recipe]["batch_size"]


def _sale(rng: random.Random, data: dict, fmt: str, start: datetime) -> dict[str, Any]:
    product = rng.choice(list(data["products"]))
    price = data["products"][product]["price"]
    quantity = rng.randint(1, 6)
    moment = start + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    sale: dict[str, Any] = {"product": product, "quantity": quantity}
    if fmt == "web":
        sale.update(price=price, total=price * quantity, date=f"{moment:%Y-%m-%d %H:%M:%S}")
    else:
        sale.update(price_per_unit=price, total=price * quantity, date=f"{moment:%Y-%m-%d}")
    return sale
