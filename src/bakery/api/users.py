"""User accounts (admins only)."""

from __future__ import annotations

from sqlalchemy import select

from ..db.models import User
from ..queries.pages import page_request, paged, split_page
from ..runtime import sessions
from ..services import users
from .registry import ADMINS, operation
from .schemas import PageQuery, UserIn, UserOut

from pydantic import BaseModel


class UserList(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


@operation("POST", "/users", summary="Create a user", tag="users", roles=ADMINS, body=UserIn,
           response=UserOut, status=201, errors=(409, 422))
def create_user(body: UserIn) -> User:
    user_id = users.create_user(sessions(), email=body.email, role=body.role, password=body.password)
    with sessions()() as session:
        return session.get_one(User, user_id)


@operation("GET", "/users", summary="List users", tag="users", roles=ADMINS, query=PageQuery,
           response=UserList)
def list_users(query: PageQuery) -> dict:
    page = page_request(query.limit, query.cursor)
    with sessions()() as session:
        rows, cursor = split_page(list(session.scalars(paged(select(User), User.id, page))), page)
    return {"items": rows, "next_cursor": cursor}
