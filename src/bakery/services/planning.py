"""Recording a day's bake: the production runs of the plan, intermediates first."""

from __future__ import annotations

from sqlalchemy import select

from ..db.models import Material, Recipe
from ..db.stock_layers import drawable_batches
from ..domain.errors import InsufficientStock, Shortfall, ValidationFailed
from ..domain.fifo import available
from ..queries.plans import material_needs
from .stock import run_production
from .unit_of_work import Idempotency, SessionFactory, recorded


def _run_key(idem: Idempotency | None, index: int) -> Idempotency | None:
    """Each run of a keyed plan gets a key of its own, derived from the plan's."""
    if idem is None:
        return None
    return Idempotency(idem.user_id, idem.scope, f"{idem.key}#{index}", idem.request_hash)


def record_bake(factory: SessionFactory, plan: list[tuple[int, int]], *,
                user_id: int | None = None, idem: Idempotency | None = None) -> list[int]:
    """Record one production run per (recipe, batches), in the order given (the plan lists
    intermediates after what uses them, so they are baked in reverse).

    The whole plan's materials are checked first: a plan that stock cannot cover records
    nothing (409 naming every shortfall). Each run is then its own all-or-nothing step, as
    `POST /production-runs` is; a run that another use of stock makes short in between stops
    the rest with the same 409, and the runs already recorded stay (they were baked). With an
    Idempotency-Key each run is keyed, so a repeat records nothing again and answers the same
    run ids. The ids of the runs, in the order they were recorded.
    """
    first = _run_key(idem, 0)
    replay = first is not None and recorded(factory, first) is not None
    with factory() as session:
        ids = [recipe_id for recipe_id, _ in plan]
        known = set(session.scalars(select(Recipe.id).where(Recipe.id.in_(ids))))
        missing = {f"items.{i}.recipe_id": f"no recipe with id {rid}"
                   for i, rid in enumerate(ids) if rid not in known}
        if missing:
            raise ValidationFailed("unknown recipe", missing)
        needed = material_needs(session, plan)
        layers = drawable_batches(session, needed)
        names = {r.id: r.name for r in session.execute(
            select(Material.id, Material.name).where(Material.id.in_(needed)))}
    short = [Shortfall("material", mid, qty, available(layers.get(mid, [])), names[mid])
             for mid, qty in sorted(needed.items()) if available(layers.get(mid, [])) < qty]
    if short and not replay:
        raise InsufficientStock(short)
    return [run_production(factory, recipe_id=recipe_id, batches=batches, user_id=user_id,
                           idem=_run_key(idem, index)).resource_id
            for index, (recipe_id, batches) in enumerate(reversed(plan))]
