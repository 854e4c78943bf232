"""No stored value ever passes through a binary float: the code never makes one."""

import ast
from pathlib import Path

import bakery

SOURCE = Path(bakery.__file__).parent


def float_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            found.append(f"{path.name}:{node.lineno} float()")
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{path.name}:{node.lineno} literal {node.value!r}")
    return found


def test_domain_services_queries_and_api_never_make_a_float():
    offenders = []
    for folder in ("domain", "services", "queries", "api"):
        for path in sorted((SOURCE / folder).rglob("*.py")):
            offenders += float_uses(path)
    assert offenders == []


def test_the_float_detector_finds_floats(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("x = float('1.5')\ny = 0.5\nz = 1 / 2\n")
    assert float_uses(sample) == ["sample.py:1 float()", "sample.py:2 literal 0.5"]
