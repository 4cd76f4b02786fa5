"""`op env reconcile` / `env diff` / `env apply-revision` through ops against the emulator.

Checks: the reference's live scenario (14 applied; after archiving 12 applied + 2 pruned), an
all-unchanged re-reconcile, ownership conflicts and adopt refusals that write nothing, dry runs
and diffs that persist nothing, retries through injected 429/503, an unreachable cluster, the
kind gate, apply-revision's two actions, and one audit line per live verb without the token.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from greentic_deployer.ops import live
from greentic_deployer.ops.context import OpContext
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.errors import ConflictError, GreenticError
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.testing.kube_emulator import RunningEmulator
from tests.k8s_live.builders import ENV_ID, NAMESPACE, R1, archived_env, ready_env
from tests.ops_k8s.conftest import audit_lines, connect, env_document, put_env


def run(ctx: OpContext, running: RunningEmulator, **kw: Any) -> dict[str, Any]:
    return live.reconcile(ctx, ENV_ID, kubeconfig=running.kubeconfig, connect=connect, **kw)


def objects(running: RunningEmulator) -> dict[tuple[str, str], str]:
    """(plural, name) -> resourceVersion of every object in the env's namespace."""
    store = running.emulator.store
    with store.lock:
        return {
            (key[0], key[2]): obj["metadata"]["resourceVersion"]
            for key, obj in store.objects.items()
            if key[1] == NAMESPACE
        }


def test_the_live_scenario_applies_14_then_12_and_prunes_the_archived_worker(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    first = run(ctx, emulator)
    assert (first["applied_count"], first["pruned_count"]) == (14, 0)
    assert first["identity"] == "ambient" and first["kind"] == "greentic.deployer.k8s@1.0.0"
    assert {a["action"] for a in first["actions"]} == {"created"}
    assert set(first["applied"][0]) == {"api_version", "kind", "namespace", "name"}

    put_env(ctx, archived_env())
    second = run(ctx, emulator)
    assert (second["applied_count"], second["pruned_count"]) == (12, 2)
    assert {(p["kind"], p["name"]) for p in second["pruned"]} == {
        ("Deployment", worker_name(R1)),
        ("Service", worker_name(R1)),
    }
    assert ("deployments", worker_name(R1)) not in objects(emulator)


def test_a_second_reconcile_reports_everything_unchanged_and_moves_no_resource_version(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    run(ctx, emulator)
    before = objects(emulator)
    again = run(ctx, emulator)
    assert again["unchanged_count"] == again["applied_count"] == 14
    assert objects(emulator) == before


def test_reconcile_never_changes_the_store_and_audits_one_line(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    document = env_document(ctx, ENV_ID)
    run(ctx, emulator)
    assert env_document(ctx, ENV_ID) == document
    events = [e for e in audit_lines(ctx, ENV_ID) if e.get("verb") == "reconcile"]
    assert len(events) == 1
    assert "ok" in json.dumps(events[0])


def test_an_ownership_conflict_writes_nothing(ctx: OpContext, emulator: RunningEmulator) -> None:
    put_env(ctx, ready_env())
    run(ctx, emulator)  # the namespace and every object exist, labelled for `live`
    _force_label(emulator, "configmaps", "gtc-runtime-config", "other")
    before = objects(emulator)
    with pytest.raises(ConflictError) as caught:
        run(ctx, emulator)
    assert "belongs to env `other`" in caught.value.message
    assert objects(emulator) == before


def test_an_unlabelled_object_is_refused_without_adopt_and_taken_over_with_it(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    run(ctx, emulator)
    _force_label(emulator, "configmaps", "gtc-runtime-config", None)
    before = objects(emulator)
    with pytest.raises(ConflictError) as caught:
        run(ctx, emulator)
    assert "adopt" in caught.value.message
    assert objects(emulator) == before
    adopted = run(ctx, emulator, adopt=True)
    assert adopted["applied_count"] == 14


def test_a_dry_run_and_a_diff_persist_nothing_and_are_not_audited(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    dry = run(ctx, emulator, dry_run=True)
    assert dry["dry_run"] is True and dry["applied_count"] == 14
    assert objects(emulator) == {}
    run(ctx, emulator)
    put_env(ctx, archived_env())
    before = objects(emulator)
    emulator.emulator.reset_counters()
    pruning = run(ctx, emulator, dry_run=True)
    assert pruning["pruned_count"] == 2
    assert emulator.emulator.requests_by_verb().get("delete", 0) == 0
    assert objects(emulator) == before
    report = live.diff(ctx, ENV_ID, kubeconfig=emulator.kubeconfig, connect=connect)
    assert report["changed"] is True
    assert {(p["kind"], p["name"]) for p in report["pruned"]} == {
        ("Deployment", worker_name(R1)),
        ("Service", worker_name(R1)),
    }
    changed = {c["name"]: c["paths"] for c in report["changed_objects"]}
    assert changed["gtc-env-store"] == ['data["environment.json"]']
    assert objects(emulator) == before
    verbs = [e.get("verb") for e in audit_lines(ctx, ENV_ID)]
    assert verbs.count("reconcile") == 1 and "diff" not in verbs


def test_a_diff_of_a_converged_env_says_nothing_would_change(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    run(ctx, emulator)
    report = live.diff(ctx, ENV_ID, kubeconfig=emulator.kubeconfig, connect=connect)
    assert report["changed"] is False and report["unchanged_count"] == 14


def test_reconcile_retries_through_throttling_and_server_errors(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    emulator.emulator.inject_fault(status=429, count=1, verb="patch", resource="configmaps")
    emulator.emulator.inject_fault(status=503, count=2, verb="list", resource="deployments")
    report = run(ctx, emulator)
    assert report["applied_count"] == 14
    assert emulator.emulator.counters[("list", "deployments")] == 3


def test_an_unreachable_cluster_is_a_conflict_saying_so(ctx: OpContext, tmp_path: Path) -> None:
    put_env(ctx, ready_env())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = tmp_path / "dead.kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    with pytest.raises(ConflictError) as caught:
        live.reconcile(ctx, ENV_ID, kubeconfig=kubeconfig, connect=connect)
    assert caught.value.message.startswith("cannot reach the cluster: ")
    assert f"127.0.0.1:{port}" in caught.value.message


def test_the_kind_gate_refuses_another_path_and_a_non_k8s_deployer(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    with pytest.raises(ConflictError, match="does not match the bound deployer"):
        run(ctx, emulator, kind="greentic.deployer.local-process@0.1.0")
    local = ready_env().model_copy(
        update={
            "packs": [
                EnvPackBinding(
                    slot=CapabilitySlot.deployer,
                    kind="greentic.deployer.local-process@0.1.0",
                    pack_ref="builtin",
                )
            ]
        }
    )
    put_env(ctx, local)
    with pytest.raises(ConflictError, match=r"needs the greentic\.deployer\.k8s deployer"):
        run(ctx, emulator)
    assert emulator.emulator.requests_by_verb() == {}


def test_apply_revision_warms_a_present_revision_and_archives_an_absent_one(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, archived_env())
    run(ctx, emulator)  # the namespace and env-level objects, no worker
    put_env(ctx, ready_env())
    document = env_document(ctx, ENV_ID)
    warmed = live.apply_revision(ctx, ENV_ID, R1, kubeconfig=emulator.kubeconfig, connect=connect)
    assert warmed == {
        "environment_id": ENV_ID,
        "kind": "greentic.deployer.k8s@1.0.0",
        "revision_id": R1,
        "lifecycle": "ready",
        "action": "warmed",
        "worker_name": worker_name(R1),
        "answers_ref": None,
        "identity": "ambient",
    }
    assert ("deployments", worker_name(R1)) in objects(emulator)
    assert env_document(ctx, ENV_ID) == document

    put_env(ctx, archived_env())
    archived = live.apply_revision(ctx, ENV_ID, R1, kubeconfig=emulator.kubeconfig, connect=connect)
    assert (archived["action"], archived["lifecycle"]) == ("archived", "archived")
    assert ("deployments", worker_name(R1)) not in objects(emulator)


def test_apply_revision_of_an_unknown_revision_is_not_found(
    ctx: OpContext, emulator: RunningEmulator
) -> None:
    put_env(ctx, ready_env())
    with pytest.raises(GreenticError) as caught:
        live.apply_revision(
            ctx,
            ENV_ID,
            "01J00000000000000000000000",
            kubeconfig=emulator.kubeconfig,
            connect=connect,
        )
    assert caught.value.kind == "not-found"


def _force_label(running: RunningEmulator, plural: str, name: str, env_label: str | None) -> None:
    """Rewrite one stored object's env label, as another tool would have left it."""
    store = running.emulator.store
    with store.lock:
        key = (plural, NAMESPACE, name)
        obj = store.objects[key]
        labels = dict(obj["metadata"].get("labels") or {})
        labels.pop("greentic.ai/env", None)
        if env_label is not None:
            labels["greentic.ai/env"] = env_label
        obj["metadata"]["labels"] = labels
