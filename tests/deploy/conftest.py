"""Fixtures for the deployment files: where they are, and the real tools that check them.

The tools come from the `dev` extra (hadolint, actionlint, docker-compose, kubernetes-validate,
botocore, yamllint), from the Makefile's test-deps (checkov in its own venv, nginx) or from the
system (systemd-analyze). Outside CI a missing tool skips its test; in CI it fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
IN_CI = bool(os.environ.get("CI"))


def find_tool(name: str) -> str:
    """The tool beside this Python, in the checkov venv, or on PATH; skip (fail in CI) without."""
    candidates = [Path(sys.executable).parent / name, ROOT / ".venv" / name / "bin" / name]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (make test-deps installs it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    """One checkov run over every deployment file, shared by the tests that read it.

    --skip-download keeps it offline: it checks with the policies it ships and sends nothing.
    """
    checkov = find_tool("checkov")
    result = run([checkov, "--directory", str(DEPLOY), "--directory", str(ROOT / ".github"),
                  "--file", str(ROOT / "app.yaml"),
                  "--framework", "dockerfile", "kubernetes", "github_actions", "secrets",
                  "--skip-download", "--output", "json", "--quiet", "--compact"],
                 env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert result.stdout.strip(), result.stderr
    merged: dict[str, Any] = {}
    for report in _json_stream(result.stdout):
        kind = report["check_type"]
        if kind not in merged:
            merged[kind] = report
            continue
        merged[kind]["summary"]["passed"] += report["summary"]["passed"]
        for outcome in ("failed_checks", "skipped_checks", "passed_checks"):
            merged[kind]["results"].setdefault(outcome, []).extend(
                report["results"].get(outcome, []))
    return merged


def _json_stream(text: str) -> list[dict[str, Any]]:
    """checkov prints one JSON document per target scanned: read them all, flattened."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        value, position = decoder.raw_decode(text, position)
        found.extend(value if isinstance(value, list) else [value])
    return found
