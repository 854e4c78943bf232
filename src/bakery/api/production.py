"""Production runs: baking consumes materials and stocks a product lot."""

from __future__ import annotations

from ..contract.schemas import PageQuery, ProductionIn, ProductionList, ProductionOut
from ..queries import history
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import stock
from ..services.unit_of_work import Idempotency
from .registry import BAKEHOUSE, current_principal, operation


@operation("POST", "/production-runs", summary="Record a production run", tag="production",
           roles=BAKEHOUSE, body=ProductionIn, response=ProductionOut, status=201,
           idempotent=True, errors=(409, 422))
def create_run(body: ProductionIn, idem: Idempotency | None) -> dict:
    outcome = stock.run_production(sessions(), recipe_id=body.recipe_id, batches=body.batches,
                                   best_before=body.best_before,
                                   user_id=current_principal().id, idem=idem)
    if outcome.result is None:  # a replayed key: the run the first request made
        with sessions()() as session:
            return history.get_run(session, outcome.resource_id)
    return history.run_dict(outcome.result.run, outcome.result.consumed,
                            outcome.result.consumed_lots, outcome.result.best_before)


@operation("GET", "/production-runs", summary="List production runs", tag="production",
           roles=BAKEHOUSE, query=PageQuery, response=ProductionList)
def list_runs(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = history.list_runs(session, page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/production-runs/{run_id}", summary="Show a production run",
           tag="production", roles=BAKEHOUSE, response=ProductionOut, errors=(404,))
def get_run(run_id: int) -> dict:
    with sessions()() as session:
        return history.get_run(session, run_id)
