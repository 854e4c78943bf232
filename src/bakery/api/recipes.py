"""Recipes, with their cost at current FIFO prices."""

from __future__ import annotations

from ..contract.schemas import PageQuery, RecipeIn, RecipeList, RecipeOut, RecipePatch
from ..queries import recipes
from ..queries.pages import page_request
from ..runtime import sessions
from ..services import catalog
from .registry import BAKEHOUSE, MANAGERS, current_principal, operation


def _recipe(recipe_id: int) -> dict:
    with sessions()() as session:
        return recipes.get_recipe(session, recipe_id)


@operation("POST", "/recipes", summary="Create a recipe", tag="recipes", roles=MANAGERS,
           body=RecipeIn, response=RecipeOut, status=201, errors=(409, 422))
def create_recipe(body: RecipeIn) -> dict:
    return _recipe(catalog.save_recipe(sessions(), None, body.model_dump(),
                                       actor_id=current_principal().id))


@operation("GET", "/recipes", summary="List recipes", tag="recipes", roles=BAKEHOUSE,
           query=PageQuery, response=RecipeList)
def list_recipes(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = recipes.list_recipes(session, page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/recipes/{recipe_id}", summary="Show a recipe", tag="recipes",
           roles=BAKEHOUSE, response=RecipeOut, errors=(404,))
def get_recipe(recipe_id: int) -> dict:
    return _recipe(recipe_id)


@operation("PATCH", "/recipes/{recipe_id}", summary="Change a recipe", tag="recipes",
           roles=MANAGERS, body=RecipePatch, response=RecipeOut, errors=(404, 409, 422))
def update_recipe(recipe_id: int, body: RecipePatch) -> dict:
    catalog.save_recipe(sessions(), recipe_id, body.changes(), actor_id=current_principal().id)
    return _recipe(recipe_id)
