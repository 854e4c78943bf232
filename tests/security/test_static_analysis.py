"""bandit finds no medium or high severity issue in the package source."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_medium_or_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "--quiet", "--recursive", "--severity-level", "medium",
         "--format", "custom", "--msg-template",
         "{relpath}:{line}: {test_id} [{severity}] {msg}", str(ROOT / "src"), str(ROOT / "scripts")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bandit_would_catch_an_issue(tmp_path):
    """The check can fail: a shell command built from input is reported."""
    sample = tmp_path / "bad.py"
    sample.write_text("import subprocess\n\ndef run(name):\n"
                      "    subprocess.call('ls ' + name, shell=True)\n")
    result = subprocess.run([sys.executable, "-m", "bandit", "--quiet", "--severity-level",
                             "medium", str(sample)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "B602" in result.stdout
