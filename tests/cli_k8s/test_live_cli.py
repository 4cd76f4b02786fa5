"""The live k8s verbs through the installed `gtc` console script, against the emulator over HTTP.

Checks: a first `deploy --apply` on an empty cluster brings up the env-level set and the worker
in one command; `env reconcile` then finds everything in place (JSON and text output); `env diff`
exits 0 and reports no change; a bound env reads its token from the environment variable and
never prints it; `--apply` flags without `--apply` are refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.store.local import LocalFileStore
from greentic_deployer.testing.kube_emulator import RunningEmulator, run_emulator
from tests.k8s_live.builders import ENV_ID, ready_env
from tests.ops_k8s.conftest import (
    ADMIN_RULES,
    ADMIN_TOKEN,
    MIN_RULES,
    MIN_TOKEN,
    TOKEN_REF,
    TOKEN_VAR,
)

GTC = Path(sys.executable).parent / "gtc"
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "hello.gtbundle"


def gtc(
    tmp_path: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `gtc op <args> --store-root <tmp>/store` with a scratch HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GREENTIC_", "GTSEC_"))}
    env["HOME"] = str(tmp_path / "home")
    env.update(extra_env or {})
    argv = [str(GTC), "op", *args, "--store-root", str(tmp_path / "store")]
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False
    )


def result(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["result"]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path / "emu", rollout_delay=0) as running:
        yield running


def test_a_first_deploy_apply_brings_up_a_fresh_cluster_and_reconcile_finds_it_in_place(
    tmp_path: Path, cluster: RunningEmulator
) -> None:
    kube = str(cluster.kubeconfig)
    result(gtc(tmp_path, "env", "create", "prod", "--name", "Production"))
    result(
        gtc(
            tmp_path,
            "env-packs",
            "add",
            "prod",
            "--slot",
            "deployer",
            "--kind",
            "greentic.deployer.k8s@1.0.0",
            "--pack-ref",
            "builtin",
        )
    )
    deploy_run = gtc(
        tmp_path,
        "deploy",
        "--env",
        "prod",
        "--bundle",
        str(BUNDLE),
        "--customer-id",
        "acme",
        "--idempotency-key",
        "hello-1",
        "--apply",
        "--kubeconfig",
        kube,
    )
    deployed = result(deploy_run)
    # The rollout wait's status line is for terminals only: nothing on a piped stderr.
    assert deploy_run.stderr == ""
    assert deployed["status"] == "routed"
    assert deployed["applied"] == {"env_level_objects": 12, "worker": "rolled-out"}
    worker = cluster.emulator.object(
        "deployments", "gtc-prod", worker_name(deployed["revision_id"])
    )
    assert worker is not None and worker["status"]["availableReplicas"] == 1
    config = cluster.emulator.object("configmaps", "gtc-prod", "gtc-runtime-config")
    assert config is not None and deployed["revision_id"] in config["data"]["runtime-config.json"]

    reconciled = result(gtc(tmp_path, "env", "reconcile", "prod", "--kubeconfig", kube))
    assert reconciled["applied_count"] == 14 and reconciled["pruned_count"] == 0
    # Only the env document moved (it now records the routed revision).
    assert [a["name"] for a in reconciled["actions"] if a["action"] != "unchanged"] == [
        "gtc-env-store"
    ]

    text = gtc(tmp_path, "env", "reconcile", "prod", "--kubeconfig", kube, "--output", "text")
    assert text.returncode == 0, text.stderr
    assert "actions" in text.stdout and "unchanged" in text.stdout

    diffed = gtc(tmp_path, "env", "diff", "prod", "--kubeconfig", kube)
    assert diffed.returncode == 0
    assert result(diffed)["changed"] is False


def test_a_bound_env_reads_its_token_from_the_environment_and_never_prints_it(
    tmp_path: Path,
) -> None:
    tokens = {ADMIN_TOKEN: ADMIN_RULES, MIN_TOKEN: MIN_RULES}
    with run_emulator(tmp_path / "emu", token=ADMIN_TOKEN, tokens=tokens) as running:
        store = LocalFileStore(tmp_path / "store")
        store.create(ready_env())
        kube = str(running.kubeconfig)
        # The admin (kubeconfig) identity creates the namespace first.
        result(gtc(tmp_path, "env", "reconcile", ENV_ID, "--kubeconfig", kube))
        store.transact(
            ENV_ID, lambda env: (env.model_copy(update={"credentials_ref": TOKEN_REF}), None)
        )
        missing = gtc(tmp_path, "env", "reconcile", ENV_ID, "--kubeconfig", kube)
        assert missing.returncode == 1 and missing.stdout == ""
        error = json.loads(missing.stderr)["error"]
        assert error["kind"] == "conflict" and TOKEN_VAR in error["message"]

        proc = gtc(
            tmp_path,
            "env",
            "reconcile",
            ENV_ID,
            "--kubeconfig",
            kube,
            extra_env={TOKEN_VAR: MIN_TOKEN},
        )
        assert result(proc)["identity"] == "bound"
        assert MIN_TOKEN not in proc.stdout + proc.stderr
        audit = (tmp_path / "store" / ENV_ID / "audit" / "events.jsonl").read_text()
        assert MIN_TOKEN not in audit


def test_connection_flags_without_apply_are_refused(tmp_path: Path) -> None:
    proc = gtc(
        tmp_path,
        "traffic",
        "rollback",
        "prod",
        "--deployment",
        "01J00000000000000000000000",
        "--kubeconfig",
        "/nonexistent",
    )
    assert proc.returncode == 1
    error = json.loads(proc.stderr)["error"]
    assert error["kind"] == "invalid-argument" and "--kubeconfig" in error["message"]


def test_dry_run_on_the_command_line_never_changes_the_cluster(
    tmp_path: Path, cluster: RunningEmulator
) -> None:
    """Bug: the global `--dry-run` swallowed reconcile's own flag, so `env reconcile
    --dry-run` pruned for real; apply-revision must refuse it instead."""
    kube = str(cluster.kubeconfig)
    store = LocalFileStore(tmp_path / "store")
    store.create(ready_env())
    result(gtc(tmp_path, "env", "reconcile", ENV_ID, "--kubeconfig", kube))
    revision_id = ready_env().revisions[0].revision_id
    store.transact(
        ENV_ID,
        lambda env: (
            env.model_copy(
                update={
                    "traffic_splits": [],
                    "revisions": [
                        r.model_copy(update={"lifecycle": Lifecycle.archived})
                        for r in env.revisions
                    ],
                }
            ),
            None,
        ),
    )
    cluster.emulator.reset_counters()
    preview = result(gtc(tmp_path, "env", "reconcile", ENV_ID, "--kubeconfig", kube, "--dry-run"))
    assert preview["dry_run"] is True and preview["pruned_count"] == 2
    assert cluster.emulator.requests_by_verb().get("delete", 0) == 0
    for ref in preview["pruned"]:
        plural = "deployments" if ref["kind"] == "Deployment" else "services"
        assert cluster.emulator.object(plural, ref["namespace"], ref["name"]) is not None

    refused = gtc(
        tmp_path,
        "env",
        "apply-revision",
        ENV_ID,
        revision_id,
        "--kubeconfig",
        kube,
        "--dry-run",
    )
    assert refused.returncode == 1
    error = json.loads(refused.stderr)["error"]
    assert error["kind"] == "invalid-argument" and "--dry-run" in error["message"]
    assert cluster.emulator.requests_by_verb().get("delete", 0) == 0
