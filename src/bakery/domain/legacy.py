"""The earlier app's `bakery_data.json`, read and checked: pure, no database.

Both formats the earlier app wrote are understood, entry by entry:

- web: `materials[name] = {unit, min_quantity, batches: [{quantity, cost_per_unit,
  purchase_date}]}`, `recipes[name] = {batch_size, ingredients: [{material, quantity}]}`,
  `products[name] = {quantity, price}`, `sales = [{product, quantity, price, total,
  date: "YYYY-MM-DD HH:MM:SS"}]`;
- CLI: `min_threshold` for `min_quantity`, `ingredients` as `{material: quantity}`, `sales`
  (may be absent) with `price_per_unit` and `date: "YYYY-MM-DD"`.

`parse_legacy` turns either into plain dataclasses holding exact decimals at the stored scale,
or raises `LegacyFileRejected` naming every wrong entry and why. The rules for what the files
leave open (empty dates, zero quantities, float noise) are in `docs/migration.md`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone, tzinfo
from decimal import Decimal
from typing import Any

from .errors import ValidationFailed
from .names import BadName, clean_name
from .numbers import MAX_MONEY, MAX_QUANTITY, ZERO, from_legacy_float, money, quantity

NAME_LENGTH = 120
UNIT_LENGTH = 20
MAX_ERRORS = 50
# A sale dated without a time of day is put at noon, so it stays on its calendar day in any
# report whatever the shop's time zone.
DATE_ONLY_TIME = time(12, 0)
SECTIONS = ("materials", "recipes", "products", "sales")


class LegacyFileRejected(ValidationFailed):
    """The file cannot be imported whole; `problems` lists (entry, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]], more: int = 0) -> None:
        first_entry, first_reason = problems[0]
        extra = len(problems) - 1 + more
        summary = f"{first_entry}: {first_reason}"
        if extra:
            summary += f" (and {extra} more problem{'s' if extra > 1 else ''})"
        super().__init__(summary, dict(problems))
        self.problems = problems
        self.more = more


@dataclass(frozen=True)
class LegacyBatch:
    quantity: Decimal
    cost_per_unit: Decimal
    purchase_date: date
    date_supplied: bool  # False: the file had no date and the import rule chose one


@dataclass(frozen=True)
class LegacyMaterial:
    name: str
    unit: str
    min_quantity: Decimal
    batches: tuple[LegacyBatch, ...]


@dataclass(frozen=True)
class LegacyRecipe:
    name: str
    yield_quantity: Decimal
    ingredients: tuple[tuple[str, Decimal], ...]  # (material name, quantity per batch)


@dataclass(frozen=True)
class LegacyProduct:
    name: str
    price: Decimal
    quantity: Decimal  # on hand


@dataclass(frozen=True)
class LegacySale:
    product: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    at: datetime  # UTC


@dataclass
class LegacyData:
    """Everything a legacy file holds, checked and at the stored scale."""

    format: str  # "web", "cli", "mixed" or "empty"
    materials: list[LegacyMaterial] = field(default_factory=list)
    recipes: list[LegacyRecipe] = field(default_factory=list)
    products: list[LegacyProduct] = field(default_factory=list)
    sales: list[LegacySale] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "materials": len(self.materials),
            "batches": sum(len(m.batches) for m in self.materials),
            "recipes": len(self.recipes),
            "products": len(self.products),
            "products in stock": sum(1 for p in self.products if p.quantity > 0),
            "sales": len(self.sales),
        }


# --- reading the JSON ------------------------------------------------------------------------

def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return result


def load_legacy_json(raw: bytes) -> Any:
    """Parse the file's bytes; broken JSON (or NaN, or duplicate keys) is refused with where."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LegacyFileRejected([("file", f"not UTF-8 text (byte {exc.start})")]) from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise LegacyFileRejected(
            [("file", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise LegacyFileRejected([("file", f"not valid JSON: {exc}")]) from exc


# --- checking entries ------------------------------------------------------------------------

class _Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.more = 0

    def fail(self, entry: str, reason: str) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append((entry, reason))
        else:
            self.more += 1

    def number(self, value: Any, entry: str, *, scale: Callable[[Decimal], Decimal],
               limit: Decimal, positive: bool = False, required: bool = True,
               default: Decimal = ZERO) -> Decimal | None:
        """A legacy float (or int, or numeric string) at the stored scale, or None if wrong."""
        if value is None and not required:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(entry, f"must be a number, got {_kind(value)}")
            return None
        try:
            exact = from_legacy_float(value)
        except ValueError:
            self.fail(entry, f"must be a number, got {_show(value)}")
            return None
        if exact < 0:
            self.fail(entry, f"must not be negative, got {_show(value)}")
            return None
        if exact > limit:
            self.fail(entry, f"is too large ({_show(value)})")
            return None
        rounded = scale(exact)
        if positive and rounded <= 0:
            self.fail(entry, f"must be greater than zero, got {_show(value)}")
            return None
        return rounded

    def text(self, value: Any, entry: str, limit: int, *, allow_empty: bool = False) -> str | None:
        if not isinstance(value, str):
            self.fail(entry, f"must be text, got {_kind(value)}")
            return None
        if not allow_empty and not value.strip():
            self.fail(entry, "must not be empty")
            return None
        if len(value) > limit:
            self.fail(entry, f"is longer than {limit} characters")
            return None
        if "\x00" in value:
            self.fail(entry, "contains a NUL character")
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(entry, "is not valid Unicode text")
            return None
        return value

    def mapping(self, value: Any, entry: str) -> dict | None:
        if not isinstance(value, dict):
            self.fail(entry, f"must be an object, got {_kind(value)}")
            return None
        return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _entry(section: str, key: str | int) -> str:
    return f"{section}[{key}]" if isinstance(key, int) else f"{section}[{json.dumps(key)}]"


def _parse_date(value: Any, entry: str, check: _Checker, missing: date) -> tuple[date, bool] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return missing, False
    if not isinstance(value, str):
        check.fail(entry, f"must be a date YYYY-MM-DD, got {_kind(value)}")
        return None
    try:
        return datetime.fromisoformat(value.strip()).date(), True
    except ValueError:
        check.fail(entry, f"is not a date YYYY-MM-DD: {_show(value)}")
        return None


def _parse_moment(value: Any, entry: str, check: _Checker, missing: date,
                  zone: tzinfo) -> datetime | None:
    """'YYYY-MM-DD HH:MM:SS' (web) or 'YYYY-MM-DD' (CLI), local to `zone`, as UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        moment = datetime.combine(missing, DATE_ONLY_TIME)
    elif not isinstance(value, str):
        check.fail(entry, f"must be a date and time YYYY-MM-DD HH:MM:SS, got {_kind(value)}")
        return None
    else:
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            check.fail(entry, f"is not a date YYYY-MM-DD[ HH:MM:SS]: {_show(value)}")
            return None
        if len(text) == 10:  # a date alone
            moment = datetime.combine(moment.date(), DATE_ONLY_TIME)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        check.fail(entry, f"is out of range: {_show(value)}")
        return None


class _Format:
    """Notices which of the two formats each entry was written in."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def saw(self, name: str) -> None:
        self.seen.add(name)

    def key(self, entry: dict, *, web: str, cli: str) -> str:
        """Which of the two spellings of a field this entry uses (the CLI's when neither)."""
        if web in entry:
            self.saw("web")
            return web
        if cli in entry:
            self.saw("cli")
        return cli

    @property
    def name(self) -> str:
        if len(self.seen) == 2:
            return "mixed"
        return next(iter(self.seen), "empty")


def _named_entries(section: Any, label: str, check: _Checker) -> Iterator[tuple[str, dict, str]]:
    """Each `name: {...}` entry of a section whose name and shape are right, with where it is."""
    if check.mapping(section, label) is None:
        return
    for name, raw in section.items():
        where = _entry(label, name)
        if check.text(name, where + " name", NAME_LENGTH) is not None \
                and _one_spelling(name, where, check) and check.mapping(raw, where) is not None:
            yield name, raw, where


def _one_spelling(name: str, where: str, check: _Checker) -> bool:
    """The names rule of the API (domain/names.py): a name that hides characters, mixes
    look-alike scripts or is not in its one spelling is refused, naming the entry."""
    try:
        clean = clean_name(name)
    except BadName as exc:
        check.fail(where, f"name {exc}")
        return False
    if clean != name:
        check.fail(where, f"name is not in its one spelling; write it as {clean!r}")
        return False
    return True


def _materials(section: Any, check: _Checker, fmt: _Format, missing: date
               ) -> list[LegacyMaterial]:
    found: list[LegacyMaterial] = []
    for name, raw, where in _named_entries(section, "materials", check):
        unit = check.text(raw.get("unit"), where + ".unit", UNIT_LENGTH, allow_empty=True)
        minimum_key = fmt.key(raw, web="min_quantity", cli="min_threshold")
        minimum = check.number(raw.get(minimum_key), f"{where}.{minimum_key}", scale=quantity,
                               limit=MAX_QUANTITY, required=False)
        batches = _batches(raw.get("batches", []), where, check, missing)
        if unit is not None and minimum is not None and batches is not None:
            found.append(LegacyMaterial(name, unit, minimum, tuple(batches)))
    return found


def _batches(section: Any, where: str, check: _Checker, missing: date) -> list[LegacyBatch] | None:
    if not isinstance(section, list):
        check.fail(where + ".batches", f"must be a list, got {_kind(section)}")
        return None
    batches: list[LegacyBatch] = []
    ok = True
    for index, raw in enumerate(section):
        at = f"{where}.batches[{index}]"
        if check.mapping(raw, at) is None:
            ok = False
            continue
        qty = check.number(raw.get("quantity"), at + ".quantity", scale=quantity,
                           limit=MAX_QUANTITY)
        cost = check.number(raw.get("cost_per_unit"), at + ".cost_per_unit", scale=money,
                            limit=MAX_MONEY)
        bought = _parse_date(raw.get("purchase_date"), at + ".purchase_date", check, missing)
        if qty is None or cost is None or bought is None:
            ok = False
        elif qty > 0:  # an emptied batch holds nothing to import
            batches.append(LegacyBatch(qty, cost, bought[0], bought[1]))
    return batches if ok else None


def _recipes(section: Any, materials: set[str], check: _Checker, fmt: _Format,
             notes: list[str]) -> list[LegacyRecipe]:
    found: list[LegacyRecipe] = []
    for name, raw, where in _named_entries(section, "recipes", check):
        size = check.number(raw.get("batch_size"), where + ".batch_size", scale=quantity,
                            limit=MAX_QUANTITY, positive=True)
        lines = _ingredients(raw.get("ingredients"), where, materials, check, fmt, notes)
        if size is not None and lines is not None:
            found.append(LegacyRecipe(name, size, tuple(lines.items())))
    return found


def _ingredients(section: Any, where: str, materials: set[str], check: _Checker, fmt: _Format,
                 notes: list[str]) -> dict[str, Decimal] | None:
    if isinstance(section, dict):
        fmt.saw("cli")
        pairs = [(f"{where}.ingredients[{json.dumps(k)}]", k, v) for k, v in section.items()]
    elif isinstance(section, list):
        fmt.saw("web")
        pairs = []
        for index, raw in enumerate(section):
            at = f"{where}.ingredients[{index}]"
            if check.mapping(raw, at) is not None:
                pairs.append((at, raw.get("material"), raw.get("quantity")))
            else:
                return None
    else:
        check.fail(where + ".ingredients", f"must be a list or an object, got {_kind(section)}")
        return None
    lines: dict[str, Decimal] = {}
    ok = True
    for at, material, amount in pairs:
        if check.text(material, at + ".material", NAME_LENGTH) is None:
            ok = False
            continue
        if material not in materials:
            check.fail(at, f"names the unknown material {material!r}")
            ok = False
            continue
        qty = check.number(amount, at + ".quantity", scale=quantity, limit=MAX_QUANTITY)
        if qty is None:
            ok = False
        elif qty == 0:
            notes.append(f"{at}: a zero quantity of {material!r} was left out")
        else:
            if material in lines:
                notes.append(f"{at}: {material!r} is listed twice; the quantities were added")
            lines[material] = lines.get(material, ZERO) + qty
    return lines if ok else None


def _products(section: Any, check: _Checker) -> list[LegacyProduct]:
    found: list[LegacyProduct] = []
    for name, raw, where in _named_entries(section, "products", check):
        price = check.number(raw.get("price"), where + ".price", scale=money, limit=MAX_MONEY)
        qty = check.number(raw.get("quantity"), where + ".quantity", scale=quantity,
                           limit=MAX_QUANTITY, required=False)
        if price is not None and qty is not None:
            found.append(LegacyProduct(name, price, qty))
    return found


def _sales(section: Any, check: _Checker, fmt: _Format, missing: date, zone: tzinfo
           ) -> list[LegacySale]:
    found: list[LegacySale] = []
    if not isinstance(section, list):
        check.fail("sales", f"must be a list, got {_kind(section)}")
        return found
    for index, raw in enumerate(section):
        where = _entry("sales", index)
        if check.mapping(raw, where) is None:
            continue
        product = check.text(raw.get("product"), where + ".product", NAME_LENGTH)
        qty = check.number(raw.get("quantity"), where + ".quantity", scale=quantity,
                           limit=MAX_QUANTITY, positive=True)
        price_key = fmt.key(raw, web="price", cli="price_per_unit")
        has_total = raw.get("total") is not None
        price = check.number(raw.get(price_key), f"{where}.{price_key}", scale=money,
                             limit=MAX_MONEY, required=has_total, default=ZERO)
        total = check.number(raw.get("total"), where + ".total", scale=money, limit=MAX_MONEY,
                             required=False, default=ZERO)
        at = _parse_moment(raw.get("date"), where + ".date", check, missing, zone)
        if product is None or qty is None or price is None or total is None or at is None:
            continue
        if not has_total:
            total = money(qty * price)
            if total > MAX_MONEY:
                check.fail(where, f"quantity times price ({total}) is too large")
                continue
        elif raw.get(price_key) is None:
            price = money(total / qty)
        found.append(LegacySale(product, qty, price, total, at))
    return found


def _clashing_names(names: list[str], section: str, check: _Checker) -> None:
    """Our names are unique whatever their case; the earlier app's were not."""
    first: dict[str, str] = {}
    for name in names:
        other = first.setdefault(name.casefold(), name)
        if other != name:
            check.fail(_entry(section, name), f"differs from {other!r} only in letter case")


def parse_legacy(document: Any, *, missing_date: date, zone: tzinfo = timezone.utc) -> LegacyData:
    """Check a parsed `bakery_data.json` and return its contents, or raise LegacyFileRejected.

    `missing_date` stands in for empty or missing purchase and sale dates; naive sale times are
    local to `zone`.
    """
    check = _Checker()
    if not isinstance(document, dict):
        raise LegacyFileRejected([("file", f"must hold a JSON object, got {_kind(document)}")])
    fmt = _Format()
    notes: list[str] = []
    materials = _materials(document.get("materials", {}), check, fmt, missing_date)
    material_names = set(document["materials"]) if isinstance(document.get("materials"), dict) else set()
    recipes = _recipes(document.get("recipes", {}), material_names, check, fmt, notes)
    products = _products(document.get("products", {}), check)
    sales = _sales(document.get("sales", []), check, fmt, missing_date, zone)
    _clashing_names([m.name for m in materials], "materials", check)
    _clashing_names(_product_names(recipes, products, sales), "products", check)
    for key in document:
        if key not in SECTIONS:
            notes.append(f"the top-level key {key!r} is not part of the legacy formats and was "
                         "left out")
    if check.problems:
        raise LegacyFileRejected(check.problems, check.more)
    products = _complete_products(recipes, products, sales, notes)
    undated = sum(1 for m in materials for b in m.batches if not b.date_supplied)
    if undated:
        notes.append(f"{undated} batch(es) without a purchase date were dated {missing_date}")
    return LegacyData(fmt.name, materials, recipes, products, sales, notes)


def _product_names(recipes: list[LegacyRecipe], products: list[LegacyProduct],
                   sales: list[LegacySale]) -> list[str]:
    names = dict.fromkeys([r.name for r in recipes] + [p.name for p in products]
                          + [s.product for s in sales])
    return list(names)


def _complete_products(recipes: list[LegacyRecipe], products: list[LegacyProduct],
                       sales: list[LegacySale], notes: list[str]) -> list[LegacyProduct]:
    """A product for every recipe (named after it) and every product sold, priced sensibly.

    A recipe never baked has no product entry: it gets one with price 0 and no stock. A product
    only named by sales (deleted from the earlier app) gets its latest sale price and no stock.
    """
    known = {p.name: p for p in products}
    for recipe in recipes:
        if recipe.name not in known:
            known[recipe.name] = LegacyProduct(recipe.name, ZERO, ZERO)
    latest: dict[str, LegacySale] = {}
    for sale in sales:
        if sale.product not in known and (sale.product not in latest
                                          or sale.at >= latest[sale.product].at):
            latest[sale.product] = sale
    for name, sale in latest.items():
        notes.append(f"the product {name!r} appears only in sales; it was created with its latest "
                     f"sale price {sale.unit_price} and no stock")
        known[name] = LegacyProduct(name, sale.unit_price, ZERO)
    return list(known.values())
