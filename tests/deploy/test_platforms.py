"""PaaS, serverless, VM and CI files: each checked by the real tool where one exists here.

botocore validates the ECS task definition against the RegisterTaskDefinition input shape;
actionlint the workflow; systemd-analyze the unit (syntax and its security exposure); nginx -t the
site. App Engine, Cloud Run and Azure have no offline validator: yamllint and checks of what
matters (entrypoint, health checks, no secret values in the files) stand in for one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .conftest import DEPLOY, ROOT, find_tool, load_yaml_documents, run

TASK_DEFINITION = DEPLOY / "ecs" / "task-definition.json"
YAML_FILES = [ROOT / "app.yaml", DEPLOY / "cloudrun" / "service.yaml",
              DEPLOY / "azure" / "containerapp.yaml", DEPLOY / "docker-compose.yml",
              ROOT / ".github" / "workflows" / "ci.yml", *sorted((DEPLOY / "k8s").glob("*.yaml"))]
SECRET_NAMES = ("SECRET_KEY", "DATABASE_URL", "PGPASSWORD", "POSTGRES_PASSWORD")


# --- AWS ECS Fargate ---------------------------------------------------------------------------

def _register_task_definition_shape() -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def test_ecs_task_definition_passes_botocore_parameter_validation() -> None:
    from botocore.validate import validate_parameters

    validate_parameters(json.loads(TASK_DEFINITION.read_text()), _register_task_definition_shape())


def test_botocore_validation_rejects_a_wrong_task_definition() -> None:
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    document = json.loads(TASK_DEFINITION.read_text())
    document["containerDefinitions"][0]["healthCheck"]["intervall"] = 30
    with pytest.raises(ParamValidationError, match="intervall"):
        validate_parameters(document, _register_task_definition_shape())


def test_ecs_secrets_come_from_a_store_and_the_container_is_locked_down() -> None:
    document = json.loads(TASK_DEFINITION.read_text())
    (container,) = document["containerDefinitions"]
    plain = {item["name"] for item in container["environment"]}
    assert not plain & set(SECRET_NAMES)
    stored = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert {"SECRET_KEY", "DATABASE_URL"} <= set(stored)
    assert all(re.match(r"arn:aws:(secretsmanager|ssm):", arn) for arn in stored.values())
    assert container["healthCheck"]["command"] == ["CMD", "bakery", "healthcheck"]
    assert container["readonlyRootFilesystem"] is True and container["user"] == "10001:10001"
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert document["requiresCompatibilities"] == ["FARGATE"]


# --- GitHub Actions ----------------------------------------------------------------------------

def test_actionlint_finds_nothing_in_the_workflow() -> None:
    result = run([find_tool("actionlint"), "-no-color", str(ROOT / ".github/workflows/ci.yml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_flag_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text((ROOT / ".github/workflows/ci.yml").read_text().replace(
        "runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needz: nothing", 1))
    result = run([find_tool("actionlint"), "-no-color", str(broken)])
    assert result.returncode != 0 and "needz" in result.stdout


def test_ci_tests_against_postgresql_and_redis_then_builds_the_image() -> None:
    (workflow,) = load_yaml_documents(ROOT / ".github/workflows/ci.yml")
    test = workflow["jobs"]["test"]
    assert test["services"]["postgres"]["image"] == "postgres:15"
    assert test["services"]["redis"]["image"].startswith("redis:")
    assert any(step.get("run") == "make test" for step in test["steps"])
    image = workflow["jobs"]["image"]
    assert image["needs"] == "test"
    build = next(s for s in image["steps"] if str(s.get("uses", "")).startswith("docker/build-push"))
    assert build["with"]["file"] == "deploy/Dockerfile"


def test_checkov_passes_the_workflow(checkov_report: dict[str, Any]) -> None:
    report = checkov_report["github_actions"]
    assert report["summary"]["passed"] > 10
    assert report["results"]["failed_checks"] == []


# --- Heroku, App Engine, Azure App Service, Cloud Run, Container Apps ------------------------

def test_procfile_migrates_on_release_and_serves_on_all_interfaces() -> None:
    entries = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                   if line.strip())
    assert entries == {"release": "bakery db upgrade",
                       "web": "HOST=0.0.0.0 PROXY_FIX_X_FOR=1 bakery serve"}


def test_python_version_file_matches_the_supported_python() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11" and version == "3.11"
    assert "python:3.11-slim" in (DEPLOY / "Dockerfile").read_text()
    assert load_yaml_documents(ROOT / "app.yaml")[0]["runtime"] == "python311"


def test_requirements_txt_installs_this_package_for_buildpacks() -> None:
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == ["."]


def test_app_engine_serves_with_bakery_serve_and_keeps_secrets_out() -> None:
    (app,) = load_yaml_documents(ROOT / "app.yaml")
    assert app["entrypoint"] == "bakery serve"
    assert app["env_variables"]["BAKERY_ENV"] == "production"
    assert not set(app["env_variables"]) & set(SECRET_NAMES)
    assert app["includes"] == ["secrets.yaml"]
    assert "secrets.yaml" in (ROOT / ".gitignore").read_text().split()
    assert all(h.get("secure") == "always" for h in app["handlers"])


def test_azure_app_service_settings_refer_to_key_vault_for_secrets() -> None:
    settings = {s["name"]: s["value"] for s in
                json.loads((DEPLOY / "azure" / "appservice-settings.json").read_text())}
    for name in ("SECRET_KEY", "DATABASE_URL"):
        assert settings[name].startswith("@Microsoft.KeyVault("), name
    assert settings["HOST"] == "0.0.0.0"


def _env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container["env"]}


def test_cloud_run_takes_secrets_from_secret_manager_and_probes_health() -> None:
    (service,) = load_yaml_documents(DEPLOY / "cloudrun" / "service.yaml")
    assert service["apiVersion"] == "serving.knative.dev/v1" and service["kind"] == "Service"
    (container,) = service["spec"]["template"]["spec"]["containers"]
    env = _env_of(container)
    for name in ("SECRET_KEY", "DATABASE_URL"):
        assert "secretKeyRef" in env[name]["valueFrom"] and "value" not in env[name]
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["ports"][0]["containerPort"] == 8080


def test_azure_container_app_takes_secrets_from_key_vault_and_probes_health() -> None:
    (app,) = load_yaml_documents(DEPLOY / "azure" / "containerapp.yaml")
    secrets = app["properties"]["configuration"]["secrets"]
    assert all("keyVaultUrl" in s and "value" not in s for s in secrets)
    (container,) = app["properties"]["template"]["containers"]
    env = _env_of(container)
    assert {env[n]["secretRef"] for n in ("SECRET_KEY", "DATABASE_URL")} == {s["name"] for s in secrets}
    probes = {p["type"]: p["httpGet"]["path"] for p in container["probes"]}
    assert probes == {"Startup": "/healthz", "Liveness": "/healthz", "Readiness": "/readyz"}
    assert app["properties"]["configuration"]["ingress"]["allowInsecure"] is False


def test_yamllint_accepts_every_yaml_file() -> None:
    config = ("{extends: default, rules: {line-length: {max: 130}, document-start: disable, "
              "truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}}}")
    result = run([find_tool("yamllint"), "--strict", "--format", "parsable", "-d", config,
                  *map(str, YAML_FILES)])
    assert result.returncode == 0, result.stdout + result.stderr


# --- a VM: systemd and nginx ---------------------------------------------------------------

@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    """The unit with ExecStart pointed at this venv's `bakery` (verify wants a real program)."""
    unit = tmp_path / "bakery.service"
    text = (DEPLOY / "systemd" / "bakery.service").read_text()
    assert "ExecStart=/opt/bakery/bin/bakery serve" in text
    unit.write_text(text.replace("/opt/bakery/bin/bakery", str(Path(sys.executable).parent / "bakery")))
    return unit


def test_systemd_accepts_the_unit(unit_file: Path) -> None:
    result = run([find_tool("systemd-analyze"), "verify", str(unit_file)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_systemd_rates_the_unit_well_hardened(unit_file: Path) -> None:
    # Exposure runs from 0 (locked down) to 10 (unprotected): 2.0 or less is "OK".
    result = run([find_tool("systemd-analyze"), "security", "--offline=true", "--threshold=20",
                  "--no-pager", str(unit_file)])
    assert result.returncode == 0, result.stdout[-800:] + result.stderr
    score = float(re.search(r"Overall exposure level for bakery.service: ([\d.]+)", result.stdout)[1])
    assert score <= 2.0


def test_systemd_stops_gunicorn_gracefully() -> None:
    text = (DEPLOY / "systemd" / "bakery.service").read_text()
    assert "KillSignal=SIGTERM" in text and "KillMode=mixed" in text
    assert int(re.search(r"TimeoutStopSec=(\d+)", text)[1]) > 30  # gunicorn's graceful timeout


@pytest.fixture
def nginx_site(tmp_path: Path) -> Path:
    """The site with its certificate and static paths moved into a scratch folder."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=bakery.example.com", "-keyout", str(certs / "privkey.pem"),
                    "-out", str(certs / "fullchain.pem")], check=True, capture_output=True)
    static = tmp_path / "static"
    static.mkdir()
    site = (DEPLOY / "nginx" / "bakery.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/bakery.example.com", str(certs))
    site = site.replace("/opt/bakery/lib/python3.11/site-packages/bakery/static/", f"{static}/")
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n"
                    f"  include {tmp_path}/site.conf;\n}}\n")
    return main


def test_nginx_accepts_the_site(nginx_site: Path, tmp_path: Path) -> None:
    result = run([find_tool("nginx"), "-t", "-q", "-p", str(tmp_path), "-c", str(nginx_site)])
    assert result.returncode == 0, result.stderr


def test_nginx_does_flag_a_broken_site(nginx_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.conf"
    site.write_text(site.read_text().replace("proxy_pass http://bakery;", "proxy_pass http://bakery"))
    result = run([find_tool("nginx"), "-t", "-q", "-p", str(tmp_path), "-c", str(nginx_site)])
    assert result.returncode != 0


def test_nginx_terminates_tls_passes_proxy_headers_and_serves_static_files() -> None:
    site = (DEPLOY / "nginx" / "bakery.conf").read_text()
    assert "listen 443 ssl" in site and "return 301 https://" in site
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP", "Host", "X-Request-ID"):
        assert f"proxy_set_header {header} " in site
    assert re.search(r"location /static/ \{\s+alias /opt/bakery/lib/python3\.11/site-packages/bakery/static/;", site)
    assert "Strict-Transport-Security" in site


# --- client addresses behind the one proxy ------------------------------------------------------

def _proxy_fix_x_for_settings() -> dict[str, str | None]:
    """PROXY_FIX_X_FOR as each deployment file sets it (None: not set)."""
    def from_env_list(env: list[dict[str, Any]]) -> str | None:
        return next((e.get("value") for e in env if e["name"] == "PROXY_FIX_X_FOR"), None)

    procfile = (ROOT / "Procfile").read_text()
    unit = (DEPLOY / "systemd" / "bakery.service").read_text()
    compose = load_yaml_documents(DEPLOY / "docker-compose.yml")[0]
    configmap = next(d for d in load_yaml_documents(DEPLOY / "k8s" / "configmap.yaml")
                     if d["kind"] == "ConfigMap")
    cloud_run = load_yaml_documents(DEPLOY / "cloudrun" / "service.yaml")[0]
    container_app = load_yaml_documents(DEPLOY / "azure" / "containerapp.yaml")[0]
    task = json.loads(TASK_DEFINITION.read_text())
    app_engine = load_yaml_documents(ROOT / "app.yaml")[0]
    app_service = json.loads((DEPLOY / "azure" / "appservice-settings.json").read_text())
    found = re.search(r"PROXY_FIX_X_FOR=(\d+)", procfile)
    in_unit = re.search(r"^Environment=PROXY_FIX_X_FOR=(\d+)$", unit, re.M)
    return {
        "heroku": found.group(1) if found else None,
        "systemd": in_unit.group(1) if in_unit else None,
        "compose": compose["services"]["app"]["environment"].get("PROXY_FIX_X_FOR"),
        "kubernetes": configmap["data"].get("PROXY_FIX_X_FOR"),
        "cloud run": from_env_list(cloud_run["spec"]["template"]["spec"]["containers"][0]["env"]),
        "container apps": from_env_list(
            container_app["properties"]["template"]["containers"][0]["env"]),
        "ecs": from_env_list(task["containerDefinitions"][0]["environment"]),
        "app engine": app_engine["env_variables"].get("PROXY_FIX_X_FOR"),
        "app service": from_env_list(app_service),
    }


def test_each_deployment_with_one_proxy_trusts_exactly_one_forwarded_hop() -> None:
    settings = _proxy_fix_x_for_settings()
    one_proxy = ("heroku", "systemd", "compose", "kubernetes", "cloud run", "container apps",
                 "ecs")
    assert {name: settings[name] for name in one_proxy} == dict.fromkeys(one_proxy, "1")
    # App Engine's front end and App Service's (which adds the client's port) are left to the
    # per-account login counter: see docs/deployment.md.
    assert settings["app engine"] is None and settings["app service"] is None


def test_where_the_proxy_shares_the_machine_the_app_port_stays_private() -> None:
    compose = load_yaml_documents(DEPLOY / "docker-compose.yml")[0]
    assert all(str(port).startswith("127.0.0.1:") for port in compose["services"]["app"]["ports"])
    unit = (DEPLOY / "systemd" / "bakery.service").read_text()
    assert re.search(r"^Environment=.*\bHOST=127\.0\.0\.1\b", unit, re.M)
    policy = load_yaml_documents(DEPLOY / "k8s" / "networkpolicy.yaml")[0]
    sources = [rule["from"] for rule in policy["spec"]["ingress"]]
    assert sources and all(entry.get("namespaceSelector") for rule in sources for entry in rule)


# --- the nightly write-off: a systemd timer and a cron line ----------------------------------

@pytest.fixture
def expire_units(tmp_path: Path) -> Path:
    """The write-off service and its timer, ExecStart pointed at this venv's `bakery`."""
    service = (DEPLOY / "systemd" / "bakery-expire.service").read_text()
    assert "ExecStart=/opt/bakery/bin/bakery expire" in service
    (tmp_path / "bakery-expire.service").write_text(
        service.replace("/opt/bakery/bin/bakery", str(Path(sys.executable).parent / "bakery")))
    (tmp_path / "bakery-expire.timer").write_text(
        (DEPLOY / "systemd" / "bakery-expire.timer").read_text())
    return tmp_path


def test_systemd_accepts_the_write_off_service_and_its_timer(expire_units: Path) -> None:
    result = run([find_tool("systemd-analyze"), "verify",
                  str(expire_units / "bakery-expire.timer"),
                  str(expire_units / "bakery-expire.service")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_systemd_rates_the_write_off_service_well_hardened(expire_units: Path) -> None:
    result = run([find_tool("systemd-analyze"), "security", "--offline=true", "--threshold=20",
                  "--no-pager", str(expire_units / "bakery-expire.service")])
    assert result.returncode == 0, result.stdout[-800:] + result.stderr
    score = float(re.search(r"Overall exposure level for bakery-expire.service: ([\d.]+)",
                            result.stdout)[1])
    assert score <= 2.0


def test_the_timer_runs_nightly_and_catches_up_after_downtime() -> None:
    timer = (DEPLOY / "systemd" / "bakery-expire.timer").read_text()
    assert "OnCalendar=*-*-* 00:05:00" in timer and "Persistent=true" in timer


def test_the_cron_line_runs_bakery_expire_nightly_as_the_service_user() -> None:
    lines = [line.split() for line in (DEPLOY / "cron" / "bakery-expire").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#") and "=" not in line.split()[0]]
    (fields,) = lines
    assert fields[:6] == ["5", "0", "*", "*", "*", "bakery"]
    assert "/opt/bakery/bin/bakery expire" in " ".join(fields[6:])
