"""The Docker image and the compose file, checked by hadolint, checkov and docker compose."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from .conftest import DEPLOY, ROOT, find_tool, run

DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = run([find_tool("hadolint"), "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install flask\nCMD gunicorn app:app\n")
    result = run([find_tool("hadolint"), "--no-color", str(careless)])
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3013" in result.stdout


def test_the_image_is_multi_stage_slim_unprivileged_and_checks_its_own_health() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", text, re.M)
    assert stages == [("python:3.11-slim", "build"), ("python:3.11-slim", "runtime")]
    runtime = text.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/bakery /opt/bakery" in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert 'CMD ["bakery", "healthcheck"]' in runtime
    assert 'ENTRYPOINT ["bakery"]' in runtime and 'CMD ["serve"]' in runtime
    assert "HOST=0.0.0.0" in runtime and "PORT=8080" in runtime
    assert "pip wheel" in text.split("AS runtime", 1)[0]


def test_dockerignore_sends_only_what_the_build_needs() -> None:
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!src/"} <= set(lines)
    copied = set(re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.M))
    assert copied == {"pyproject.toml README.md", "src"}


def test_checkov_passes_the_dockerfile(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["dockerfile"]["summary"]
    failed = checkov_report["dockerfile"]["results"]["failed_checks"]
    assert summary["passed"] > 20
    assert failed == [], [(f["check_id"], f["check_name"]) for f in failed]


def _compose_config(env: dict[str, str]) -> Any:
    clean = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "SECRET_KEY")}
    return run([find_tool("docker-compose"), "--file", str(COMPOSE), "--env-file", str(ENV_EXAMPLE),
                "config", "--format", "yaml"], env={**clean, **env}, cwd=DEPLOY)


def test_compose_file_is_valid_and_waits_for_a_healthy_database() -> None:
    result = _compose_config({"POSTGRES_PASSWORD": "a1b2c3", "SECRET_KEY": "d4" * 32})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    app, db = config["services"]["app"], config["services"]["db"]
    assert db["image"] == "postgres:15"
    assert "healthcheck" in db and "healthcheck" in app
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(v["type"] == "volume" and v["source"] == "pgdata" for v in db["volumes"])
    assert "pgdata" in config["volumes"]
    assert app["environment"]["DATABASE_URL"] == "postgresql://bakery:a1b2c3@db:5432/bakery"
    assert app["read_only"] is True and app["cap_drop"] == ["ALL"]
    assert app["ports"][0]["host_ip"] == "127.0.0.1"


def test_compose_refuses_to_start_without_the_secrets_from_the_env_file() -> None:
    result = _compose_config({})
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr and "SECRET_KEY" in result.stderr


def test_no_secret_is_written_in_the_compose_file_or_its_example() -> None:
    assert re.findall(r"^(POSTGRES_PASSWORD|SECRET_KEY)=(.*)$", ENV_EXAMPLE.read_text(), re.M) == [
        ("POSTGRES_PASSWORD", ""), ("SECRET_KEY", "")]
    text = COMPOSE.read_text()
    for key in ("POSTGRES_PASSWORD", "SECRET_KEY"):
        assert re.search(rf"{key}: \$\{{{key}:\?", text), f"{key} must come from the environment"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_build_context_the_dockerignore_leaves_is_enough_to_build_the_wheel(tmp_path: Path) -> None:
    """The image's first stage, without Docker: the same files, the same `pip wheel`."""
    import shutil
    import subprocess
    import sys
    import zipfile

    context = tmp_path / "context"
    context.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, context / name)
    shutil.copytree(ROOT / "src", context / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = tmp_path / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--no-index", "--wheel-dir", str(wheels), str(context)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = wheels.glob("bakery-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"bakery/gunicorn_conf.py", "bakery/wsgi.py", "bakery/migrations/env.py"} <= names
    assert any(n.startswith("bakery/migrations/versions/0001") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)
