"""The pages and the API are siblings: both use the contract, neither imports the other."""

from __future__ import annotations

import ast
from pathlib import Path

import bakery

PACKAGE = Path(bakery.__file__).parent
# The only thing the pages take from the API is its blueprint, to exempt it from CSRF checks.
ALLOWED = {("web/__init__.py", "bakery.api", ("api",))}


def _imports(folder: str) -> set[tuple[str, str, tuple[str, ...]]]:
    """(file, absolute module, names) of every import in the package's `folder`."""
    found = set()
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        package = ["bakery", *relative.split("/")[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
                found.add((relative, module, tuple(alias.name for alias in node.names)))
            elif isinstance(node, ast.Import):
                found |= {(relative, alias.name, ()) for alias in node.names}
    return found


def _from(imports: set, package: str) -> set:
    return {i for i in imports if i[1] == package or i[1].startswith(package + ".")}


def test_pages_import_nothing_from_the_api_but_its_blueprint():
    assert _from(_imports("web"), "bakery.api") == ALLOWED


def test_the_api_imports_nothing_from_the_pages():
    assert _from(_imports("api"), "bakery.web") == set()
