"""User accounts (admins only)."""

from __future__ import annotations

from sqlalchemy import select

from ..db.models import User
from ..domain.errors import NotFound
from ..domain.roles import Role
from ..queries.pages import page_request, paged, split_page
from ..runtime import sessions
from ..services import users
from .registry import ADMINS, current_principal, operation
from ..contract.schemas import PageQuery, Patch, UserIn, UserOut

from pydantic import BaseModel, Field


class UserList(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class UserPatch(Patch):
    role: Role | None = None
    active: bool | None = Field(default=None, strict=True)


def _user(user_id: int) -> User:
    with sessions()() as session:
        user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


@operation("POST", "/users", summary="Create a user", tag="users", roles=ADMINS, body=UserIn,
           response=UserOut, status=201, errors=(409, 422))
def create_user(body: UserIn) -> User:
    user_id = users.create_user(sessions(), email=body.email, role=body.role, password=body.password,
                                actor_id=current_principal().id)
    return _user(user_id)


@operation("GET", "/users", summary="List users", tag="users", roles=ADMINS, query=PageQuery,
           response=UserList)
def list_users(query: PageQuery) -> dict:
    page = page_request(query.limit, query.cursor)
    with sessions()() as session:
        rows, cursor = split_page(list(session.scalars(paged(select(User), User.id, page))), page)
    return {"items": rows, "next_cursor": cursor}


@operation("GET", "/users/{user_id}", summary="Show a user", tag="users", roles=ADMINS,
           response=UserOut, errors=(404,))
def get_user(user_id: int) -> User:
    return _user(user_id)


@operation("PATCH", "/users/{user_id}", summary="Change a user's role or deactivate them",
           tag="users", roles=ADMINS, body=UserPatch, response=UserOut, errors=(404, 409, 422))
def update_user(user_id: int, body: UserPatch) -> User:
    """Deactivating a user revokes every token they hold."""
    users.update_user(sessions(), user_id, actor_id=current_principal().id, **body.changes())
    return _user(user_id)
