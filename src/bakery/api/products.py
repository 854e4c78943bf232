"""Products and their prices."""

from __future__ import annotations

from ..contract.schemas import (
    PageQuery,
    ProductDetail,
    ProductIn,
    ProductList,
    ProductOut,
    ProductPatch,
)
from ..db.engine import single_read
from ..queries import inventory
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import catalog
from .registry import ALL_ROLES, MANAGERS, current_principal, operation


def _product(product_id: int) -> dict:
    """The product as GET, POST and PATCH answer it, read on a plain connection."""
    with single_read(sessions()) as db:
        return inventory.get_product(db, product_id)


@operation("POST", "/products", summary="Create a product", tag="products", roles=MANAGERS,
           body=ProductIn, response=ProductOut, status=201, errors=(409, 422))
def create_product(body: ProductIn) -> dict:
    return _product(catalog.create_product(sessions(), **body.model_dump(),
                                           actor_id=current_principal().id))


@operation("GET", "/products", summary="List products", tag="products", roles=ALL_ROLES,
           query=PageQuery, response=ProductList)
def list_products(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = inventory.list_products(session, page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/products/{product_id}", summary="Show a product", tag="products",
           roles=ALL_ROLES, response=ProductDetail, errors=(404,))
def get_product(product_id: int) -> dict:
    return _product(product_id)


@operation("PATCH", "/products/{product_id}", summary="Change a product or its price",
           tag="products", roles=MANAGERS, body=ProductPatch, response=ProductOut,
           errors=(404, 409, 422))
def update_product(product_id: int, body: ProductPatch) -> dict:
    catalog.update_product(sessions(), product_id, **body.changes(),
                           actor_id=current_principal().id)
    return _product(product_id)
