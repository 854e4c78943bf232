"""Materials and their purchase batches."""

from __future__ import annotations

from ..contract.schemas import (
    BatchIn,
    BatchOut,
    MaterialDetail,
    MaterialIn,
    MaterialList,
    MaterialOut,
    MaterialPatch,
    PageQuery,
)
from ..queries import inventory
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import catalog, stock
from ..services.unit_of_work import Idempotency
from .registry import BAKEHOUSE, MANAGERS, current_principal, operation


def _material(material_id: int) -> dict:
    with sessions()() as session:
        return inventory.get_material(session, material_id)


@operation("POST", "/materials", summary="Create a material", tag="materials", roles=MANAGERS,
           body=MaterialIn, response=MaterialOut, status=201, errors=(409, 422))
def create_material(body: MaterialIn) -> dict:
    return _material(catalog.create_material(sessions(), **body.model_dump(),
                                             actor_id=current_principal().id))


@operation("GET", "/materials", summary="List materials", tag="materials", roles=BAKEHOUSE,
           query=PageQuery, response=MaterialList)
def list_materials(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = inventory.list_materials(session, page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/materials/{material_id}", summary="Show a material", tag="materials",
           roles=BAKEHOUSE, response=MaterialDetail, errors=(404,))
def get_material(material_id: int) -> dict:
    return _material(material_id)


@operation("PATCH", "/materials/{material_id}", summary="Change a material", tag="materials",
           roles=MANAGERS, body=MaterialPatch, response=MaterialOut, errors=(404, 409, 422))
def update_material(material_id: int, body: MaterialPatch) -> dict:
    catalog.update_material(sessions(), material_id, **body.changes(),
                            actor_id=current_principal().id)
    return _material(material_id)


@operation("POST", "/materials/{material_id}/batches", summary="Receive a batch",
           tag="materials", roles=BAKEHOUSE, body=BatchIn, response=BatchOut, status=201,
           idempotent=True, errors=(404, 409, 422))
def receive_batch(material_id: int, body: BatchIn, idem: Idempotency | None) -> dict:
    outcome = stock.receive_batch(sessions(), material_id, **body.model_dump(),
                                  user_id=current_principal().id, idem=idem)
    if outcome.result is None:  # a replayed key: the batch the first request received
        with sessions()() as session:
            return inventory.get_batch(session, outcome.resource_id)
    return inventory.batch_dict(outcome.result)
