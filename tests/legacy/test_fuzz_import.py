"""Odd and broken legacy files: the importer answers in one line or imports whole, never a
traceback and never a partial import."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bakery import create_app
from bakery.queries.inventory import ledger_mismatches
from bakery.services.legacy_import import occupied_tables
from bench.legacy_files import legacy_bakery
from tests.conftest import make_settings

BASES = [legacy_bakery("web", sales=6, seed=1, materials=4, recipes=3),
         legacy_bakery("cli", sales=6, seed=2, materials=4, recipes=3)]

odd_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=False), st.sampled_from([0, -0.0, 1e-9, 0.0004, 1e15, 2**63]),
    st.text(max_size=12),
    st.sampled_from(["", " ", "nan", "Infinity", "1e999", "2024-02-30", "2024-01-01 25:00:00",
                     "Flour", "Bread", "\ud800", "\x00", "x" * 200, "2024-01-15",
                     "2024-01-15 10:30:00", "12.5", "-3"]),
)
odd_values = st.recursive(odd_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, prefix + (index,))
    return found


@st.composite
def mutated_files(draw: Any) -> bytes:
    """A real legacy file with a few of its values replaced, removed or added to."""
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(odd_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(odd_values)
        else:
            parent.append(draw(odd_values))
    raw = json.dumps(document).encode()
    if draw(st.integers(0, 9)) == 0:  # now and then, damage the bytes themselves
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=4)) + raw[cut + draw(st.integers(0, 3)):]
    return raw


files = st.one_of(mutated_files(), st.binary(max_size=40),
                  odd_values.map(lambda v: json.dumps(v).encode()))


def imports_whole_or_refuses(url: str, raw: bytes, folder: Path) -> None:
    source = folder / "bakery_data.json"
    source.write_bytes(raw)
    source.chmod(0o444)
    app = create_app(settings=make_settings(url, folder))
    try:
        result = app.test_cli_runner().invoke(args=["import-json", str(source)])
        with app.extensions["bakery.sessions"]() as session:
            occupied = occupied_tables(session)
            mismatches = ledger_mismatches(session)
    finally:
        app.extensions["bakery.engine"].dispose()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert hashlib.sha256(source.read_bytes()).digest() == hashlib.sha256(raw).digest()
    event("imported" if result.exit_code == 0 else "refused")
    if result.exit_code == 0:
        assert mismatches == []
    else:
        assert result.exit_code == 1
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert occupied == {}, "a refused file left rows behind"


SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=70, deadline=None, suppress_health_check=SLOW_OK)
@given(raw=files)
def test_any_file_imports_whole_or_is_refused_in_one_line(sqlite_template: Path, raw: bytes):
    with tempfile.TemporaryDirectory(prefix="bakery-fuzz-") as folder:
        base = Path(folder)
        shutil.copyfile(sqlite_template, base / "bakery.db")
        imports_whole_or_refuses(f"sqlite:///{base / 'bakery.db'}", raw, base)


@pytest.mark.postgres
@settings(max_examples=10, deadline=None, suppress_health_check=SLOW_OK)
@given(raw=mutated_files())
def test_postgresql_takes_a_file_whole_or_not_at_all(pg_server: Any, raw: bytes):
    url = pg_server.create()
    try:
        with tempfile.TemporaryDirectory(prefix="bakery-fuzz-") as folder:
            imports_whole_or_refuses(url, raw, Path(folder))
    finally:
        pg_server.drop(url)
