"""Kubernetes manifests: schema-valid (kubernetes-validate, strict) and hardened (checkov)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import K8S, find_tool, load_yaml_documents, run

MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
# The oldest Kubernetes we support (the preStop sleep action is on by default from 1.30) and
# the newest the validator knows.
VERSIONS = ["1.30.0", None]


def _objects() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for path in MANIFESTS for doc in load_yaml_documents(path)}


@pytest.mark.parametrize("version", VERSIONS, ids=["k8s-1.30", "k8s-latest"])
def test_every_manifest_is_valid_for_kubernetes(version: str | None) -> None:
    args = [find_tool("kubernetes-validate"), "--strict", "--quiet"]
    if version:
        args += ["--kubernetes-version", version]
    result = run(args + [str(p) for p in MANIFESTS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_misspelt_field(tmp_path: Path) -> None:
    broken = tmp_path / "deployment.yaml"
    broken.write_text((K8S / "deployment.yaml").read_text().replace("readinessProbe", "readynessProbe"))
    result = run([find_tool("kubernetes-validate"), "--strict", "--quiet", str(broken)])
    assert result.returncode != 0
    assert "readynessProbe" in result.stdout + result.stderr


def test_kustomization_lists_every_manifest_but_the_secret_example_and_the_job() -> None:
    listed = set(load_yaml_documents(K8S / "kustomization.yaml")[0]["resources"])
    assert listed == {p.name for p in MANIFESTS} - {"secret.example.yaml", "job-migrate.yaml"}


def test_the_deployment_probes_health_and_readiness_and_runs_locked_down() -> None:
    objects = _objects()
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"requests", "limits"} <= set(container["resources"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert any(v["name"] == "tmp" and "emptyDir" in v for v in pod["volumes"])
    assert pod["terminationGracePeriodSeconds"] > int(
        objects["ConfigMap"]["data"]["GUNICORN_GRACEFUL_TIMEOUT"])


def test_pods_only_serve_and_the_job_migrates() -> None:
    objects = _objects()
    assert objects["ConfigMap"]["data"]["BAKERY_MIGRATE_ON_START"] == "false"
    job = objects["Job"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["db", "upgrade"]
    assert job["restartPolicy"] == "Never"
    assert objects["Job"]["spec"]["template"]["spec"]["containers"][0]["image"] == \
        objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]


def test_ingress_terminates_tls_and_the_rest_is_in_place() -> None:
    objects = _objects()
    ingress = objects["Ingress"]["spec"]
    assert ingress["tls"][0]["hosts"] == [ingress["rules"][0]["host"]]
    assert objects["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    assert objects["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    assert set(objects["NetworkPolicy"]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert objects["ServiceAccount"]["automountServiceAccountToken"] is False


def test_checkov_finds_no_misconfiguration_in_the_manifests(checkov_report: dict[str, Any]) -> None:
    report = checkov_report["kubernetes"]
    failed = report["results"]["failed_checks"]
    assert report["summary"]["passed"] > 100
    assert failed == [], [(f["check_id"], f["file_path"], f["check_name"]) for f in failed]
    # Every skip is deliberate and explained in the manifest's annotations.
    skipped = {(s["check_id"], s["suppress_comment"]) for s in report["results"]["skipped_checks"]}
    assert {check for check, _ in skipped} <= {"CKV_K8S_35", "CKV_K8S_43"}
    assert all(len(reason) > 20 for _, reason in skipped)


def test_checkov_finds_no_secret_in_any_deployment_file(checkov_report: dict[str, Any]) -> None:
    report = checkov_report.get("secrets")
    failed = report["results"]["failed_checks"] if report else []
    assert failed == [], [(f["check_id"], f["file_path"]) for f in failed]


def test_a_cronjob_writes_off_expired_stock_nightly_with_the_apps_image() -> None:
    objects = _objects()
    cron = objects["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"] == ["expire"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["containers"][0]["image"] == \
        objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]
