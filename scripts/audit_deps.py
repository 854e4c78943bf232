"""Audit the installed dependencies for known vulnerabilities with pip-audit.

Offline-safe: when the vulnerability service cannot be reached, the audit is skipped with a
clear message (exit 0); when it answers, any known vulnerability fails the run (exit non-zero).
Usage: python scripts/audit_deps.py   (run with the project's virtualenv Python)
"""

from __future__ import annotations

import subprocess  # nosec B404 - runs pip and pip-audit from this virtualenv only
import sys
import tempfile
import urllib.error
import urllib.request

# pip-audit asks PyPI's JSON API about each pinned release; probe it the same way.
SERVICE_PROBE = "https://pypi.org/pypi/pip-audit/{version}/json"
NETWORK_WORDS = ("ConnectionError", "Max retries exceeded", "NameResolutionError", "timed out",
                 "Temporary failure in name resolution", "Network is unreachable")


def service_problem() -> str | None:
    from importlib.metadata import version

    url = SERVICE_PROBE.format(version=version("pip-audit"))
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 # nosec B310 - fixed https URL
            return None if response.status == 200 else f"HTTP {response.status} from {url}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} from {url}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{exc.__class__.__name__}: {exc}"


def main() -> int:
    problem = service_problem()
    if problem:
        print(f"pip-audit skipped: the vulnerability service is unreachable ({problem}); "
              "the dependency audit runs where it can be reached")
        return 0
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],  # nosec B603
                            check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as requirements:
        requirements.write(frozen)
    result = subprocess.run(  # nosec B603 - fixed arguments, no shell
        [sys.executable, "-m", "pip_audit", "--requirement", requirements.name, "--no-deps",
         "--disable-pip", "--strict", "--progress-spinner", "off"],
        capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0 and any(word in output for word in NETWORK_WORDS):
        print("pip-audit skipped: lost the vulnerability service mid-run:")
        print(output.strip().splitlines()[-1])
        return 0
    print(output.strip())
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
