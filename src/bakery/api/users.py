"""User accounts (admins only)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..contract.schemas import PageQuery, Patch, UserIn, UserOut
from ..db.engine import single_read
from ..domain.roles import Role
from ..queries import users as accounts
from ..queries.pages import page_request
from ..runtime import sessions, settings
from ..services import users
from .registry import ADMINS, current_principal, operation


class UserList(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class UserPatch(Patch):
    role: Role | None = None
    active: bool | None = Field(default=None, strict=True)


def _user(user_id: int) -> dict:
    with single_read(sessions()) as connection:
        return accounts.get_user(connection, user_id)


@operation("POST", "/users", summary="Create a user", tag="users", roles=ADMINS, body=UserIn,
           response=UserOut, status=201, errors=(409, 422))
def create_user(body: UserIn) -> dict:
    user_id = users.create_user(sessions(), email=body.email, role=body.role, password=body.password,
                                actor_id=current_principal().id,
                                hash_method=settings().password_hash_method)
    return _user(user_id)


@operation("GET", "/users", summary="List users", tag="users", roles=ADMINS, query=PageQuery,
           response=UserList)
def list_users(query: PageQuery) -> dict:
    with sessions()() as session:
        items, cursor = accounts.page_of_users(session, page_request(query.limit, query.cursor))
    return {"items": items, "next_cursor": cursor}


@operation("GET", "/users/{user_id}", summary="Show a user", tag="users", roles=ADMINS,
           response=UserOut, errors=(404,))
def get_user(user_id: int) -> dict:
    return _user(user_id)


@operation("PATCH", "/users/{user_id}", summary="Change a user's role or deactivate them",
           tag="users", roles=ADMINS, body=UserPatch, response=UserOut, errors=(404, 409, 422))
def update_user(user_id: int, body: UserPatch) -> dict:
    """Deactivating a user revokes every token they hold."""
    users.update_user(sessions(), user_id, actor_id=current_principal().id, **body.changes())
    return _user(user_id)
