"""`--apply`: warm, traffic set/rollback and archive carried out on the cluster, in order.

Checks: a worker is applied and rolled out before its revision is `ready`; the runtime-config
ConfigMap is upserted before the store records the split; a stalled rollout and a
ProgressDeadlineExceeded rollout leave the revision `failed`, the split and the runtime-config
ConfigMap untouched, and say why; traffic can never name a revision whose worker did not roll
out; `--apply` is refused for a non-k8s env and its flags are refused without it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from greentic_deployer.ops import live, live_apply, revisions, traffic
from greentic_deployer.ops.context import OpContext
from greentic_deployer.ops.live_target import Connection
from greentic_deployer.ops.payloads import RevisionVerbPayload
from greentic_deployer.packs.k8s.naming import worker_name
from greentic_deployer.spec.bindings import EnvPackBinding
from greentic_deployer.spec.errors import ConflictError, GreenticError
from greentic_deployer.spec.revision import Lifecycle
from greentic_deployer.spec.slots import CapabilitySlot
from greentic_deployer.spec.traffic import TrafficEntry
from greentic_deployer.testing.kube_emulator import RunningEmulator
from tests.k8s_live.builders import DEPLOYMENT, ENV_ID, NAMESPACE, R1, R2, live_env
from tests.ops_k8s.conftest import connect, put_env

TIMEOUT_VAR = "GREENTIC_K8S_WARM_READY_TIMEOUT_SECS"


@pytest.fixture
def blue(ctx: OpContext, emulator: RunningEmulator) -> Connection:
    """R1 ready and routed, R2 staged; the cluster reconciled to that (R1's worker is up)."""
    put_env(ctx, live_env((R1, Lifecycle.ready), (R2, Lifecycle.staged), routed=R1))
    live.reconcile(ctx, ENV_ID, kubeconfig=emulator.kubeconfig, connect=connect)
    return Connection(emulator.kubeconfig, None, connect)


def routed(ctx: OpContext) -> list[str]:
    split = ctx.store.load(ENV_ID).split_for(DEPLOYMENT)
    return [e.revision_id for e in split.entries] if split is not None else []


def runtime_config(running: RunningEmulator) -> tuple[str, dict[str, Any]]:
    """(resourceVersion, parsed routing table) of the live gtc-runtime-config ConfigMap."""
    obj = running.emulator.object("configmaps", NAMESPACE, "gtc-runtime-config")
    assert obj is not None
    return obj["metadata"]["resourceVersion"], json.loads(obj["data"]["runtime-config.json"])


def lifecycle(ctx: OpContext, rid: str) -> Lifecycle:
    revision = ctx.store.load(ENV_ID).revision(rid)
    assert revision is not None
    return revision.lifecycle


def set_all(ctx: OpContext, rid: str, key: str, connection: Connection) -> dict[str, Any]:
    entries = [TrafficEntry(revision_id=rid, weight_bps=10_000)]
    return live_apply.set_entries_verb(ctx, ENV_ID, DEPLOYMENT, entries, key, connection)


def test_warm_then_traffic_then_rollback_move_cluster_and_store_in_order(
    ctx: OpContext, emulator: RunningEmulator, blue: Connection
) -> None:
    summary = live_apply.warm_verb(ctx, ENV_ID, R2, blue, None)
    assert summary["lifecycle"] == "ready"
    worker = emulator.emulator.object("deployments", NAMESPACE, worker_name(R2))
    assert worker is not None and worker["status"]["availableReplicas"] == 1

    set_all(ctx, R2, "release-2", blue)
    assert routed(ctx) == [R2]
    assert R2 in json.dumps(runtime_config(emulator)[1]) and R1 not in json.dumps(
        runtime_config(emulator)[1]
    )

    live_apply.rollback_verb(ctx, ENV_ID, DEPLOYMENT, blue)
    assert routed(ctx) == [R1]
    assert R1 in json.dumps(runtime_config(emulator)[1])


@pytest.mark.parametrize(
    ("mode", "timeout", "says"),
    [
        ("stall", "0", "did not become ready within 0s"),
        ("deadline", "300", "has timed out progressing"),
    ],
)
def test_a_failed_rollout_leaves_the_revision_failed_and_traffic_untouched(
    ctx: OpContext,
    emulator: RunningEmulator,
    blue: Connection,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    timeout: str,
    says: str,
) -> None:
    monkeypatch.setenv(TIMEOUT_VAR, timeout)
    emulator.emulator.script_rollout(NAMESPACE, worker_name(R2), mode)  # type: ignore[arg-type]
    config_before = runtime_config(emulator)
    with pytest.raises(GreenticError) as caught:
        live_apply.warm_verb(ctx, ENV_ID, R2, blue, None)
    assert caught.value.kind == "conflict"
    assert says in caught.value.message
    assert "now `failed`" in caught.value.message
    assert lifecycle(ctx, R2) is Lifecycle.failed
    assert routed(ctx) == [R1]
    assert runtime_config(emulator) == config_before

    # Traffic can never be pointed at it: refused before the ConfigMap is touched.
    with pytest.raises(GreenticError):
        set_all(ctx, R2, "release-2", blue)
    assert routed(ctx) == [R1]
    assert runtime_config(emulator) == config_before


def test_archive_apply_deletes_the_worker_then_records_archived(
    ctx: OpContext, emulator: RunningEmulator, blue: Connection
) -> None:
    live_apply.warm_verb(ctx, ENV_ID, R2, blue, None)
    set_all(ctx, R2, "release-2", blue)
    # R1 still has a worker and no traffic: archive it live.
    summary = live_apply.archive_verb(ctx, ENV_ID, R1, blue, None)
    assert summary["lifecycle"] == "archived"
    assert emulator.emulator.object("deployments", NAMESPACE, worker_name(R1)) is None
    assert emulator.emulator.object("services", NAMESPACE, worker_name(R1)) is None


def test_archive_apply_of_a_routed_revision_is_refused_before_the_worker_goes(
    ctx: OpContext, emulator: RunningEmulator, blue: Connection
) -> None:
    with pytest.raises(GreenticError) as caught:
        live_apply.archive_verb(ctx, ENV_ID, R1, blue, None)
    assert caught.value.kind == "conflict"
    assert emulator.emulator.object("deployments", NAMESPACE, worker_name(R1)) is not None
    assert lifecycle(ctx, R1) is Lifecycle.ready


def test_apply_on_a_non_k8s_env_is_a_conflict_naming_the_bound_kind(ctx: OpContext) -> None:
    env = live_env((R1, Lifecycle.staged)).model_copy(
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
    put_env(ctx, env)
    payload = RevisionVerbPayload(environment_id=ENV_ID, revision_id=R1)
    with pytest.raises(ConflictError) as caught:
        revisions.warm(ctx, payload, apply=True)
    assert "greentic.deployer.local-process@0.1.0" in caught.value.message
    assert lifecycle(ctx, R1) is Lifecycle.staged


def test_connection_flags_without_apply_are_invalid_arguments(ctx: OpContext) -> None:
    put_env(ctx, live_env((R1, Lifecycle.ready), routed=R1))
    with pytest.raises(GreenticError) as caught:
        traffic.rollback(ctx, ENV_ID, DEPLOYMENT, context="emulator")
    assert caught.value.kind == "invalid-argument" and "--context" in caught.value.message
