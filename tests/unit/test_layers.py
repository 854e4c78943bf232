"""Each layer keeps to its part: views parse and answer, queries/ and services/ hold the SQL."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "bakery"
STATEMENT_BUILDERS = {"select", "insert", "update", "delete", "text", "func"}
RUNS_SQL = {"execute", "scalar", "scalars", "query"}


def sql_in(source: str) -> list[str]:
    """Where a module builds or runs SQLAlchemy statements, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"{node.lineno}: imports {alias.name}" for alias in node.names
                      if alias.name in STATEMENT_BUILDERS]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            model_get = (node.func.attr == "get" and node.args
                         and isinstance(node.args[0], ast.Name) and node.args[0].id[:1].isupper())
            if node.func.attr in RUNS_SQL or model_get:
                found.append(f"{node.lineno}: calls .{node.func.attr}()")
    return found


def private_imports(source: str) -> list[str]:
    """Names a module imports from another that the other keeps to itself (`_name`)."""
    return [f"{node.lineno}: {alias.name}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")]


def test_api_and_web_views_run_no_sql():
    views = sorted((PACKAGE / "api").glob("*.py")) + sorted((PACKAGE / "web").glob("*.py"))
    assert len(views) > 20
    found = {path.name: sql_in(path.read_text()) for path in views}
    assert {name: where for name, where in found.items() if where} == {}


def test_no_module_imports_another_modules_private_names():
    found = {str(path.relative_to(PACKAGE)): private_imports(path.read_text())
             for path in PACKAGE.rglob("*.py")}
    assert {name: where for name, where in found.items() if where} == {}


def test_the_checks_would_catch_a_query_in_a_view():
    view = ("from sqlalchemy import select\nfrom ..db.models import User\n"
            "def show(session, user_id):\n"
            "    return session.get(User, user_id), session.scalars(select(User))\n"
            "def names(session):\n    return session.execute(select(User.name)).all()\n")
    assert sql_in(view) == ["1: imports select", "4: calls .get()", "4: calls .scalars()",
                            "6: calls .execute()"]
    assert sql_in("from flask import session\nuser_id = session.get('user_id')\n") == []
    assert private_imports("from .recipes import _stock, public\n") == ["1: _stock"]
