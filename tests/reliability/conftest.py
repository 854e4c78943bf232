"""Fixtures for the reliability suite: real gunicorn servers on free ports, the figures report.

Each test records what it did (requests made, faults injected, records checked, anything lost)
with `report(...)`; the figures are printed at the end of the run and written as JSON under
test-artifacts/reliability/. BAKERY_HEAVY=1 runs the longer variants.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.servers import AppServer

HEAVY = os.environ.get("BAKERY_HEAVY", "") not in ("", "0")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability"
_REPORTS: list[tuple[str, dict]] = []


@pytest.fixture
def heavy() -> bool:
    return HEAVY


@pytest.fixture
def start_servers(tmp_path: Path) -> Iterator[Callable[..., list[AppServer]]]:
    """Start gunicorn servers (each on its own free port) and wait until /readyz says 200.

    Every server started here is killed when the test ends, whatever happened.
    """
    started: list[AppServer] = []

    def start(database_url: str, count: int = 1, workers: int = 1, threads: int = 4,
              env: dict | None = None) -> list[AppServer]:
        servers = []
        for _ in range(count):
            server = AppServer(database_url, workers=workers, threads=threads, env=env or {},
                               log_path=tmp_path / f"gunicorn-{len(started)}.log")
            started.append(server)
            servers.append(server.start())
        return servers

    yield start
    for server in started:
        server.close()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[dict], None]:
    """Record a test's figures: printed in the summary, written to test-artifacts/."""

    def record(figures: dict[str, Any]) -> None:
        name = request.node.name
        figures = {"heavy": HEAVY, **figures}
        _REPORTS.append((name, figures))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        (ARTIFACTS / f"{safe}.json").write_text(json.dumps(figures, indent=2, default=str))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _REPORTS:
        return
    terminalreporter.section("reliability figures")
    for name, figures in _REPORTS:
        shown = ", ".join(f"{k}={v}" for k, v in figures.items() if k != "problems")
        terminalreporter.write_line(f"{name}: {shown}")
        if figures.get("problems"):
            terminalreporter.write_line(f"  PROBLEMS: {figures['problems']}")
